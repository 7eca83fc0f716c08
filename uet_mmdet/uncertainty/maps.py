# Copyright (c) uet_mmdet authors. All rights reserved.
"""Uncertainty maps from MC samples: confidence, entropy, mutual info."""
import torch
from torch import Tensor

_EPS = 1e-12


def _binary_entropy(prob: Tensor) -> Tensor:
    prob = prob.clamp(_EPS, 1 - _EPS)
    return -(prob * prob.log() + (1 - prob) * (1 - prob).log())


def sigmoid_predictive_entropy(logit_samples: Tensor) -> Tensor:
    """Entropy of the MC-mean of per-class sigmoid probabilities.

    Args:
        logit_samples (Tensor): (K, N, C, H, W) classification logits of K
            stochastic passes (one-vs-all sigmoid, as RetinaNet and GFL use).

    Returns:
        Tensor: (N, H, W) total uncertainty, summed over classes.
    """
    mean_prob = logit_samples.sigmoid().mean(dim=0)
    return _binary_entropy(mean_prob).sum(dim=1)


def sigmoid_mutual_information(logit_samples: Tensor) -> Tensor:
    """Epistemic part of the entropy: ``H[mean p] - mean H[p]`` (>= 0).

    Args:
        logit_samples (Tensor): (K, N, C, H, W) classification logits.

    Returns:
        Tensor: (N, H, W) mutual information, summed over classes.
    """
    probs = logit_samples.sigmoid()
    expected = _binary_entropy(probs).mean(dim=0).sum(dim=1)
    return (sigmoid_predictive_entropy(logit_samples) - expected).clamp(min=0)


def relative_confidence(uncertainty: Tensor, tau: float = 1.0) -> Tensor:
    """``c = exp(-u / (tau * mean(u)))`` in (0, 1] per location and image.

    Scaling by the image's mean uncertainty makes ``tau`` independent of the
    feature scale, the level and the training stage: a location as uncertain
    as the image's average gets ``exp(-1 / tau)``.

    Args:
        uncertainty (Tensor): (N, H, W) non-negative uncertainty.
        tau (float): Relative temperature, > 0.

    Returns:
        Tensor: (N, H, W) confidence.
    """
    if tau <= 0:
        raise ValueError(f'tau must be > 0, got {tau}')
    scale = uncertainty.flatten(1).mean(dim=1).clamp(min=_EPS)
    return torch.exp(-uncertainty / (tau * scale.view(-1, 1, 1)))


def mean_one_weights(confidence: Tensor) -> Tensor:
    """Per-image rescaling of (N, H, W) confidence to an average of 1."""
    mean = confidence.flatten(1).mean(dim=1).clamp(min=_EPS)
    return confidence / mean.view(-1, 1, 1)


def rank_correlation(a: Tensor, b: Tensor) -> float:
    """Spearman correlation of two same-size tensors' elements (ties are
    ranked by position)."""
    ranks = torch.stack(
        [a.flatten().argsort().argsort(),
         b.flatten().argsort().argsort()]).double()
    return float(torch.corrcoef(ranks)[0, 1])


__all__ = [
    'mean_one_weights', 'rank_correlation', 'relative_confidence',
    'sigmoid_predictive_entropy', 'sigmoid_mutual_information'
]
