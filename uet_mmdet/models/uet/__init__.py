# Copyright (c) uet_mmdet authors. All rights reserved.
"""EXTRACT + TRANSFER settings shared by the UET loss wrapper and distiller."""
from .settings import (MEASURES, MODES, RESIDUAL_SCALES, UETConfigError,
                       UETSettings, check_choice)

__all__ = [
    'MEASURES', 'MODES', 'RESIDUAL_SCALES', 'UETConfigError', 'UETSettings',
    'check_choice'
]
