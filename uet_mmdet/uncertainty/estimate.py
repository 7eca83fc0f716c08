# Copyright (c) uet_mmdet authors. All rights reserved.
from typing import NamedTuple

from torch import Tensor


class UncertaintyEstimate(NamedTuple):
    """What the estimator hands a loss for one teacher tensor F_T.

    Attributes:
        mc_mean (Tensor): U_K, the MC-dropout mean; shape of F_T.
        uncertainty (Tensor): (N, H, W) uncertainty per location.
        confidence (Tensor): (N, H, W) confidence in (0, 1].
    """
    mc_mean: Tensor
    uncertainty: Tensor
    confidence: Tensor


__all__ = ['UncertaintyEstimate']
