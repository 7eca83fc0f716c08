# Copyright (c) uet_mmdet authors. All rights reserved.
"""Uncertainty maps from MC samples: confidence, entropy, mutual info.

Every function computes in float32 whatever the input dtype (half and
bfloat16 inputs are upcast), so results are the same under autocast. The
per-image maps (confidence, weights) are scale-free per image: a float64 map
beyond float32's range is rescaled per image by a power of two first.
"""
import torch
from torch import Tensor

from .precision import power_of_two_scale

_TINY = torch.finfo(torch.float32).tiny


def _float32(tensor: Tensor) -> Tensor:
    return tensor.to(torch.float32)


def _per_image_float32(values: Tensor) -> Tensor:
    """(N, ...) values as float32; a float64 map is first divided, image by
    image, by a power of two near its largest magnitude (exact), so that
    values beyond float32's range, e.g. the variance of features of 1e30,
    keep their ratios."""
    if values.dtype != torch.float64 or values.numel() == 0:
        return _float32(values)
    peak = values.flatten(1).abs().amax(dim=1)
    scale = power_of_two_scale(peak).view((-1, ) + (1, ) * (values.dim() - 1))
    return _float32(values / scale)


def _binary_entropy(prob: Tensor, complement: Tensor) -> Tensor:
    """Entropy in nats of ``prob`` given ``1 - prob`` computed separately,
    so that neither side loses its precision next to 1; ``0 log 0 = 0``."""
    return -(torch.xlogy(prob, prob) + torch.xlogy(complement, complement))


def sigmoid_predictive_entropy(logit_samples: Tensor) -> Tensor:
    """Entropy of the MC-mean of per-class sigmoid probabilities.

    Args:
        logit_samples (Tensor): (K, N, C, H, W) classification logits of K
            stochastic passes (one-vs-all sigmoid, as RetinaNet and GFL use).

    Returns:
        Tensor: (N, H, W) float32 total uncertainty, summed over classes.
    """
    logits = _float32(logit_samples)
    mean_prob = logits.sigmoid().mean(dim=0)
    mean_complement = (-logits).sigmoid().mean(dim=0)
    return _binary_entropy(mean_prob, mean_complement).sum(dim=1)


def sigmoid_mutual_information(logit_samples: Tensor) -> Tensor:
    """Epistemic part of the entropy: ``H[mean p] - mean H[p]`` (>= 0).

    Args:
        logit_samples (Tensor): (K, N, C, H, W) classification logits.

    Returns:
        Tensor: (N, H, W) float32 mutual information, summed over classes.
    """
    logits = _float32(logit_samples)
    per_sample = _binary_entropy(logits.sigmoid(), (-logits).sigmoid())
    expected = per_sample.mean(dim=0).sum(dim=1)
    return (sigmoid_predictive_entropy(logits) - expected).clamp(min=0)


def _over_image_mean(values: Tensor, if_all_zero: float) -> Tensor:
    """``values / mean(values)`` per image of (N, H, W) non-negative values,
    dividing by the image's maximum first so that no sum overflows;
    ``if_all_zero`` in images that are zero everywhere."""
    flat = _per_image_float32(values).flatten(1)
    peak = flat.amax(dim=1, keepdim=True)
    scaled = flat / peak.clamp(min=_TINY)
    mean = scaled.mean(dim=1, keepdim=True)
    ratio = torch.where(mean > 0, scaled / mean.clamp(min=_TINY),
                        torch.full_like(scaled, if_all_zero))
    return ratio.view(values.shape)


def relative_confidence(uncertainty: Tensor, tau: float = 1.0) -> Tensor:
    """``c = exp(-u / (tau * mean(u)))`` in [0, 1] per location and image.

    Scaling by the image's mean uncertainty makes ``tau`` independent of the
    feature scale, the level and the training stage: a location as uncertain
    as the image's average gets ``exp(-1 / tau)``. An image without any
    uncertainty is fully confident (1 everywhere).

    Args:
        uncertainty (Tensor): (N, H, W) non-negative uncertainty.
        tau (float): Relative temperature, > 0.

    Returns:
        Tensor: (N, H, W) float32 confidence.
    """
    if tau <= 0:
        raise ValueError(f'tau must be > 0, got {tau}')
    return torch.exp(-_over_image_mean(uncertainty, 0.0) / tau)


def rank_confidence(uncertainty: Tensor) -> Tensor:
    """``1 - rank / (H*W - 1)`` of each location among its image's.

    Ranks start at 0 for the least uncertain location (confidence 1) and
    ties share their average rank; a 1x1 map gets 1.

    Args:
        uncertainty (Tensor): (N, H, W) uncertainty.

    Returns:
        Tensor: (N, H, W) float32 confidence in [0, 1].
    """
    flat = _per_image_float32(uncertainty).flatten(1)
    if flat.shape[1] == 1:
        return torch.ones_like(flat).view(uncertainty.shape)
    ordered = flat.sort(dim=1).values
    below = torch.searchsorted(ordered, flat)
    up_to = torch.searchsorted(ordered, flat, right=True)
    rank = (below + up_to - 1).to(torch.float32) / 2
    return (1 - rank / (flat.shape[1] - 1)).view(uncertainty.shape)


def floored(confidence: Tensor, floor: float) -> Tensor:
    """``floor + (1 - floor) * confidence``: no location's weight reaches 0.

    Args:
        confidence (Tensor): (N, H, W) confidence in [0, 1].
        floor (float): The confidence 0 maps to, in [0, 1).

    Returns:
        Tensor: (N, H, W) float32 confidence in [floor, 1].
    """
    if not 0 <= floor < 1:
        raise ValueError(f'floor must be in [0, 1), got {floor}')
    return floor + (1 - floor) * _float32(confidence)


def mean_one_weights(confidence: Tensor) -> Tensor:
    """Per-image rescaling of (N, H, W) confidence to an average of 1.

    Returns float32; an image with zero confidence everywhere gets 1
    everywhere, as any constant confidence does.
    """
    return _over_image_mean(confidence, 1.0)


def rank_correlation(a: Tensor, b: Tensor) -> float:
    """Spearman correlation of two same-size tensors' elements (ties are
    ranked by position)."""
    ranks = torch.stack([
        _float32(a).flatten().argsort(stable=True).argsort(),
        _float32(b).flatten().argsort(stable=True).argsort()
    ]).double()
    return float(torch.corrcoef(ranks)[0, 1])


__all__ = [
    'floored', 'mean_one_weights', 'rank_confidence', 'rank_correlation',
    'relative_confidence', 'sigmoid_predictive_entropy',
    'sigmoid_mutual_information'
]
