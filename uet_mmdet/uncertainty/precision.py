# Copyright (c) uet_mmdet authors. All rights reserved.
"""The dtypes UET's maths runs in, whatever the teacher's.

Under mixed precision the teacher's tensors are float16 or bfloat16. UET
squares them (variances, second moments), which float16 cannot hold above
256 or below 2.4e-4, and sums and averages them, which 8 or 11 bits of
mantissa do poorly. So the maths runs in float32 with autocast off; in
float64 for float64 tensors, and for tensors whose magnitude (beyond about
1e12 or below 1e-12) would take their squares, or sums of them, out of
float32's normal range.
"""
import contextlib
import math

import torch
from torch import Tensor

# peaks (largest |x|) within [2**-40, 2**40]: squares, and sums of many of
# them, stay far inside float32's normal range (1.2e-38 .. 3.4e38)
SAFE_EXPONENT = 40


def at_least_float32(dtype: torch.dtype) -> torch.dtype:
    """float32 for half, bfloat16 and float32; float64 stays."""
    return torch.promote_types(dtype, torch.float32)


def compute_dtype(dtype: torch.dtype, peak: float) -> torch.dtype:
    """The dtype to compute moments of values of ``dtype`` with largest
    magnitude ``peak`` in: float32, or float64 for float64 values and for
    non-zero peaks outside ``[2**-40, 2**40]``."""
    dtype = at_least_float32(dtype)
    if peak > 0 and not 2.0**-SAFE_EXPONENT <= peak <= 2.0**SAFE_EXPONENT:
        return torch.float64
    return dtype


def autocast_off(tensor: Tensor):
    """A context without autocast on ``tensor``'s device (CPU and CUDA)."""
    if tensor.device.type in ('cpu', 'cuda'):
        return torch.autocast(tensor.device.type, enabled=False)
    return contextlib.nullcontext()


def power_of_two_scale(peak: Tensor) -> Tensor:
    """``2**e`` with ``peak / 2**e`` in ``[0.5, 1)`` (1 for a zero peak),
    in ``peak``'s floating dtype, clamped to the exponents that dtype holds.

    Dividing by it is exact, so values rescaled by it keep every bit while
    their squares and sums stay in range.
    """
    info = torch.finfo(peak.dtype)
    exponent = torch.frexp(peak).exponent.clamp(
        round(math.log2(info.tiny)), math.floor(math.log2(info.max)))
    return torch.pow(torch.full_like(peak, 2.0), exponent.to(peak.dtype))


__all__ = [
    'SAFE_EXPONENT', 'at_least_float32', 'autocast_off', 'compute_dtype',
    'power_of_two_scale'
]
