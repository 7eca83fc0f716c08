# Copyright (c) uet_mmdet authors. All rights reserved.
"""Fixes for the pinned OpenMMLab stack on today's torch.

Importing this package installs both fixes; it must run before anything imports
``mmrazor`` (``uet_mmdet/__init__.py`` imports it first).
"""
from .checkpoint import (RESUME_GLOBALS, UnsafeCheckpointError,
                         allow_resume_globals, install_weights_only_loader)
from .mmrazor_quantization import (QuantizationUnavailableError,
                                   install_mmrazor_quantization_stub)

install_mmrazor_quantization_stub()
install_weights_only_loader()

__all__ = [
    'RESUME_GLOBALS', 'UnsafeCheckpointError', 'allow_resume_globals',
    'install_weights_only_loader', 'QuantizationUnavailableError',
    'install_mmrazor_quantization_stub'
]
