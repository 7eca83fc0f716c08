# Copyright (c) uet_mmdet authors. All rights reserved.
"""Fixes for the pinned OpenMMLab stack on today's torch.

Importing this package installs the fixes; it must run before anything imports
``mmrazor`` (``uet_mmdet/__init__.py`` imports it first).
"""
from .checkpoint import (RESUME_GLOBALS, UnsafeCheckpointError,
                         allow_resume_globals, install_weights_only_loader)
from .config_scope import install_config_scope
from .mmrazor_quantization import (QuantizationUnavailableError,
                                   install_mmrazor_quantization_stub)

install_mmrazor_quantization_stub()
install_weights_only_loader()
install_config_scope()

__all__ = [
    'RESUME_GLOBALS', 'UnsafeCheckpointError', 'allow_resume_globals',
    'install_weights_only_loader', 'QuantizationUnavailableError',
    'install_mmrazor_quantization_stub', 'install_config_scope'
]
