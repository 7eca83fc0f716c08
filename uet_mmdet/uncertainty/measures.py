# Copyright (c) uet_mmdet authors. All rights reserved.
"""Per-location uncertainty of MC moments or MC samples, by measure name."""
from typing import Tuple

from torch import Tensor

from .maps import sigmoid_mutual_information, sigmoid_predictive_entropy
from .mc_dropout import mc_moments

# smallest signal energy a relative variance divides by (float32 safe)
_MIN_ENERGY = 1e-20


def moment_uncertainty(mean: Tensor, variance: Tensor,
                       measure: str) -> Tensor:
    """(N, H, W) uncertainty from the (N, C, H, W) MC mean and variance.

    ``'variance'``: channel mean of the variance; ``'relative_variance'``:
    that over the channel mean of ``mean**2``. Computed in float32.
    """
    uncertainty = variance.float().mean(dim=1)
    if measure == 'relative_variance':
        energy = mean.float().pow(2).mean(dim=1).clamp(min=_MIN_ENERGY)
        uncertainty = uncertainty / energy
    elif measure != 'variance':
        raise ValueError(f'no moment uncertainty {measure!r}')
    return uncertainty


def sample_uncertainty(samples: Tensor,
                       measure: str) -> Tuple[Tensor, Tensor]:
    """MC mean and (N, H, W) uncertainty of (K, N, C, H, W) samples:
    a moment measure, or ``'mutual_information'`` / ``'entropy'`` of
    sigmoid logits."""
    if measure in ('variance', 'relative_variance'):
        mean, variance = mc_moments(samples)
        return mean, moment_uncertainty(mean, variance, measure)
    mean = samples.mean(dim=0)
    if measure == 'mutual_information':
        return mean, sigmoid_mutual_information(samples)
    if measure == 'entropy':
        return mean, sigmoid_predictive_entropy(samples)
    raise ValueError(f'no sample uncertainty {measure!r}')


__all__ = ['moment_uncertainty', 'sample_uncertainty']
