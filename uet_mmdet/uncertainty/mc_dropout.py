# Copyright (c) uet_mmdet authors. All rights reserved.
"""Monte-Carlo dropout moments: K stochastic samples -> mean and variance.

Pure tensor maths (torch only). Sample ``k`` drops with rate ``p_k`` and scales
what it keeps by ``1 / (1 - p_k)`` (inverted dropout), so every sample is an
unbiased estimate of the input.

Masks come from float32 uniform numbers whatever the feature's dtype (a seed
gives the same masks with and without mixed precision), and moments are
computed in float32 at least (see :mod:`.precision`).
"""
import functools
import itertools
from typing import Callable, List, NamedTuple, Optional, Sequence, Tuple, Union

import torch
from torch import Tensor

from .precision import at_least_float32

# 2**K keep patterns are enumerated by the exact sampler.
MAX_EXACT_SAMPLES = 16
Rates = Union[Sequence[float], Tensor]


def dropout_schedule(num_samples: int,
                     p0: float = 0.15,
                     delta: float = 0.05) -> Tensor:
    """The paper's per-sample rates ``p_k = p0 + k * delta``, k = 0..K-1."""
    if num_samples < 1:
        raise ValueError(f'num_samples must be >= 1, got {num_samples}')
    rates = p0 + delta * torch.arange(num_samples, dtype=torch.float64)
    return check_rates(rates)


def check_rates(rates: Rates) -> Tensor:
    """Return ``rates`` as a float64 tensor; each must lie in [0, 1)."""
    rates = torch.as_tensor(rates, dtype=torch.float64).flatten()
    if rates.numel() < 1:
        raise ValueError('at least one dropout rate is needed')
    if bool(((rates < 0) | (rates >= 1)).any()):
        raise ValueError(f'dropout rates must lie in [0, 1), got '
                         f'{rates.tolist()}')
    return rates


def _mask_shape(feature: Tensor, channel_wise: bool) -> Tuple[int, ...]:
    """Element-wise masks, or one value per (image, channel) like Dropout2d."""
    if channel_wise:
        return tuple(feature.shape[:2]) + (1, ) * (feature.dim() - 2)
    return tuple(feature.shape)


def _uniform(shape: Tuple[int, ...], like: Tensor,
             generator: Optional[torch.Generator]) -> Tensor:
    """float32 uniforms whatever ``like``'s dtype: the masks of a seed do
    not depend on the precision."""
    return torch.rand(
        shape, generator=generator, device=like.device, dtype=torch.float32)


def dropout_samples(feature: Tensor,
                    rates: Rates,
                    channel_wise: bool = False,
                    generator: Optional[torch.Generator] = None) -> Tensor:
    """K inverted-dropout copies of ``feature``, shape ``(K, *feature.shape)``.

    The masks and the scaling are computed in float32 at least (half
    precision rates would be off by up to 0.4 %), the copies returned in the
    feature's dtype: the module they feed runs in it.

    Args:
        feature (Tensor): (N, C, ...) feature.
        rates (Sequence[float] | Tensor): K dropout rates.
        channel_wise (bool): Drop whole channels (Dropout2d) instead of
            elements.
        generator (torch.Generator, optional): For repeatable masks; on the
            feature's device.
    """
    dtype = at_least_float32(feature.dtype)
    rates = check_rates(rates).to(feature.device, dtype)
    view = (-1, ) + (1, ) * feature.dim()
    shape = (rates.numel(), ) + _mask_shape(feature, channel_wise)
    keep = _uniform(shape, feature, generator) >= rates.view(view)
    copies = feature.unsqueeze(0).to(dtype) * keep / (1 - rates.view(view))
    return copies.to(feature.dtype)


def mc_moments(samples: Tensor) -> Tuple[Tensor, Tensor]:
    """Mean and (population) variance over the first, sample dimension, in
    float32 at least."""
    samples = samples.to(at_least_float32(samples.dtype))
    mean = samples.mean(dim=0)
    return mean, (samples - mean).pow(2).mean(dim=0)


@torch.no_grad()
def feature_mc_moments(
        feature: Tensor,
        rates: Rates,
        channel_wise: bool = False,
        generator: Optional[torch.Generator] = None) -> Tuple[Tensor, Tensor]:
    """MC-dropout mean and variance of a feature, drawing K masks.

    Note that dropout applied directly to a feature ``F`` has variance
    ``F**2 * p / (1 - p)`` in expectation: it tells nothing beyond ``|F|``.
    Computed in float32 at least.
    """
    feature = feature.to(at_least_float32(feature.dtype))
    return mc_moments(dropout_samples(feature, rates, channel_wise, generator))


class _PatternTable(NamedTuple):
    """The 2**K keep patterns as an alias table (Walker/Vose): cell ``i``
    holds pattern ``i`` with probability ``keep[i]``, else ``alias[i]``."""
    keep: Tensor
    alias: Tensor
    mean_coef: Tensor
    var_coef: Tensor


