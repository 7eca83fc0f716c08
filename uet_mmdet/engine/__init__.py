# Copyright (c) uet_mmdet authors. All rights reserved.
from .runners import UETRunner

__all__ = ['UETRunner']
