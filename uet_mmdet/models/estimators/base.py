# Copyright (c) uet_mmdet authors. All rights reserved.
"""The interface every teacher-uncertainty estimator implements."""
import math
from contextlib import contextmanager
from typing import Callable, Dict, Iterator, List, Tuple

import torch
from mmengine.dist import get_rank
from torch import Tensor, nn

from uet_mmdet.registry import ESTIMATORS
from uet_mmdet.uncertainty import (UncertaintyEstimate, at_least_float32,
                                   compute_dtype, floored, rank_confidence,
                                   relative_confidence)
from ..uet import UETConfigError, UETSettings

RecordKey = Tuple[str, int]
ReadRecord = Callable[[str, int], object]
# torch.initial_seed() + this seeds UET's own generator: a separate stream, so
# host and host+UET runs of one seed draw the same data and host randomness
_STREAM_OFFSET = 0x5EED
# each rank's stream starts this far from the previous one's
_RANK_STRIDE = 0x9E3779B97F4A7C15


class TeacherEstimator:
    """Estimates, per iteration, the uncertainty of recorded teacher tensors.

    A subclass registered in :data:`uet_mmdet.registry.ESTIMATORS` under the
    name ``uet.level`` gives: the measures it supports, the teacher
    recorders it needs besides the distilled ones
    (:meth:`extra_recorders`), and ``(U_K, uncertainty)`` for one teacher
    record (:meth:`compute`). The base turns the uncertainty into the
    confidence the settings ask for, caches estimates for the iteration and
    owns the random generator of the dropout masks: a stream of its own,
    different on every rank, so the images of a distributed batch get
    independent masks as those of a one-process batch do.

    Mixed precision: :meth:`compute` reads teacher tensors through
    :meth:`record` (or :meth:`checked`), which stops with one clear
    :class:`FloatingPointError` on NaN or inf and hands them over in the
    dtype to compute in (float32; float64 for float64 teachers and for
    magnitudes whose squares leave float32's range). The estimate holds U_K
    in the record's dtype promoted to float32, the uncertainty in the dtype
    it was computed in and a float32 confidence, all checked to be finite.

    Args:
        settings (UETSettings): The validated ``uet`` block.
        read (callable): ``(recorder, record_idx) -> record`` of any teacher
            recorder, including the extra ones.
        teacher_recorders (dict): The teacher recorder configs, extra
            recorders included.
    """

    measures: Tuple[str, ...] = ('variance', 'relative_variance')
    # whether it can estimate the uncertainty of channel-wise (Dropout2d)
    # masks; moment estimators propagate element-wise dropout only
    channel_wise: bool = True

    def __init__(self, settings: UETSettings, read: ReadRecord,
                 teacher_recorders: dict) -> None:
        self.settings = settings
        self.read = read
        self.teacher_recorders = teacher_recorders
        self.rate_factor = 1.0
        self._estimates: Dict[RecordKey, UncertaintyEstimate] = {}
        self._seed = (torch.initial_seed() + _STREAM_OFFSET +
                      get_rank() * _RANK_STRIDE) % 2**63
        self._generators: Dict[torch.device, torch.Generator] = {}

    @classmethod
    def check_settings(cls, settings: UETSettings) -> None:
        """Raise :class:`UETConfigError` for settings this estimator cannot
        use."""
        if settings.measure not in cls.measures:
            raise UETConfigError(
                'uet.measure', f'{settings.measure!r} is not offered by '
                f'level={settings.level!r}', f'it offers {list(cls.measures)}')
        if settings.channel_wise and not cls.channel_wise:
            levels = sorted(
                name for name, estimator in ESTIMATORS.module_dict.items()
                if estimator.channel_wise)
            raise UETConfigError(
                'uet.channel_wise',
                f'level={settings.level!r} estimates element-wise dropout '
                'only', f'channel_wise=True needs a level of {levels}')

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
    def estimate(self,
                 recorder: str,
                 record_idx: int = 0) -> UncertaintyEstimate:
        """The estimate for one teacher record, computed once per iteration.
        """
        key = (recorder, record_idx)
        if key not in self._estimates:
            mean, uncertainty = self.compute(recorder, record_idx)
            record_dtype = self.read(recorder, record_idx).dtype
            mean = mean.to(at_least_float32(record_dtype))
            if not bool(
                    torch.isfinite(mean).all()
                    & torch.isfinite(uncertainty).all()):
                raise FloatingPointError(
                    f'the estimate of level={self.settings.level!r} for '
                    f'teacher record {recorder}[{record_idx}] is not finite '
                    'although the tensors it read are (U_K beyond the '
                    "record's dtype?); please report it with the config")
            self._estimates[key] = UncertaintyEstimate(
                mean, uncertainty, self.confidence(uncertainty))
        return self._estimates[key]

    def compute(self, recorder: str, record_idx: int) -> Tuple[Tensor, Tensor]:
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
        keys = torch.rand(
            flat.shape,
            generator=self.generator(flat.device),
            device=flat.device)
        return flat.gather(1, keys.argsort(dim=1)).view_as(confidence)

    def rates(self) -> Tensor:
        """The K dropout rates after annealing."""
        return self.settings.rates(self.rate_factor)

    def manual_seed(self, seed: int) -> None:
        """Restart the dropout masks' random stream from ``seed``."""
        self._seed = int(seed)
        self._generators = {}

    def get_rng_state(self) -> Dict[str, Tensor]:
        """The state of the mask stream on every device it has drawn on,
        keyed by device name (for checkpoints)."""
        return {
            str(device): generator.get_state()
            for device, generator in self._generators.items()
        }

    def set_rng_state(self, states: Dict[str, Tensor]) -> List[str]:
        """Continue the mask stream from :meth:`get_rng_state`'s states.

        Returns:
            list[str]: The streams of devices this machine lacks, skipped.
        """
        skipped = []
        for name, state in states.items():
            device = torch.device(name)
            if device.type == 'cuda' and (device.index
                                          or 0) >= (torch.cuda.device_count()):
                skipped.append(f'the UET mask stream on {name}')
                continue
            self.generator(device).set_state(state.cpu())
        return skipped

    def generator(self, device: torch.device) -> torch.Generator:
        """UET's own generator on ``device``, seeded from the run's seed."""
        device = torch.device(device)
        if device not in self._generators:
            generator = torch.Generator(device)
            generator.manual_seed(self._seed)
            self._generators[device] = generator
        return self._generators[device]

    def record(self, recorder: str, record_idx: int = 0) -> Tensor:
        """A teacher tensor, checked to be finite, in the dtype to compute
        with (see :meth:`checked`)."""
        return self.checked(
            self.read(recorder, record_idx),
            f'teacher record {recorder}[{record_idx}]')

    @staticmethod
    def checked(tensor: Tensor, what: str, hint: str = '') -> Tensor:
        """``tensor`` in the dtype UET computes with
        (:func:`~uet_mmdet.uncertainty.compute_dtype`): float32 for half
        precision and float32, float64 for float64 and for magnitudes whose
        squares would leave float32's range.

        Raises:
            FloatingPointError: One line naming ``what`` if ``tensor`` holds
                NaN or inf, ending with ``hint`` (by default: the teacher
                diverged, or its checkpoint or inputs are broken).
        """
        peak = check_finite(tensor, what, hint)
        return tensor.to(compute_dtype(tensor.dtype, peak))


