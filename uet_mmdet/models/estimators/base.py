# Copyright (c) uet_mmdet authors. All rights reserved.
"""The interface every teacher-uncertainty estimator implements."""
from contextlib import contextmanager
from typing import Callable, Dict, Iterator, List, Tuple

import torch
from torch import Tensor, nn

from uet_mmdet.uncertainty import (UncertaintyEstimate, floored,
                                   rank_confidence, relative_confidence)
from ..uet import UETConfigError, UETSettings

RecordKey = Tuple[str, int]
ReadRecord = Callable[[str, int], object]
# torch.initial_seed() + this seeds UET's own generator: a separate stream, so
# host and host+UET runs of one seed draw the same data and host randomness
_STREAM_OFFSET = 0x5EED


class TeacherEstimator:
    """Estimates, per iteration, the uncertainty of recorded teacher tensors.

    A subclass registered in :data:`uet_mmdet.registry.ESTIMATORS` under the
    name ``uet.level`` gives: the measures it supports, the teacher
    recorders it needs besides the distilled ones
    (:meth:`extra_recorders`), and ``(U_K, uncertainty)`` for one teacher
    record (:meth:`compute`). The base turns the uncertainty into the
    confidence the settings ask for, caches estimates for the iteration and
    owns the random generator of the dropout masks.

    Args:
        settings (UETSettings): The validated ``uet`` block.
        read (callable): ``(recorder, record_idx) -> record`` of any teacher
            recorder, including the extra ones.
        teacher_recorders (dict): The teacher recorder configs, extra
            recorders included.
    """

    measures: Tuple[str, ...] = ('variance', 'relative_variance')

    def __init__(self, settings: UETSettings, read: ReadRecord,
                 teacher_recorders: dict) -> None:
        self.settings = settings
        self.read = read
        self.teacher_recorders = teacher_recorders
        self.rate_factor = 1.0
        self._estimates: Dict[RecordKey, UncertaintyEstimate] = {}
        self._seed = (torch.initial_seed() + _STREAM_OFFSET) % 2**63
        self._generators: Dict[torch.device, torch.Generator] = {}

    @classmethod
    def check_settings(cls, settings: UETSettings) -> None:
        """Raise :class:`UETConfigError` for settings this estimator cannot
        use."""
        if settings.measure not in cls.measures:
            raise UETConfigError(
                f'uet.measure={settings.measure!r} is not offered by '
                f'level={settings.level!r} (it offers {list(cls.measures)})')

    @classmethod
    def extra_recorders(cls, settings: UETSettings, teacher_recorders: dict,
                        distilled: List[str]) -> dict:
        """Teacher recorders to add for this estimator.

        Args:
            settings (UETSettings): The ``uet`` block.
            teacher_recorders (dict): The config's teacher recorders.
            distilled (list[str]): Teacher recorders the wrapped losses read.
        """
        return {}

    def check_record(self, loss: str, recorder: str) -> None:
        """Raise :class:`UETConfigError` unless ``recorder`` (distilled by
        ``loss``) can be estimated."""

    def attach(self, teacher: nn.Module) -> None:
        """Find what the estimator runs in the teacher."""

    def reset(self) -> None:
        """Forget the last iteration's estimates."""
        self._estimates = {}

    @torch.no_grad()
    def estimate(self, recorder: str,
                 record_idx: int = 0) -> UncertaintyEstimate:
        """The estimate for one teacher record, computed once per iteration.
        """
        key = (recorder, record_idx)
        if key not in self._estimates:
            mean, uncertainty = self.compute(recorder, record_idx)
            self._estimates[key] = UncertaintyEstimate(
                mean, uncertainty, self.confidence(uncertainty))
        return self._estimates[key]

    def compute(self, recorder: str,
                record_idx: int) -> Tuple[Tensor, Tensor]:
        """``(U_K, uncertainty)``: the MC mean shaped as the record and the
        (N, H, W) uncertainty per location."""
        raise NotImplementedError

    def confidence(self, uncertainty: Tensor) -> Tensor:
        """(N, H, W) confidence in [floor, 1] by ``uet.mapping``; with
        ``uet.shuffle`` its locations permuted within each image."""
        if self.settings.mapping == 'rank':
            confidence = rank_confidence(uncertainty)
        else:
            confidence = relative_confidence(uncertainty, self.settings.tau)
        confidence = floored(confidence, self.settings.floor)
        if self.settings.shuffle:
            confidence = self._shuffled(confidence)
        return confidence

    def _shuffled(self, confidence: Tensor) -> Tensor:
        flat = confidence.flatten(1)
        keys = torch.rand(flat.shape, generator=self.generator(flat.device),
                          device=flat.device)
        return flat.gather(1, keys.argsort(dim=1)).view_as(confidence)

    def rates(self) -> Tensor:
        """The K dropout rates after annealing."""
        return self.settings.rates(self.rate_factor)

    def manual_seed(self, seed: int) -> None:
        """Restart the dropout masks' random stream from ``seed``."""
        self._seed = int(seed)
        self._generators = {}

    def generator(self, device: torch.device) -> torch.Generator:
        """UET's own generator on ``device``, seeded from the run's seed."""
        device = torch.device(device)
        if device not in self._generators:
            generator = torch.Generator(device)
            generator.manual_seed(self._seed)
            self._generators[device] = generator
        return self._generators[device]

    def record(self, recorder: str, record_idx: int = 0) -> Tensor:
        """A distilled teacher tensor, checked to be finite."""
        tensor = self.read(recorder, record_idx)
        if not torch.isfinite(tensor).all():
            raise FloatingPointError(
                f'teacher record {recorder}[{record_idx}] holds NaN or inf; '
                'UET cannot estimate its uncertainty')
        return tensor


@contextmanager
def deterministic(module: nn.Module) -> Iterator[None]:
    """Eval mode for the MC passes (BN uses running stats, no own dropout),
    restoring every submodule's mode afterwards."""
    modes = [(sub, sub.training) for sub in module.modules()]
    module.train(False)
    try:
        yield
    finally:
        for sub, training in modes:
            sub.training = training


def find_submodule(teacher: nn.Module, name: str, key: str) -> nn.Module:
    """``teacher.<name>``, or :class:`UETConfigError` naming the setting."""
    try:
        return teacher.get_submodule(name)
    except AttributeError:
        children = [child for child, _ in teacher.named_children()]
        raise UETConfigError(
            f'uet.{key}={name!r} is not a submodule of the teacher '
            f'{type(teacher).__name__} (its modules: {children})') from None


__all__ = ['TeacherEstimator', 'deterministic', 'find_submodule']
