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

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.layers: Dict[str, nn.Conv2d] = {}

    @classmethod
    def check_settings(cls, settings: UETSettings) -> None:
        super().check_settings(settings)
        if settings.channel_wise:
            raise UETConfigError(
                "uet.level='layer' computes moments for element-wise masks; "
                "channel_wise=True needs level='module' or 'feature'")

    @classmethod
    def extra_recorders(cls, settings: UETSettings, teacher_recorders: dict,
                        distilled: List[str]) -> dict:
        recorders = {}
        for name in distilled:
            recorder = teacher_recorders.get(name) or {}
            if recorder.get('type') != 'ModuleOutputs':
                raise UETConfigError(
                    f"uet.level='layer' needs teacher recorder {name!r} to be "
                    'a ModuleOutputs recorder of a convolution, got '
                    f"{recorder.get('type')!r}")
            recorders[LAYER_INPUTS_PREFIX + name] = dict(
                type='ModuleInputs', source=recorder['source'])
        return recorders

    def attach(self, teacher: nn.Module) -> None:
        self.layers = {
            name[len(LAYER_INPUTS_PREFIX):]:
            plain_conv(teacher, recorder['source'])
            for name, recorder in self.teacher_recorders.items()
            if name.startswith(LAYER_INPUTS_PREFIX)
        }

    def compute(self, recorder: str,
                record_idx: int) -> Tuple[Tensor, Tensor]:
        name = LAYER_INPUTS_PREFIX + recorder
        inputs = self.checked(
            self.read(name, record_idx)[0],
            f'teacher record {name}[{record_idx}] (the input of '
            f"{self.teacher_recorders[name]['source']!r})")
        output = self.record(recorder, record_idx)
        mean, variance = conv_mc_moments(self.layers[recorder], inputs,
                                         output, self.rates(),
                                         self.generator(output.device))
        return mean, moment_uncertainty(mean, variance, self.settings.measure)


def plain_conv(teacher: nn.Module, source: str) -> nn.Conv2d:
    """The ``nn.Conv2d`` a layer-level recorder records: a conv, or an mmcv
    ``ConvModule`` without norm and activation."""
    module = find_submodule(teacher, source, "level='layer' source")
    conv = getattr(module, 'conv', module)
    nonlinear = (getattr(module, 'with_norm', False)
                 or getattr(module, 'with_activation', False))
    if not isinstance(conv, nn.Conv2d) or nonlinear:
        raise UETConfigError(
            f"uet.level='layer' needs {source!r} to be a plain convolution "
            '(a Conv2d, or a ConvModule without norm and activation), got '
            f"{type(module).__name__}; use level='module' for other modules")
    return conv


__all__ = ['LAYER_INPUTS_PREFIX', 'LayerMoments', 'plain_conv']
