# Copyright (c) uet_mmdet authors. All rights reserved.
from .dataset_check_hook import DatasetCheckHook
from .random_state_hook import RandomStateHook
from .uet_hook import UETHook
from .weights_only_checkpoint_hook import WeightsOnlyCheckpointHook

__all__ = [
    'DatasetCheckHook', 'RandomStateHook', 'UETHook',
    'WeightsOnlyCheckpointHook'
]
