# Copyright (c) uet_mmdet authors. All rights reserved.
"""Per-location uncertainty of MC moments or MC samples, by measure name."""
from typing import Tuple

import torch
from torch import Tensor

from .maps import sigmoid_mutual_information, sigmoid_predictive_entropy
from .mc_dropout import mc_moments
from .precision import at_least_float32

# signal energy below this fraction of the image's largest counts as none:
# a relative variance divides by at least that much (a floor relative to the
# image, so that the measure stays scale-free for tiny features)
_MIN_RELATIVE_ENERGY = 1e-20


def moment_uncertainty(mean: Tensor, variance: Tensor, measure: str) -> Tensor:
    """(N, H, W) uncertainty from the (N, C, H, W) MC mean and variance.

    ``'variance'``: channel mean of the variance; ``'relative_variance'``:
    that over the channel mean of ``mean**2``, at least 1e-20 times the
    image's largest (and finite: a location without signal but with spread
    gets the dtype's largest value). Computed in float32, or float64 for
    float64 moments.
    """
    dtype = torch.promote_types(at_least_float32(variance.dtype), mean.dtype)
    uncertainty = variance.to(dtype).mean(dim=1)
    if measure == 'relative_variance':
        info = torch.finfo(dtype)
        energy = mean.to(dtype).pow(2).mean(dim=1)
        floor = (energy.flatten(1).amax(dim=1) *
                 _MIN_RELATIVE_ENERGY).clamp(min=info.tiny)
        uncertainty = uncertainty / energy.clamp(min=floor.view(-1, 1, 1))
        uncertainty = uncertainty.clamp(max=info.max)
    elif measure != 'variance':
        raise ValueError(f'no moment uncertainty {measure!r}')
    return uncertainty


def sample_uncertainty(samples: Tensor, measure: str) -> Tuple[Tensor, Tensor]:
    """MC mean and (N, H, W) uncertainty of (K, N, C, H, W) samples:
    a moment measure, or ``'mutual_information'`` / ``'entropy'`` of
    sigmoid logits; both in float32 at least."""
    if measure in ('variance', 'relative_variance'):
        mean, variance = mc_moments(samples)
        return mean, moment_uncertainty(mean, variance, measure)
    mean = samples.to(at_least_float32(samples.dtype)).mean(dim=0)
    if measure == 'mutual_information':
        return mean, sigmoid_mutual_information(samples)
    if measure == 'entropy':
        return mean, sigmoid_predictive_entropy(samples)
    raise ValueError(f'no sample uncertainty {measure!r}')


__all__ = ['moment_uncertainty', 'sample_uncertainty']
