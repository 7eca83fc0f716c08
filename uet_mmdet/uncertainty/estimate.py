# Copyright (c) uet_mmdet authors. All rights reserved.
from typing import NamedTuple

from torch import Tensor


class UncertaintyEstimate(NamedTuple):
    """What the estimator hands a loss for one teacher tensor F_T.

    Attributes:
        mc_mean (Tensor): U_K, the MC-dropout mean; shape of F_T, its dtype
            promoted to float32 (float32 under mixed precision).
        uncertainty (Tensor): (N, H, W) uncertainty per location; float32,
            float64 for a float64 teacher or for magnitudes whose squares
            leave float32's range (see :mod:`.precision`).
        confidence (Tensor): (N, H, W) float32 confidence in (0, 1].
    """
    mc_mean: Tensor
    uncertainty: Tensor
    confidence: Tensor


__all__ = ['UncertaintyEstimate']
