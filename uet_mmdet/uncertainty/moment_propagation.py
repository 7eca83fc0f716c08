# Copyright (c) uet_mmdet authors. All rights reserved.
"""Sampling-free MC dropout: propagate (mean, variance) through a head.

Dropout on a head's input makes every input element a random variable. In
place of K stochastic passes, this carries each element's mean and variance
through the head's layers, treating elements as independent (the standard
moment-propagation approximation) and, after a ReLU, as Gaussian.

Moments are computed in float32 (float64 stays float64), with autocast off:
half precision inputs and parameters are upcast.
"""
import functools
import math
from typing import Iterable, Tuple, Union

import numpy as np
import torch
import torch.nn.functional as F
from torch import Tensor, nn

from .mc_dropout import Rates, check_rates
from .precision import at_least_float32, autocast_off

Moments = Tuple[Tensor, Tensor]
SUPPORTED_MODULES = ('Conv2d, GroupNorm, BatchNorm (running stats), ReLU, '
                     'Identity, Sequential, ModuleList, ConvModule-like')
UNCERTAINTY_MEASURES = ('entropy', 'mutual_information')
GAUSS_HERMITE_NODES = 20
_MAX_RATIO = 40.0


def _upcast(mean: Tensor, var: Tensor) -> Moments:
    dtype = at_least_float32(mean.dtype)
    return mean.to(dtype), var.to(dtype).clamp(min=0)


def dropout_input_moments(inputs: Tensor, rates: Rates) -> Moments:
    """Mean and variance of one MC-dropout copy of ``inputs``.

    Sample ``k`` drops with rate ``p_k`` and scales by ``1 / (1 - p_k)``, so
    every element has mean ``x`` and variance ``x**2 * p_k / (1 - p_k)``.
    All K components share the mean, so the variance of the mixture over the
    K rates is the average of theirs. A K-sample population variance is on
    average ``(K - 1) / K`` times this.

    Args:
        inputs (Tensor): The feature dropout is applied to.
        rates (Sequence[float] | Tensor): The K dropout rates.

    Returns:
        tuple[Tensor, Tensor]: Mean and variance, shaped as ``inputs``.
    """
    rates = check_rates(rates)
    odds = float((rates / (1 - rates)).mean())
    mean = inputs.to(at_least_float32(inputs.dtype))
    return mean, mean.pow(2) * odds


def conv2d_moments(conv: nn.Conv2d, mean: Tensor, var: Tensor) -> Moments:
    """Moments of ``conv(x)`` for independent input elements (exact).

    Args:
        conv (nn.Conv2d): A convolution with zero padding.
        mean (Tensor): (N, C_in, H, W) input mean.
        var (Tensor): (N, C_in, H, W) input variance.

    Returns:
        tuple[Tensor, Tensor]: Output mean (bias included) and variance
        (the input variance convolved with the squared weights).
    """
    if conv.padding_mode != 'zeros':
        raise ValueError('conv2d_moments supports zero padding only, got '
                         f'{conv.padding_mode!r}')
    mean, var = _upcast(mean, var)
    weight = conv.weight.to(mean.dtype)
    bias = None if conv.bias is None else conv.bias.to(mean.dtype)
    geometry = dict(
        stride=conv.stride,
        padding=conv.padding,
        dilation=conv.dilation,
        groups=conv.groups)
    with autocast_off(mean):
        return (F.conv2d(mean, weight, bias, **geometry),
                F.conv2d(var, weight.pow(2), None, **geometry))


def _groups(norm: nn.GroupNorm, tensor: Tensor) -> Tensor:
    """(N, C, H, W) -> (N, G, C / G * H * W)."""
    return tensor.flatten(2).unflatten(1, (norm.num_groups, -1)).flatten(2)


