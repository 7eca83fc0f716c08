# Copyright (c) uet_mmdet authors. All rights reserved.
from .uet_hook import UETHook
from .weights_only_checkpoint_hook import WeightsOnlyCheckpointHook

__all__ = ['UETHook', 'WeightsOnlyCheckpointHook']
