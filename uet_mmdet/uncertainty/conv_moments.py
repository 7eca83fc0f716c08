# Copyright (c) uet_mmdet authors. All rights reserved.
"""Sampling-free MC dropout through one convolution.

Dropout on the input ``z`` of a convolution ``y = W * z + b`` (independent
element-wise masks, inverted scaling) gives outputs whose variance is exactly
``(W**2) * (z**2) * p / (1 - p)``: a second convolution instead of K passes.
This module turns that into what a K-sample MC estimate would give, in
float32 at least and with autocast off (float16 cannot hold the squares).
"""
from typing import Optional, Tuple

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from .mc_dropout import Rates, check_rates
from .precision import at_least_float32, autocast_off


def mc_variance_factors(rates: Rates) -> Tuple[float, float]:
    """Factors ``(a, b)`` with, for outputs of per-sample variance
    ``s * p_k / (1 - p_k)``: ``E[population variance of the K samples] =
    a * s`` and ``Var[MC mean] = b * s``."""
    rates = check_rates(rates)
    num = rates.numel()
    odds = float((rates / (1 - rates)).sum())
    return odds * (num - 1) / num**2, odds / num**2


def conv_of_squares(conv: nn.Conv2d, inputs: Tensor) -> Tensor:
    """``(W**2) * (inputs**2)`` with the convolution's geometry, in the
    inputs' dtype promoted to float32 at least, autocast off."""
    if conv.padding_mode != 'zeros':
        raise ValueError('conv_of_squares supports zero padding only, got '
                         f'{conv.padding_mode!r}')
    inputs = inputs.to(at_least_float32(inputs.dtype))
    with autocast_off(inputs):
        return F.conv2d(
            inputs.pow(2),
            conv.weight.to(inputs.dtype).pow(2),
            stride=conv.stride,
            padding=conv.padding,
            dilation=conv.dilation,
            groups=conv.groups)


@torch.no_grad()
def conv_mc_moments(
        conv: nn.Conv2d,
        inputs: Tensor,
        output: Tensor,
        rates: Rates,
        generator: Optional[torch.Generator] = None) -> Tuple[Tensor, Tensor]:
    """The K-sample MC mean and variance of ``conv(dropout(inputs))``.

    The variance returned is the expectation of the K-sample population
    variance (exact). The mean is drawn from a normal with the exact mean
    (``output``) and variance of the K-sample MC mean: each output sums many
    independently dropped inputs, so it is close to normal; neighbouring
    outputs share inputs, and that correlation is not reproduced.

    Args:
        conv (nn.Conv2d): The convolution (bias is irrelevant).
        inputs (Tensor): (N, C_in, H, W) its input.
        output (Tensor): ``conv(inputs)``, already computed by the teacher.
        rates (Sequence[float] | Tensor): The K dropout rates.
        generator (torch.Generator, optional): For repeatable draws.

    Returns:
        tuple[Tensor, Tensor]: MC mean and variance, both shaped as
        ``output``, in the wider of the dtypes of ``inputs``, ``output``
        and float32 (the normal draws are float32 whatever the dtype).
    """
    variance_factor, mean_factor = mc_variance_factors(rates)
    dtype = torch.promote_types(at_least_float32(inputs.dtype), output.dtype)
    squares = conv_of_squares(conv, inputs.to(dtype))
    noise = torch.randn(
        output.shape,
        generator=generator,
        device=output.device,
        dtype=torch.float32).to(dtype)
    mean = output.to(dtype) + (squares * mean_factor).sqrt() * noise
    return mean, squares * variance_factor


__all__ = ['conv_mc_moments', 'conv_of_squares', 'mc_variance_factors']
