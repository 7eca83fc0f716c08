# Copyright (c) uet_mmdet authors. All rights reserved.
from typing import Dict, List, Tuple

from torch import Tensor, nn

from uet_mmdet.registry import ESTIMATORS
from uet_mmdet.uncertainty import conv_mc_moments, moment_uncertainty
from ..uet import UETConfigError, UETSettings
from .base import TeacherEstimator, find_submodule

LAYER_INPUTS_PREFIX = 'uet_inputs_'


@ESTIMATORS.register_module(name='layer')
class LayerMoments(TeacherEstimator):
    """Dropout on the input of the convolution that outputs each distilled
    tensor (e.g. ``neck.fpn_convs.i``), its MC moments computed without
    sampling: exact variance, one extra convolution per level."""

    channel_wise = False

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.layers: Dict[str, nn.Conv2d] = {}

    @classmethod
    def extra_recorders(cls, settings: UETSettings, teacher_recorders: dict,
                        distilled: List[str]) -> dict:
        """A ``ModuleInputs`` recorder of each distilled convolution, named
        :data:`LAYER_INPUTS_PREFIX` + the distilled recorder's name.

        Args:
            settings (UETSettings): The ``uet`` block.
            teacher_recorders (dict): The config's teacher recorders.
            distilled (list[str]): Teacher recorders the wrapped losses read.

        Returns:
            dict: The recorder configs to add.

        Raises:
            UETConfigError: A distilled recorder that is not a
                ``ModuleOutputs`` recorder.
        """
        recorders = {}
        for name in distilled:
            recorder = teacher_recorders.get(name) or {}
            if recorder.get('type') != 'ModuleOutputs':
                raise UETConfigError(
                    f'teacher_recorders.{name}.type', "uet.level='layer' "
                    'needs a ModuleOutputs recorder of a convolution, got '
                    f"{recorder.get('type')!r}")
            recorders[LAYER_INPUTS_PREFIX + name] = dict(
                type='ModuleInputs', source=recorder['source'])
        return recorders

    def attach(self, teacher: nn.Module) -> None:
        """Find the convolution each distilled recorder records.

        Raises:
            UETConfigError: A recorder source that is not a plain convolution.
        """
        self.layers = {
            name[len(LAYER_INPUTS_PREFIX):]:
            plain_conv(
                teacher, recorder['source'], 'teacher_recorders.'
                f'{name[len(LAYER_INPUTS_PREFIX):]}.source')
            for name, recorder in self.teacher_recorders.items()
            if name.startswith(LAYER_INPUTS_PREFIX)
        }

    def compute(self, recorder: str, record_idx: int) -> Tuple[Tensor, Tensor]:
        """``(U_K, uncertainty)`` from the moments of dropout on the
        convolution's recorded input (see :meth:`TeacherEstimator.compute`).
        """
        name = LAYER_INPUTS_PREFIX + recorder
        inputs = self.checked(
            self.read(name, record_idx)[0],
            f'teacher record {name}[{record_idx}] (the input of '
            f"{self.teacher_recorders[name]['source']!r})")
        output = self.record(recorder, record_idx)
        mean, variance = conv_mc_moments(self.layers[recorder], inputs, output,
                                         self.rates(),
                                         self.generator(output.device))
        return mean, moment_uncertainty(mean, variance, self.settings.measure)


def plain_conv(teacher: nn.Module, source: str, key: str) -> nn.Conv2d:
    """The ``nn.Conv2d`` a layer-level recorder records: a conv, or an mmcv
    ``ConvModule`` without norm and activation.

    Args:
        teacher (nn.Module): The teacher detector.
        source (str): The recorder's ``source``, a teacher submodule.
        key (str): Where ``source`` is set in the distiller config, e.g.
            ``'teacher_recorders.fpn0.source'``.

    Returns:
        nn.Conv2d: The convolution.

    Raises:
        UETConfigError: Keyed ``key`` if ``source`` is not a submodule or
            not a plain convolution.
    """
    module = find_submodule(teacher, source, key)
    conv = getattr(module, 'conv', module)
    nonlinear = (
        getattr(module, 'with_norm', False)
        or getattr(module, 'with_activation', False))
    if not isinstance(conv, nn.Conv2d) or nonlinear:
        raise UETConfigError(
            key, f"uet.level='layer' needs {source!r} to be a plain "
            'convolution (a Conv2d, or a ConvModule without norm and '
            f'activation), got {type(module).__name__}',
            "use level='module' for other modules")
    return conv


__all__ = ['LAYER_INPUTS_PREFIX', 'LayerMoments', 'plain_conv']
