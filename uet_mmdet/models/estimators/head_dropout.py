# Copyright (c) uet_mmdet authors. All rights reserved.
from typing import Optional, Tuple

from torch import Tensor, nn

from uet_mmdet.registry import ESTIMATORS
from uet_mmdet.uncertainty import (dropout_samples, feature_mc_moments_exact,
                                   sample_uncertainty)
from ..uet import UETConfigError
from .base import TeacherEstimator, deterministic, find_submodule

# the head branch whose outputs a measure reads
BRANCH_OF_MEASURE = {
    'mutual_information': 'cls',
    'entropy': 'cls',
    'variance': 'reg'
}
# the last convolution of each branch in mmdet's dense heads
LAST_LAYERS = {
    'cls': ('retina_cls', 'gfl_cls', 'atss_cls', 'conv_cls'),
    'reg': ('retina_reg', 'gfl_reg', 'atss_reg', 'conv_reg'),
}


def head_branch(head: nn.Module, branch: str, level: str) -> nn.Sequential:
    """The stacked convolutions and the output layer of the ``'cls'`` or
    ``'reg'`` branch of an mmdet dense head (RetinaNet, GFL, ATSS, FCOS).

    A per-level ``Scale`` after the regression layer is left out: it scales
    a level's map by a constant, which the per-level confidence ignores.
    """
    last = next((getattr(head, name)
                 for name in LAST_LAYERS[branch] if hasattr(head, name)), None)
    stacked = getattr(head, f'{branch}_convs', None)
    if last is None or stacked is None:
        raise UETConfigError(
            'uet.level', f'{level!r} needs a dense head with {branch}_convs '
            f'and one of {list(LAST_LAYERS[branch])}, got '
            f'{type(head).__name__}',
            "use level='module' with module='bbox_head' for other heads")
    return nn.Sequential(*stacked, last)


@ESTIMATORS.register_module(name='head')
class HeadDropout(TeacherEstimator):
    """Dropout on an FPN output the teacher's dense head (``uet.head``)
    takes, the head branch re-run on the K copies in one batch.

    The map of a distilled FPN level comes from the head's outputs at that
    level, where the teacher's decisions are made: the mutual information or
    entropy of its sigmoid class probabilities (classification branch), or
    the variance of its box regression (regression branch). Only the branch
    the measure reads runs. The loss still distils the FPN feature; U_K, for
    the residual target, is the MC mean of dropout on that feature.
    """

    measures = tuple(BRANCH_OF_MEASURE)

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.head: Optional[nn.Module] = None

    def attach(self, teacher: nn.Module) -> None:
        """Find ``uet.head`` in the teacher and its branch for the measure.

        Raises:
            UETConfigError: The teacher has no ``uet.head``, or the head lacks
                the branch the measure reads.
        """
        self.head = find_submodule(teacher, self.settings.head, 'uet.head')
        self.branch()  # fail at build time on a head without that branch

    def branch(self) -> nn.Sequential:
        """The head branch the current measure reads."""
        return head_branch(self.head, BRANCH_OF_MEASURE[self.settings.measure],
                           self.settings.level)

    def compute(self, recorder: str, record_idx: int) -> Tuple[Tensor, Tensor]:
        """``(U_K, uncertainty)``: the measure of the head branch's outputs on
        K dropped-out copies of the record, and the MC mean of dropout on the
        record (see :meth:`TeacherEstimator.compute`).
        """
        feature = self.record(recorder, record_idx)
        rates = self.rates()
        generator = self.generator(feature.device)
        # the head runs on copies in the teacher's dtype, as in its forward
        teacher_dtype = self.read(recorder, record_idx).dtype
        copies = dropout_samples(feature, rates, self.settings.channel_wise,
                                 generator).to(teacher_dtype)
        branch = self.branch()
        with deterministic(branch):
            outputs = branch(copies.flatten(0, 1))
        name = BRANCH_OF_MEASURE[self.settings.measure]
        samples = self.checked(
            outputs.unflatten(0, copies.shape[:2]),
            f'the MC samples for teacher record {recorder}[{record_idx}] '
            f'(the {name} branch of uet.head={self.settings.head!r} re-run '
            'on dropped-out copies)',
            f'the teacher\'s head overflows on them in {outputs.dtype}; the '
            'record itself is finite')
        _, uncertainty = sample_uncertainty(samples, self.settings.measure)
        mean, _ = feature_mc_moments_exact(feature, rates,
                                           self.settings.channel_wise,
                                           generator)
        return mean, uncertainty


__all__ = ['BRANCH_OF_MEASURE', 'HeadDropout', 'head_branch']
