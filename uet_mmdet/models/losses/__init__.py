# Copyright (c) uet_mmdet authors. All rights reserved.
from .fgd_loss import FGDLoss, GlobalContextBlock
from .fgd_masks import background_mask, fgd_masks, foreground_mask

__all__ = [
    'FGDLoss', 'GlobalContextBlock', 'background_mask', 'fgd_masks',
    'foreground_mask'
]