def _alias(probs: List[float]) -> Tuple[List[float], List[int]]:
    num = len(probs)
    scaled = [prob * num for prob in probs]
    keep, alias = [1.0] * num, list(range(num))
    small = [i for i, value in enumerate(scaled) if value < 1]
    large = [i for i, value in enumerate(scaled) if value >= 1]
    while small and large:
        low, high = small.pop(), large.pop()
        keep[low], alias[low] = scaled[low], high
        scaled[high] += scaled[low] - 1
        (small if scaled[high] < 1 else large).append(high)
    return keep, alias


@functools.lru_cache(maxsize=32)
def _pattern_table(rate_values: Tuple[float, ...], device: torch.device,
                   dtype: torch.dtype) -> _PatternTable:
    rates = torch.tensor(rate_values, dtype=torch.float64)
    patterns = torch.tensor(
        list(itertools.product((0.0, 1.0), repeat=rates.numel())),
        dtype=torch.float64)
    pattern_prob = (patterns * (1 - rates) + (1 - patterns) * rates).prod(1)
    scaled = patterns / (1 - rates)
    mean_coef = scaled.mean(dim=1)
    var_coef = scaled.pow(2).mean(dim=1) - mean_coef.pow(2)
    keep, alias = _alias(pattern_prob.tolist())
    return _PatternTable(
        torch.tensor(keep, device=device), torch.tensor(alias, device=device),
        mean_coef.to(device, dtype), var_coef.to(device, dtype))


@torch.no_grad()
def feature_mc_moments_exact(
        feature: Tensor,
        rates: Rates,
        channel_wise: bool = False,
        generator: Optional[torch.Generator] = None) -> Tuple[Tensor, Tensor]:
    """The same distribution as :func:`feature_mc_moments`, one draw each.

    The K-sample mean and variance of element ``f`` are ``f * m`` and
    ``f**2 * v``, where ``(m, v)`` depend only on which of the K masks kept
    the element. This draws the keep pattern of every element (or channel)
    from the exact distribution of the 2**K patterns with an alias table: a
    random cell and one uniform number, in constant time. Computed in
    float32 at least.
    """
    rates = check_rates(rates)
    feature = feature.to(at_least_float32(feature.dtype))
    if rates.numel() > MAX_EXACT_SAMPLES:
        return feature_mc_moments(feature, rates, channel_wise, generator)
    table = _pattern_table(
        tuple(rates.tolist()), feature.device, feature.dtype)
    shape = _mask_shape(feature, channel_wise)
    cell = torch.randint(
        table.keep.numel(), shape, generator=generator, device=feature.device)
    uniform = torch.rand(
        shape, generator=generator, device=feature.device, dtype=torch.float32)
    pattern = torch.where(uniform < table.keep[cell], cell, table.alias[cell])
    mean = feature * table.mean_coef[pattern]
    var = feature.pow(2) * table.var_coef[pattern]
    return mean, var


def _repeat_inputs(inputs: Union[Tensor, Sequence[Tensor]], rates: Tensor,
                   channel_wise: bool, generator: Optional[torch.Generator]):
    """Stack K dropout copies of every input along the batch dimension."""
    single = isinstance(inputs, Tensor)
    tensors = [inputs] if single else list(inputs)
    stacked = [
        dropout_samples(tensor, rates, channel_wise, generator).flatten(0, 1)
        for tensor in tensors
    ]
    return stacked[0] if single else type(inputs)(stacked)


@torch.no_grad()
def module_mc_samples(
    module: Callable,
    inputs: Union[Tensor, Sequence[Tensor]],
    rates: Rates,
    channel_wise: bool = False,
    generator: Optional[torch.Generator] = None
) -> Union[Tensor, Tuple[Tensor, ...]]:
    """Run ``module`` on K dropout copies of its inputs in one batched call.

    Dropout in front of a non-linear module gives uncertainty that is not a
    function of the module's own output magnitude.

    Args:
        module (callable): Takes ``inputs`` (a tensor, or a sequence such as
            the backbone outputs a neck takes) and returns a tensor or
            (nested) sequences of tensors with the batch first.
        inputs (Tensor | Sequence[Tensor]): (N, ...) inputs.
        rates (Sequence[float] | Tensor): K dropout rates, one per sample.

    Returns:
        Tensor | tuple: The module's outputs, nested as the module nests them
        (sequences become tuples), every tensor with shape ``(K, N, ...)``.
    """
    rates = check_rates(rates)
    outputs = module(_repeat_inputs(inputs, rates, channel_wise, generator))
    return _split_samples(outputs, rates.numel())


def _split_samples(outputs, num: int):
    """(K*N, ...) -> (K, N, ...) for every tensor of a nested output."""
    if isinstance(outputs, Tensor):
        return outputs.unflatten(0, (num, -1))
    return tuple(_split_samples(output, num) for output in outputs)


__all__ = [
    'MAX_EXACT_SAMPLES', 'check_rates', 'dropout_samples', 'dropout_schedule',
    'feature_mc_moments', 'feature_mc_moments_exact', 'mc_moments',
    'module_mc_samples'
]
