# Copyright (c) uet_mmdet authors. All rights reserved.
from .cli import exit_with_error, load_tool_config
from .config_checks import ConfigCheckError, check_config
from .setup_env import register_all_modules

__all__ = [
    'ConfigCheckError', 'check_config', 'exit_with_error', 'load_tool_config',
    'register_all_modules'
]
