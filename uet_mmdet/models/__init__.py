# Copyright (c) uet_mmdet authors. All rights reserved.
from .detector_from_config import build_detector_from_config
from .distillers import UETDistiller
from .losses import FGDLoss, GlobalContextBlock

__all__ = [
    'build_detector_from_config', 'UETDistiller', 'FGDLoss',
    'GlobalContextBlock'
]