def _group_norm_scale(norm: nn.GroupNorm, mean: Tensor,
                      var: Tensor) -> Tuple[Tensor, Tensor]:
    """(N, C) shift and scale of a group norm, per image and group."""
    grouped = _groups(norm, mean)
    stat_mean = grouped.mean(dim=2, keepdim=True)
    noise = _groups(norm, var).mean(dim=2)
    stat_var = (grouped - stat_mean).pow(2).mean(dim=2) + noise
    stat_mean = stat_mean.squeeze(2)
    repeats = mean.shape[1] // norm.num_groups
    scale = (stat_var + norm.eps).rsqrt().repeat_interleave(repeats, dim=1)
    return stat_mean.repeat_interleave(repeats, dim=1), scale


def _batch_norm_scale(norm: nn.Module, mean: Tensor) -> Tuple[Tensor, Tensor]:
    """(1, C) shift and scale of a batch norm's running statistics."""
    if norm.running_var is None:
        raise ValueError(f'{type(norm).__name__} has no running statistics; '
                         'norm_moments needs them')
    stat_var = norm.running_var.to(mean.dtype)
    return (norm.running_mean.to(mean.dtype).unsqueeze(0),
            (stat_var + norm.eps).rsqrt().unsqueeze(0))


def _is_batch_norm(module: nn.Module) -> bool:
    return hasattr(module, 'running_mean') and hasattr(module, 'running_var')


def norm_moments(norm: nn.Module, mean: Tensor, var: Tensor) -> Moments:
    """Moments through a normalization layer, its statistics held fixed.

    A group norm uses, per image and group, the expected statistics of a
    stochastic pass: the mean of ``mean``, and the variance of ``mean`` plus
    the mean of ``var`` (independent noise adds its variance to the
    group's). Over a group's many elements the statistics of one pass hardly
    differ from these. A batch norm (or, like mmcv's SyncBatchNorm, any
    module with ``running_mean`` and ``running_var``) uses its running
    statistics even in training mode, as the teacher runs in eval mode.

    Args:
        norm (nn.Module): ``nn.GroupNorm`` or a batch norm.
        mean (Tensor): (N, C, H, W) input mean.
        var (Tensor): (N, C, H, W) input variance.

    Returns:
        tuple[Tensor, Tensor]: ``(mean - stat_mean) * c + beta`` and
        ``var * c**2``, with ``c = gamma / sqrt(stat_var + eps)``.
    """
    mean, var = _upcast(mean, var)
    if isinstance(norm, nn.GroupNorm):
        shift, scale = _group_norm_scale(norm, mean, var)
    elif _is_batch_norm(norm):
        shift, scale = _batch_norm_scale(norm, mean)
    else:
        raise ValueError(f'norm_moments does not support '
                         f'{type(norm).__name__}')
    bias = 0
    if norm.weight is not None:
        scale = scale * norm.weight.to(mean.dtype)
    if norm.bias is not None:
        bias = norm.bias.to(mean.dtype).view(-1, 1, 1)
    shift, scale = shift[..., None, None], scale[..., None, None]
    return (mean - shift) * scale + bias, var * scale.pow(2)


def _negative_side_moments(ratio: Tensor) -> Tuple[Tensor, Tensor]:
    """``E[relu(b + u)]`` and ``E[relu(b + u)**2]`` for ``b = -|ratio|``
    and standard normal ``u``: both small, so computed directly."""
    negative = -ratio.abs()
    cdf = torch.erfc(-negative / math.sqrt(2)) / 2
    pdf = torch.exp(-negative.pow(2) / 2) / math.sqrt(2 * math.pi)
    first = negative * cdf + pdf
    return first, (negative.pow(2) + 1) * cdf + negative * pdf


