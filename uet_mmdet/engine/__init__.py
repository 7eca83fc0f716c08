# Copyright (c) uet_mmdet authors. All rights reserved.
from .hooks import WeightsOnlyCheckpointHook
from .runners import UETRunner

__all__ = ['UETRunner', 'WeightsOnlyCheckpointHook']