def check_finite(tensor: Tensor, what: str, hint: str = '') -> float:
    """The largest magnitude in ``tensor`` (one device sync).

    Raises:
        FloatingPointError: One line naming ``what`` and counting NaN and
            inf if ``tensor`` holds any; ``hint`` says what to look at.
    """
    if tensor.numel() == 0:
        return 0.0
    peak = float(tensor.detach().abs().amax())
    if math.isfinite(peak):
        return peak
    nan, inf = int(tensor.isnan().sum()), int(tensor.isinf().sum())
    hint = hint or ('has the teacher diverged, or are its checkpoint or '
                    'inputs broken?')
    raise FloatingPointError(
        f'{what} holds {nan} NaN and {inf} inf of {tensor.numel()} values; '
        f'UET cannot estimate its uncertainty ({hint})')


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
    """``teacher.<name>``.

    Args:
        teacher (nn.Module): The teacher detector.
        name (str): Dotted path of the submodule, e.g. ``'neck'``.
        key (str): The setting that gave ``name``, relative to the distiller
            config, e.g. ``'uet.module'``.

    Returns:
        nn.Module: The submodule.

    Raises:
        UETConfigError: Keyed ``key`` if the teacher has no such submodule.
    """
    try:
        return teacher.get_submodule(name)
    except AttributeError:
        children = [child for child, _ in teacher.named_children()]
        raise UETConfigError(
            key, f'{name!r} is not a submodule of the teacher '
            f'{type(teacher).__name__}', f'its modules: {children}') from None


__all__ = [
    'TeacherEstimator', 'check_finite', 'deterministic', 'find_submodule'
]
