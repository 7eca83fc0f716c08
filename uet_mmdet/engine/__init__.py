# Copyright (c) uet_mmdet authors. All rights reserved.
from .hooks import DatasetCheckHook, UETHook, WeightsOnlyCheckpointHook
from .runners import UETRunner

__all__ = [
    'DatasetCheckHook', 'UETHook', 'UETRunner', 'WeightsOnlyCheckpointHook'
]
