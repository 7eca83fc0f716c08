# Copyright (c) uet_mmdet authors. All rights reserved.
from .hooks import (DatasetCheckHook, RandomStateHook, UETHook,
                    WeightsOnlyCheckpointHook)
from .runners import UETRunner

__all__ = [
    'DatasetCheckHook', 'RandomStateHook', 'UETHook', 'UETRunner',
    'WeightsOnlyCheckpointHook'
]
