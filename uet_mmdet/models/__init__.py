# Copyright (c) uet_mmdet authors. All rights reserved.
from .detector_from_config import build_detector_from_config

__all__ = ['build_detector_from_config']
