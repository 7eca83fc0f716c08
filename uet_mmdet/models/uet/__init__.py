# Copyright (c) uet_mmdet authors. All rights reserved.
"""EXTRACT + TRANSFER settings shared by the UET loss wrapper and distiller."""
from .settings import (MAPPINGS, MODES, RESIDUAL_SCALES, UETConfigError,
                       UETSettings, check_transfer, registered_measures)

__all__ = [
    'MAPPINGS', 'MODES', 'RESIDUAL_SCALES', 'UETConfigError', 'UETSettings',
    'check_transfer', 'registered_measures'
]
