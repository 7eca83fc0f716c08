# Copyright (c) uet_mmdet authors. All rights reserved.
from .dense_distill_loss import DenseDistillLoss
from .dense_kd_loss import DenseKDLoss
from .dense_ld_loss import DenseLDLoss
from .fgd_loss import FGDLoss, GlobalContextBlock
from .fgd_masks import background_mask, fgd_masks, foreground_mask
from .uet_loss import UETLoss, residual_target

__all__ = [
    'DenseDistillLoss', 'DenseKDLoss', 'DenseLDLoss', 'FGDLoss',
    'GlobalContextBlock', 'UETLoss', 'background_mask', 'fgd_masks',
    'foreground_mask', 'residual_target'
]
