# Copyright (c) uet_mmdet authors. All rights reserved.
import pytest

import uet_mmdet  # noqa: F401  (installs the compat fixes)
from uet_mmdet.compat import QuantizationUnavailableError


def test_distillation_parts_of_mmrazor_import():
    from mmrazor.engine import StopDistillHook
    from mmrazor.models import (ChannelWiseDivergence, ConfigurableDistiller,
                                MGDLoss, PKDLoss, SingleTeacherDistill)
    from mmrazor.models.task_modules import ModuleOutputsRecorder
    assert all((StopDistillHook, ChannelWiseDivergence, ConfigurableDistiller,
                MGDLoss, PKDLoss, SingleTeacherDistill, ModuleOutputsRecorder))


def test_quantization_backends_fail_clearly():
    from mmrazor.structures.quantization import (BackendConfigs,
                                                 get_native_backend_config)
    with pytest.raises(QuantizationUnavailableError, match='torch 2.x'):
        BackendConfigs['native']
    with pytest.raises(QuantizationUnavailableError, match='stub'):
        get_native_backend_config()


def test_only_the_backend_config_module_is_stubbed():
    import sys

    from mmrazor.structures.quantization import qconfig
    stubbed = [
        name for name, module in sys.modules.items()
        if name.startswith('mmrazor') and module is not None
        and 'uet_mmdet stub' in (module.__doc__ or '')
    ]
    assert stubbed == ['mmrazor.structures.quantization.backend_config']
    assert qconfig.__file__.endswith('qconfig.py')
