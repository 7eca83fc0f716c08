# Copyright (c) uet_mmdet authors. All rights reserved.
from typing import List, Optional, Tuple

from torch import Tensor, nn

from uet_mmdet.registry import ESTIMATORS
from uet_mmdet.uncertainty import module_mc_samples, sample_uncertainty
from ..uet import UETConfigError, UETSettings
from .base import (TeacherEstimator, check_finite, deterministic,
                   find_submodule)

MODULE_INPUTS_RECORDER = 'uet_module_inputs'


@ESTIMATORS.register_module(name='module')
class ModuleDropout(TeacherEstimator):
    """Dropout on the inputs of a teacher submodule (``uet.module``, e.g.
    the neck on the backbone outputs), re-run on all K copies in one batch.

    One run per iteration serves every recorder in ``uet.outputs``, which
    says where in the module's output each recorder's samples are.
    """

    measures = ('variance', 'relative_variance', 'mutual_information',
                'entropy')

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.module: Optional[nn.Module] = None
        self._samples = None

    @classmethod
    def check_settings(cls, settings: UETSettings) -> None:
        super().check_settings(settings)
        if not settings.module:
            raise UETConfigError(
                "uet.level='module' needs uet.module, the teacher submodule "
                "to re-run (e.g. 'neck')")
        if not settings.outputs:
            raise UETConfigError(
                "uet.level='module' needs uet.outputs: teacher recorder name "
                '-> index into the module output')

    @classmethod
    def extra_recorders(cls, settings: UETSettings, teacher_recorders: dict,
                        distilled: List[str]) -> dict:
        for output in settings.outputs:
            if output not in teacher_recorders:
                raise UETConfigError(
                    f'uet.outputs names {output!r}, which the teacher '
                    f'recorders do not provide (teacher recorders: '
                    f'{sorted(teacher_recorders)})')
        return {
            MODULE_INPUTS_RECORDER:
            dict(type='ModuleInputs', source=settings.module)
        }

    def check_record(self, loss: str, recorder: str) -> None:
        if recorder not in self.settings.outputs:
            raise UETConfigError(
                f'{loss} distils teacher recorder {recorder!r}, but '
                f'uet.outputs does not say which output of '
                f'{self.settings.module!r} it is (uet.outputs has '
                f'{sorted(self.settings.outputs)})')

    def attach(self, teacher: nn.Module) -> None:
        self.module = find_submodule(teacher, self.settings.module, 'module')

    def reset(self) -> None:
        super().reset()
        self._samples = None

    def compute(self, recorder: str,
                record_idx: int) -> Tuple[Tensor, Tensor]:
        check_finite(
            self.read(recorder, record_idx),
            f'teacher record {recorder}[{record_idx}]')
        module = self.settings.module
        if self._samples is None:
            inputs = self.read(MODULE_INPUTS_RECORDER, 0)[0]
            tensors = [inputs] if isinstance(inputs, Tensor) else inputs
            for i, tensor in enumerate(tensors):
                check_finite(
                    tensor, f'teacher record {MODULE_INPUTS_RECORDER}[0] '
                    f'(input {i} of uet.module={module!r})')
            with deterministic(self.module):
                self._samples = module_mc_samples(
                    self.module, inputs, self.rates(),
                    self.settings.channel_wise,
                    self.generator(tensors[0].device))
        samples = select_output(self._samples,
                                self.settings.outputs[recorder], record_idx,
                                f'uet.outputs[{recorder!r}]')
        samples = self.checked(
            samples, f'the MC samples for teacher record {recorder}'
            f'[{record_idx}] (uet.module={module!r} re-run on dropped-out '
            'copies of its inputs)',
            f'the teacher\'s {module!r} overflows on them in {samples.dtype}'
            '; its inputs are finite')
        return sample_uncertainty(samples, self.settings.measure)


def select_output(outputs, path, record_idx: int, where: str) -> Tensor:
    """Follow ``path`` into a nested module output; a sequence left at the
    end (one tensor per level) is indexed by ``record_idx``."""
    path = [path] if isinstance(path, int) else list(path)
    value = outputs
    try:
        for index in path:
            value = value[index]
        if not isinstance(value, Tensor):
            value = value[record_idx]
    except (IndexError, TypeError):
        raise UETConfigError(
            f'{where}={path} (record {record_idx}) does not index a tensor '
            'of the module output') from None
    if not isinstance(value, Tensor):
        raise UETConfigError(f'{where}={path} leads to a nested sequence, '
                             'not a tensor')
    return value


__all__ = ['MODULE_INPUTS_RECORDER', 'ModuleDropout', 'select_output']
