# Copyright (c) uet_mmdet authors. All rights reserved.
from typing import Dict, List, Optional

from mmrazor.models import ConfigurableDistiller
from mmrazor.registry import MODELS
from torch import Tensor, nn

from uet_mmdet.registry import ESTIMATORS
from uet_mmdet.uncertainty import UncertaintyEstimate
from ..estimators import TeacherEstimator
from ..hosts import HOST_ADAPTERS
from ..losses import UETLoss
from ..uet import UETConfigError, UETSettings

# mean MC standard deviation, absolute or relative to the signal
SIGMA_STATS = {'variance': 'sigma', 'relative_variance': 'relative_sigma'}


@MODELS.register_module()
class UETDistiller(ConfigurableDistiller):
    """A ``ConfigurableDistiller`` that can make its losses uncertainty-aware.

    Without ``uet`` it is MMRazor's distiller, except that a loss returning a
    dict (e.g. FGD's ``fg``, ``bg``, ``at``, ``global``) is logged term by term
    as ``<loss name>_<term>``; the total is unchanged.

    With ``uet`` (see :class:`~uet_mmdet.models.uet.UETSettings`), the listed
    losses (all by default) are wrapped in :class:`UETLoss`, and every
    iteration the teacher tensor of each is given the estimate of the
    estimator ``uet.level`` names in :data:`uet_mmdet.registry.ESTIMATORS`;
    the teacher recorders that estimator needs are added to the config's.
    :class:`~uet_mmdet.engine.UETHook` switches the estimate on and off,
    anneals the rates and logs :attr:`uet_stats`. A teacher tensor UET
    reads that holds NaN or inf stops training with one
    :class:`FloatingPointError` line naming the loss and the record.

    Args:
        uet (dict, optional): The UET settings.
        **kwargs: :class:`ConfigurableDistiller`'s arguments.
    """

    def __init__(self, uet: Optional[dict] = None, **kwargs) -> None:
        settings = UETSettings.from_config(uet) if uet is not None else None
        estimator = None
        if settings is not None and settings.enabled:
            estimator = ESTIMATORS.get(settings.level)
            recorders = dict(kwargs.get('teacher_recorders') or {})
            distilled = _distilled_teacher_records(
                kwargs.get('loss_forward_mappings') or {}, settings.losses)
            recorders.update(
                estimator.extra_recorders(settings, recorders, distilled))
            kwargs['teacher_recorders'] = recorders
        super().__init__(**kwargs)
        self.uet = settings
        self.uet_active = True
        self.uet_stats: Dict[str, Tensor] = {}
        self.estimator: Optional[TeacherEstimator] = None
        if estimator is not None:
            self.estimator = estimator(settings, self._teacher_record,
                                       kwargs['teacher_recorders'])
        if settings is not None:
            self._wrap_losses(settings)

    def _wrap_losses(self, settings: UETSettings) -> None:
        names = list(self.distill_losses) if settings.losses is None else list(
            settings.losses)
        for name in names:
            if name not in self.distill_losses:
                raise UETConfigError(
                    'uet.losses', f'names {name!r}, which is not a distill '
                    'loss', f'distill losses: {list(self.distill_losses)}')
        if not settings.enabled:  # the host's modules and checkpoint keys
            self.register_load_state_dict_pre_hook(_unwrapped_loss_keys)
            return
        for name in names:
            try:
                HOST_ADAPTERS.get(self.distill_losses[name])
            except UETConfigError as error:  # a host UET cannot wrap
                raise error.within(f'distill_losses.{name}') from None
            wrapped = UETLoss(self.distill_losses[name], settings.mode,
                              settings.residual_scale)
            self.distill_losses[name] = wrapped
            if self.estimator is not None:
                self._check_teacher_source(name, wrapped)

    def _check_teacher_source(self, name: str, loss: UETLoss) -> None:
        key = f'loss_forward_mappings.{name}.{loss.teacher_arg}'
        record = self.loss_forward_mappings.get(name, {}).get(loss.teacher_arg)
        if record is None or record.get('from_student', True):
            raise UETConfigError(
                key, 'UET needs it from a teacher recorder',
                'set from_student=False and a teacher recorder')
        if 'connector' in record:
            raise UETConfigError(
                f'{key}.connector', 'UET needs the raw teacher tensor; a '
                'teacher-side connector is not supported')
        self.estimator.check_record(name, record['recorder'])

    def _teacher_record(self, recorder: str, record_idx: int):
        return self.get_record(recorder, False, record_idx)

    def prepare_from_teacher(self, model: nn.Module) -> None:
        """Attach the estimator to the teacher, then register the teacher
        recorders (MMRazor's ``prepare_from_teacher``).

        Args:
            model (nn.Module): The teacher.

        Raises:
            UETConfigError: The teacher lacks what the estimator runs (e.g.
                ``uet.module``).
        """
        if self.estimator is not None:
            self.estimator.attach(model)
        super().prepare_from_teacher(model)

    @property
    def uet_on(self) -> bool:
        """Whether this iteration's losses get uncertainty estimates."""
        return self.estimator is not None and self.uet_active

    def compute_distill_losses(self) -> Dict[str, Tensor]:
        """The distill losses of this iteration, from the recorded tensors.

        Each UET-wrapped loss gets its teacher tensor's estimate while
        :attr:`uet_on`; :attr:`uet_stats` holds that iteration's statistics.

        Returns:
            dict[str, Tensor]: Per loss name; a loss returning a dict gives
            ``<loss name>_<term>`` per term.

        Raises:
            FloatingPointError: A teacher tensor UET reads holds NaN or inf
                (one line naming the loss and the record).
        """
        losses = {}
        self.uet_stats = {}
        if self.estimator is not None:
            self.estimator.reset()
        for name, mappings in self.loss_forward_mappings.items():
            kwargs = {
                key: self.get_record(**record)
                for key, record in mappings.items()
            }
            loss_module = self.distill_losses[name]
            estimate = None
            if isinstance(loss_module, UETLoss) and self.uet_on:
                record = mappings[loss_module.teacher_arg]
                try:
                    estimate = self.estimator.estimate(
                        record['recorder'], record.get('record_idx', 0))
                except FloatingPointError as error:  # name the loss too
                    raise FloatingPointError(f'{name}: {error}') from None
                kwargs['uncertainty'] = estimate
            loss = loss_module(**kwargs)
            if estimate is not None:
                self._record_stats(name, estimate, loss_module.stats)
            if isinstance(loss, dict):
                losses.update(
                    (f'{name}_{term}', value) for term, value in loss.items())
            else:
                losses[name] = loss
        return losses

    def _record_stats(self, name: str, estimate: UncertaintyEstimate,
                      loss_stats: Dict[str, Tensor]) -> None:
        prefix = 'uet/' + name.replace('loss_', '', 1)
        uncertainty = estimate.uncertainty.detach()
        if self.uet.measure in SIGMA_STATS:
            self.uet_stats[f'{prefix}/{SIGMA_STATS[self.uet.measure]}'] = (
                uncertainty.sqrt().mean())
        else:
            self.uet_stats[f'{prefix}/{self.uet.measure}'] = uncertainty.mean()
        self.uet_stats.update(
            (f'{prefix}/{key}', value) for key, value in loss_stats.items())

    def uet_estimates(
            self,
            seed: Optional[int] = None) -> Dict[str, UncertaintyEstimate]:
        """The estimates for the teacher tensors now in the recorders, per
        UET-wrapped loss, for analysis.

        Call it after the teacher ran under ``teacher_recorders``. It
        estimates afresh (new dropout masks, replacing this iteration's
        cached estimates); losses that distil one teacher record share its
        estimate.

        Args:
            seed (int, optional): Restart the dropout masks' random stream
                from this seed first, so the masks do not depend on what
                ran before.

        Returns:
            dict[str, UncertaintyEstimate]: Per wrapped loss name, in loss
            order; empty when UET is not enabled.
        """
        if self.estimator is None:
            return {}
        if seed is not None:
            self.estimator.manual_seed(seed)
        self.estimator.reset()
        estimates = {}
        for name, mappings in self.loss_forward_mappings.items():
            loss = self.distill_losses[name]
            if isinstance(loss, UETLoss):
                record = mappings[loss.teacher_arg]
                estimates[name] = self.estimator.estimate(
                    record['recorder'], record.get('record_idx', 0))
        return estimates


def _unwrapped_loss_keys(module, state_dict, prefix, *args) -> None:
    """Load a checkpoint saved with the losses wrapped (UET on, or
    ``mode='off'`` before it left them unwrapped) into unwrapped losses."""
    losses = prefix + 'distill_losses.'
    for key in [k for k in state_dict if k.startswith(losses)]:
        name, _, rest = key[len(losses):].partition('.')
        if rest.startswith('host.'):
            state_dict[f'{losses}{name}.{rest[5:]}'] = state_dict.pop(key)


def _distilled_teacher_records(loss_forward_mappings: dict,
                               losses: Optional[list]) -> List[str]:
    """Teacher recorders read by the losses UET wraps, in loss order."""
    names = []
    for loss, mappings in loss_forward_mappings.items():
        if losses is not None and loss not in losses:
            continue
        for record in mappings.values():
            if not record.get('from_student', True) and (record['recorder']
                                                         not in names):
                names.append(record['recorder'])
    return names


__all__ = ['UETDistiller']
