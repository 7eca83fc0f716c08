# Copyright (c) uet_mmdet authors. All rights reserved.
from typing import Dict, Optional

from mmrazor.models import ConfigurableDistiller
from mmrazor.registry import MODELS
from torch import Tensor, nn

from uet_mmdet.uncertainty import UncertaintyEstimate
from ..losses import UETLoss
from ..uet import UETConfigError, UETSettings
from .teacher_uncertainty import TeacherUncertainty

MODULE_INPUTS_RECORDER = 'uet_module_inputs'
LAYER_INPUTS_PREFIX = 'uet_inputs_'
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
    iteration the teacher tensor of each is given its MC-dropout estimate.
    At module level a ``ModuleInputs`` recorder on ``uet.module`` is added to
    the teacher recorders; at layer level one on the convolution of every
    distilled teacher recorder. :class:`~uet_mmdet.engine.UETHook` switches the
    estimate on and off, anneals the rates and logs :attr:`uet_stats`.

    Args:
        uet (dict, optional): The UET settings.
        **kwargs: :class:`ConfigurableDistiller`'s arguments.
    """

    def __init__(self, uet: Optional[dict] = None, **kwargs) -> None:
        settings = UETSettings.from_config(uet) if uet is not None else None
        layer_sources = {}
        if settings is not None and settings.enabled:
            recorders = dict(kwargs.get('teacher_recorders') or {})
            if settings.level == 'module':
                recorders[MODULE_INPUTS_RECORDER] = dict(
                    type='ModuleInputs', source=settings.module)
            elif settings.level == 'layer':
                layer_sources = _layer_sources(recorders, kwargs,
                                               settings.losses)
                for recorder, source in layer_sources.items():
                    recorders[LAYER_INPUTS_PREFIX + recorder] = dict(
                        type='ModuleInputs', source=source)
            kwargs['teacher_recorders'] = recorders
        super().__init__(**kwargs)
        self.uet = settings
        self.uet_active = True
        self.uet_stats: Dict[str, Tensor] = {}
        self.estimator: Optional[TeacherUncertainty] = None
        if settings is not None:
            self._wrap_losses(settings)
            if settings.enabled:
                self.estimator = TeacherUncertainty(
                    settings, self._teacher_record, self._module_inputs,
                    self._layer_inputs, layer_sources)

    def _wrap_losses(self, settings: UETSettings) -> None:
        if settings.enabled and settings.level == 'module':
            for output in settings.outputs:
                if output not in self.teacher_recorders.recorders:
                    raise UETConfigError(
                        f'uet.outputs names {output!r}, which the teacher '
                        'recorders do not provide (teacher recorders: '
                        f'{sorted(self.teacher_recorders.recorders)})')
        names = list(self.distill_losses) if settings.losses is None else list(
            settings.losses)
        for name in names:
            if name not in self.distill_losses:
                raise UETConfigError(
                    f'uet.losses names {name!r}, which is not a distill loss '
                    f'(losses: {list(self.distill_losses)})')
            wrapped = UETLoss(self.distill_losses[name], settings.mode,
                              settings.residual_scale)
            self.distill_losses[name] = wrapped
            if settings.enabled:
                self._check_teacher_source(name, wrapped, settings)

    def _check_teacher_source(self, name: str, loss: UETLoss,
                              settings: UETSettings) -> None:
        record = self.loss_forward_mappings.get(name, {}).get(
            loss.teacher_arg)
        if record is None or record.get('from_student', True):
            raise UETConfigError(
                f'loss_forward_mappings[{name!r}] must take '
                f'{loss.teacher_arg!r} from a teacher recorder for UET')
        if 'connector' in record:
            raise UETConfigError(
                f'{name}: UET needs the raw teacher tensor; a teacher-side '
                'connector is not supported')
        recorder = record['recorder']
        if settings.level == 'module' and recorder not in settings.outputs:
            raise UETConfigError(
                f'{name} distils teacher recorder {recorder!r}, but '
                f'uet.outputs does not say which output of '
                f'{settings.module!r} it is (uet.outputs has '
                f'{sorted(settings.outputs)})')

    def _teacher_record(self, recorder: str, record_idx: int) -> Tensor:
        return self.get_record(recorder, False, record_idx)

    def _module_inputs(self):
        return self.get_record(MODULE_INPUTS_RECORDER, False)

    def _layer_inputs(self, recorder: str, record_idx: int):
        return self.get_record(LAYER_INPUTS_PREFIX + recorder, False,
                               record_idx)

    def prepare_from_teacher(self, model: nn.Module) -> None:
        if self.estimator is not None:
            self.estimator.attach(model)
        super().prepare_from_teacher(model)

    @property
    def uet_on(self) -> bool:
        """Whether this iteration's losses get uncertainty estimates."""
        return self.estimator is not None and self.uet_active

    def compute_distill_losses(self) -> Dict[str, Tensor]:
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
                estimate = self.estimator.estimate(
                    record['recorder'], record.get('record_idx', 0))
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


def _layer_sources(teacher_recorders: dict, kwargs: dict,
                   losses: Optional[list]) -> Dict[str, str]:
    """Layer level: teacher recorder -> recorded module, for every teacher
    recorder a wrapped loss reads (``ModuleOutputs`` recorders only)."""
    sources = {}
    for loss, mappings in (kwargs.get('loss_forward_mappings') or {}).items():
        if losses is not None and loss not in losses:
            continue
        for record in mappings.values():
            if record.get('from_student', True):
                continue
            name = record['recorder']
            recorder = teacher_recorders.get(name) or {}
            if recorder.get('type') != 'ModuleOutputs':
                raise UETConfigError(
                    f"uet.level='layer' needs teacher recorder {name!r} to be "
                    'a ModuleOutputs recorder of a convolution, got '
                    f"{recorder.get('type')!r}")
            sources[name] = recorder['source']
    return sources


__all__ = ['MODULE_INPUTS_RECORDER', 'UETDistiller']