def relu_moments(mean: Tensor, var: Tensor) -> Moments:
    """Moments of ``relu(z)`` for Gaussian ``z`` (rectified Gaussian).

    With ``s = sqrt(var)`` and ``a = mean / s``, these are the closed forms
    ``E = mean * Phi(a) + s * phi(a)`` and ``E2 - E**2``, ``E2 = (mean**2 +
    var) * Phi(a) + mean * s * phi(a)``. For ``mean > 0`` they are written
    through ``relu(z) = z + relu(-z)`` and the (small) moments at ``-|a|``,
    so no large terms cancel where ``var << mean**2``. Where ``var == 0``
    the result is ``relu(mean)`` and 0 exactly.

    Args:
        mean (Tensor): Mean of ``z``.
        var (Tensor): Variance of ``z``, >= 0.

    Returns:
        tuple[Tensor, Tensor]: Mean and variance, float32 at least.
    """
    mean, var = _upcast(mean, var)
    std = var.sqrt()
    # var == 0 makes a = +-inf or 0 / 0, which then only meets s = var = 0
    ratio = (mean / std).nan_to_num(0.0).clamp(-_MAX_RATIO, _MAX_RATIO)
    first, second = _negative_side_moments(ratio)
    positive = (mean > 0).to(mean.dtype)
    scaled_var = second - first.pow(2) + positive * (1 - 2 * second -
                                                     2 * ratio * first)
    return mean.relu() + std * first, var * scaled_var.clamp(min=0)


def _is_conv_module(module: nn.Module) -> bool:
    return hasattr(module, 'conv') and hasattr(module, 'order')


def _activation_moments(activation: nn.Module, mean: Tensor,
                        var: Tensor) -> Moments:
    if not isinstance(activation, nn.ReLU):
        raise ValueError(f'propagate_moments supports ReLU activations only, '
                         f'got {type(activation).__name__}')
    return relu_moments(mean, var)


def _conv_module_moments(module: nn.Module, mean: Tensor,
                         var: Tensor) -> Moments:
    """Moments through an mmcv ``ConvModule``-like block, in its order."""
    if getattr(module, 'with_explicit_padding', False):
        raise ValueError('propagate_moments supports zero padding only, got '
                         f'{type(module.padding_layer).__name__}')
    for layer in module.order:
        if layer == 'conv':
            mean, var = conv2d_moments(module.conv, mean, var)
        elif layer == 'norm' and getattr(module, 'with_norm', False):
            norm = getattr(module, module.norm_name)
            mean, var = _module_moments(norm, mean, var)
        elif layer == 'act' and getattr(module, 'with_activation', False):
            mean, var = _activation_moments(module.activate, mean, var)
    return mean, var


def _module_moments(module: nn.Module, mean: Tensor, var: Tensor) -> Moments:
    if isinstance(module, nn.Conv2d):
        return conv2d_moments(module, mean, var)
    if isinstance(module, nn.GroupNorm) or _is_batch_norm(module):
        return norm_moments(module, mean, var)
    if isinstance(module, nn.ReLU):
        return relu_moments(mean, var)
    if isinstance(module, nn.Identity):
        return mean, var
    if isinstance(module, (nn.Sequential, nn.ModuleList)):
        return propagate_moments(module, mean, var)
    if _is_conv_module(module):
        return _conv_module_moments(module, mean, var)
    raise ValueError(f'propagate_moments does not support '
                     f'{type(module).__name__}; supported: '
                     f'{SUPPORTED_MODULES}')


def propagate_moments(modules: Union[nn.Module, Iterable[nn.Module]],
                      mean: Tensor, var: Tensor) -> Moments:
    """Carry element-wise mean and variance through layers, in order.

    Elements are treated as independent everywhere, and as Gaussian at each
    ReLU. Supported: ``nn.Conv2d`` (zero padding), ``nn.GroupNorm`` and
    batch norms (see :func:`norm_moments`), ``nn.ReLU``, ``nn.Identity``,
    ``nn.Sequential`` and ``nn.ModuleList`` (recursively), and mmcv
    ``ConvModule``-like blocks (``conv``, ``order``, ``with_norm`` with
    ``norm_name``, ``with_activation`` with a ReLU ``activate``).

    Args:
        modules (nn.Module | Iterable[nn.Module]): The layers, e.g.
            ``[*head.cls_convs, head.retina_cls]``.
        mean (Tensor): (N, C, H, W) input mean.
        var (Tensor): (N, C, H, W) input variance.

    Returns:
        tuple[Tensor, Tensor]: Output mean and variance, float32 at least.

    Raises:
        ValueError: For any other layer, naming its type.
    """
    if isinstance(modules, nn.Module) and not isinstance(
            modules, (nn.Sequential, nn.ModuleList)):
        modules = [modules]
    for module in modules:
        mean, var = _module_moments(module, mean, var)
    return mean, var


