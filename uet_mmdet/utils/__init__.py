# Copyright (c) uet_mmdet authors. All rights reserved.
from uet_mmdet.benchmark.teacher_path import use_teacher_checkpoint
from .cli import (add_config_and_launcher_args, apply_cfg_options,
                  build_runner, close_distributed, exit_with_error,
                  load_tool_config)
from .config_checks import check_config
from .config_paths import ConfigCheckError
from .data_check import (DataCheck, check_config_data, check_training_data,
                         drop_bad_samples)
from .dataset_classes import match_num_classes
from .dry_run import (build_model_without_weights, dry_run,
                      random_detection_batch)
from .model_zoo import MODEL_ZOO, ZooWeights
from .setup_env import register_all_modules
from .teacher_checkpoint import check_teacher_checkpoint
from .weights_download import WeightsDownloadError, download_weights

__all__ = [
    'add_config_and_launcher_args', 'apply_cfg_options',
    'build_model_without_weights', 'download_weights', 'MODEL_ZOO',
    'build_runner', 'close_distributed', 'ConfigCheckError', 'check_config',
    'check_config_data', 'check_teacher_checkpoint', 'check_training_data',
    'DataCheck', 'drop_bad_samples', 'dry_run', 'exit_with_error',
    'load_tool_config', 'match_num_classes', 'random_detection_batch',
    'register_all_modules', 'use_teacher_checkpoint', 'WeightsDownloadError',
    'ZooWeights'
]
