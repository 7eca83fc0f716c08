# Copyright (c) uet_mmdet authors. All rights reserved.
from .dataset_check_hook import DatasetCheckHook
from .uet_hook import UETHook
from .weights_only_checkpoint_hook import WeightsOnlyCheckpointHook

__all__ = ['DatasetCheckHook', 'UETHook', 'WeightsOnlyCheckpointHook']
