# Copyright (c) uet_mmdet authors. All rights reserved.
from typing import List, Optional, Tuple

from torch import Tensor, nn

from uet_mmdet.registry import ESTIMATORS
from uet_mmdet.uncertainty import module_mc_samples, sample_uncertainty
from ..uet import UETConfigError, UETSettings
from .base import TeacherEstimator, check_finite, deterministic, find_submodule

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
        """The base checks, and a ``uet.module`` and ``uet.outputs`` given.

        Raises:
            UETConfigError: ``uet.module`` or ``uet.outputs`` is empty.
        """
        super().check_settings(settings)
        if not settings.module:
            raise UETConfigError(
                'uet.module', "level='module' needs the teacher submodule "
                "to re-run", "e.g. module='neck'")
        if not settings.outputs:
            raise UETConfigError(
                'uet.outputs', "level='module' needs it: teacher recorder "
                'name -> index into the module output',
                "e.g. outputs=dict(fpn0=0, fpn1=1) for module='neck'")

    @classmethod
    def extra_recorders(cls, settings: UETSettings, teacher_recorders: dict,
                        distilled: List[str]) -> dict:
        """A ``ModuleInputs`` recorder of ``uet.module``
        (:data:`MODULE_INPUTS_RECORDER`).

        Args:
            settings (UETSettings): The ``uet`` block.
            teacher_recorders (dict): The config's teacher recorders.
            distilled (list[str]): Teacher recorders the wrapped losses read.

        Returns:
            dict: The recorder config to add.

        Raises:
            UETConfigError: ``uet.outputs`` names a recorder the config lacks.
        """
        for output in settings.outputs:
            if output not in teacher_recorders:
                raise UETConfigError(
                    'uet.outputs', f'names {output!r}, which the teacher '
                    'recorders do not provide',
                    f'teacher recorders: {sorted(teacher_recorders)}')
        return {
            MODULE_INPUTS_RECORDER:
            dict(type='ModuleInputs', source=settings.module)
        }

    def check_record(self, loss: str, recorder: str) -> None:
        """Raise :class:`UETConfigError` (``uet.outputs``) unless
        ``uet.outputs`` places ``recorder`` in the module's output.
        """
        if recorder not in self.settings.outputs:
            raise UETConfigError(
                'uet.outputs', f'{loss} distils teacher recorder '
                f'{recorder!r}, but uet.outputs does not say which output '
                f'of {self.settings.module!r} it is',
                f'uet.outputs has {sorted(self.settings.outputs)}')

    def attach(self, teacher: nn.Module) -> None:
        """Find ``uet.module`` in the teacher.

        Raises:
            UETConfigError: The teacher has no such submodule.
        """
        self.module = find_submodule(teacher, self.settings.module,
                                     'uet.module')

    def reset(self) -> None:
        """Forget the last iteration's estimates and MC samples."""
        super().reset()
        self._samples = None

    def compute(self, recorder: str, record_idx: int) -> Tuple[Tensor, Tensor]:
        """``(U_K, uncertainty)`` from the module re-run on K dropped-out
        copies of its recorded inputs, once per iteration for every recorder
        (see :meth:`TeacherEstimator.compute`).
        """
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
        samples = select_output(self._samples, self.settings.outputs[recorder],
                                record_idx, f'uet.outputs.{recorder}')
        samples = self.checked(
            samples, f'the MC samples for teacher record {recorder}'
            f'[{record_idx}] (uet.module={module!r} re-run on dropped-out '
            'copies of its inputs)',
            f'the teacher\'s {module!r} overflows on them in {samples.dtype}'
            '; its inputs are finite')
        return sample_uncertainty(samples, self.settings.measure)


def select_output(outputs, path, record_idx: int, key: str) -> Tensor:
    """Follow ``path`` into a nested module output; a sequence left at the
    end (one tensor per level) is indexed by ``record_idx``.

    Args:
        outputs: The module output: a tensor or nested sequences of them.
        path (int | Sequence[int]): Index path into ``outputs``.
        record_idx (int): Picks the element of a sequence left at the end.
        key (str): The setting that gave ``path``, e.g.
            ``'uet.outputs.fpn0'``.

    Returns:
        Tensor: The selected tensor.

    Raises:
        UETConfigError: Keyed ``key`` if ``path`` leads to no tensor.
    """
    path = [path] if isinstance(path, int) else list(path)
    value = outputs
    try:
        for index in path:
            value = value[index]
        if not isinstance(value, Tensor):
            value = value[record_idx]
    except (IndexError, TypeError):
        raise UETConfigError(
            key, f'{path} (record {record_idx}) does not index a tensor of '
            'the module output') from None
    if not isinstance(value, Tensor):
        raise UETConfigError(
            key, f'{path} leads to a nested sequence, not a tensor')
    return value


__all__ = ['MODULE_INPUTS_RECORDER', 'ModuleDropout', 'select_output']
