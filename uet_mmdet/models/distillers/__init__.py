# Copyright (c) uet_mmdet authors. All rights reserved.
from .uet_distiller import UETDistiller

__all__ = ['UETDistiller']
