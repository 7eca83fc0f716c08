# Copyright (c) uet_mmdet authors. All rights reserved.
from .hooks import UETHook, WeightsOnlyCheckpointHook
from .runners import UETRunner

__all__ = ['UETHook', 'UETRunner', 'WeightsOnlyCheckpointHook']
