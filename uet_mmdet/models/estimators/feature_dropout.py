# Copyright (c) uet_mmdet authors. All rights reserved.
from typing import Tuple

from torch import Tensor

from uet_mmdet.registry import ESTIMATORS
from uet_mmdet.uncertainty import feature_mc_moments_exact, moment_uncertainty
from .base import TeacherEstimator


@ESTIMATORS.register_module(name='feature')
class FeatureDropout(TeacherEstimator):
    """Dropout on the distilled teacher tensor F_T itself.

    Each element's K-sample mean and variance are drawn in one pass from
    their exact distribution. The variance is ``F_T**2 p/(1-p)`` in
    expectation: it restates |F_T|, so this level is for the paper's
    residual target ``F_T + U_K``, not for weighting.
    """

    def compute(self, recorder: str, record_idx: int) -> Tuple[Tensor, Tensor]:
        """``(U_K, uncertainty)`` from the exact moments of K dropout samples
        of the record itself (see :meth:`TeacherEstimator.compute`).
        """
        feature = self.record(recorder, record_idx)
        mean, variance = feature_mc_moments_exact(
            feature, self.rates(), self.settings.channel_wise,
            self.generator(feature.device))
        return mean, moment_uncertainty(mean, variance, self.settings.measure)
