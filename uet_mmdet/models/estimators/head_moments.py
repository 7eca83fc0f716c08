# Copyright (c) uet_mmdet authors. All rights reserved.
from typing import Optional, Tuple

from torch import Tensor, nn

from uet_mmdet.registry import ESTIMATORS
from uet_mmdet.uncertainty import (dropout_input_moments,
                                   feature_mc_moments_exact, propagate_moments,
                                   sigmoid_gaussian_uncertainty)
from .base import TeacherEstimator, find_submodule
from .head_dropout import head_branch


@ESTIMATORS.register_module(name='head_moments')
class HeadMoments(TeacherEstimator):
    """The uncertainty of :class:`HeadDropout` without sampling.

    The mean and variance of dropout on an FPN level are propagated through
    the teacher head's classification branch (convolutions, norms with their
    statistics taken from the mean, ReLUs as rectified Gaussians), treating
    elements as independent; the logits' mean and variance give the mutual
    information or entropy of the sigmoid probabilities by quadrature. One
    pass of two convolutions per layer instead of K head passes; the K rates
    enter as one input variance, the mean of their ``p / (1 - p)``.
    """

    measures = ('mutual_information', 'entropy')
    channel_wise = False

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.branch: Optional[nn.Module] = None

    def attach(self, teacher: nn.Module) -> None:
        """Find the classification branch of ``uet.head`` in the teacher.

        Raises:
            UETConfigError: The teacher has no ``uet.head``, or the head has no
                classification branch.
        """
        head = find_submodule(teacher, self.settings.head, 'uet.head')
        self.branch = head_branch(head, 'cls', self.settings.level)

    def compute(self, recorder: str, record_idx: int) -> Tuple[Tensor, Tensor]:
        """``(U_K, uncertainty)``: the measure from the logits' propagated mean
        and variance, and the MC mean of dropout on the record (see
        :meth:`TeacherEstimator.compute`).
        """
        feature = self.record(recorder, record_idx)
        rates = self.rates()
        mean, variance = propagate_moments(
            self.branch, *dropout_input_moments(feature, rates))
        uncertainty = sigmoid_gaussian_uncertainty(mean, variance,
                                                   self.settings.measure)
        mc_mean, _ = feature_mc_moments_exact(feature, rates, False,
                                              self.generator(feature.device))
        return mc_mean, uncertainty


__all__ = ['HeadMoments']
