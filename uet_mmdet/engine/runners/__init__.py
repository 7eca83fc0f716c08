# Copyright (c) uet_mmdet authors. All rights reserved.
from .uet_runner import UETRunner

__all__ = ['UETRunner']