@functools.lru_cache(maxsize=4)
def _gauss_hermite(num: int) -> Tuple[Tuple[float, float], ...]:
    """``(node, weight)`` pairs with ``E[f(z)] ~= sum(weight * f(mean + std
    * node))`` for normal z: Gauss-Hermite, rescaled."""
    nodes, weights = np.polynomial.hermite.hermgauss(num)
    return tuple(
        zip((nodes * math.sqrt(2)).tolist(),
            (weights / math.sqrt(math.pi)).tolist()))


def _entropy(prob: Tensor, complement: Tensor) -> Tensor:
    """Binary entropy given ``prob`` and, computed apart, ``1 - prob``."""
    return -(torch.xlogy(prob, prob) + torch.xlogy(complement, complement))


def _sigmoid_expectations(mean: Tensor, var: Tensor,
                          with_entropy: bool) -> Tuple[Tensor, ...]:
    """``E[sigmoid(z)]``, ``E[sigmoid(-z)]`` and, if asked, ``E[H]`` (else
    zeros), with ``H = -(p log p + q log q)`` the binary entropy."""
    std = var.sqrt()
    prob, complement, entropy = (torch.zeros_like(mean) for _ in range(3))
    for node, weight in _gauss_hermite(GAUSS_HERMITE_NODES):
        logits = torch.add(mean, std, alpha=node)
        log_p, log_q = F.logsigmoid(logits), F.logsigmoid(-logits)
        node_prob, node_complement = log_p.exp(), log_q.exp()
        prob.add_(node_prob, alpha=weight)
        complement.add_(node_complement, alpha=weight)
        if with_entropy:
            entropy.addcmul_(node_prob, log_p, value=-weight)
            entropy.addcmul_(node_complement, log_q, value=-weight)
    return prob, complement, entropy


def sigmoid_gaussian_uncertainty(mean: Tensor,
                                 var: Tensor,
                                 measure: str = 'entropy') -> Tensor:
    """Uncertainty of sigmoid class scores with Gaussian logits.

    Each logit is ``N(mean, var)``, independently; expectations over it use
    Gauss-Hermite quadrature. The sampling-free counterpart of
    ``sigmoid_predictive_entropy`` and ``sigmoid_mutual_information``.

    Args:
        mean (Tensor): (N, C, H, W) logit means (one-vs-all sigmoid, as
            RetinaNet and GFL use).
        var (Tensor): (N, C, H, W) logit variances.
        measure (str): ``'entropy'`` (binary entropy of the expected
            probability) or ``'mutual_information'`` (that minus the
            expected binary entropy, clamped at 0), summed over classes.

    Returns:
        Tensor: (N, H, W) uncertainty, float32 at least.
    """
    if measure not in UNCERTAINTY_MEASURES:
        raise ValueError(f'measure must be one of {UNCERTAINTY_MEASURES}, '
                         f'got {measure!r}')
    mean, var = _upcast(mean, var)
    prob, complement, expected = _sigmoid_expectations(
        mean, var, measure == 'mutual_information')
    total = _entropy(prob, complement).sum(dim=1)
    if measure == 'entropy':
        return total
    return (total - expected.sum(dim=1)).clamp(min=0)


__all__ = [
    'conv2d_moments', 'dropout_input_moments', 'norm_moments',
    'propagate_moments', 'relu_moments', 'sigmoid_gaussian_uncertainty'
]
