# Copyright (c) uet_mmdet authors. All rights reserved.
from .dense_kd_loss import DenseKDLoss
from .dense_ld_loss import DenseLDLoss
from .fgd_loss import FGDLoss, GlobalContextBlock
from .fgd_masks import background_mask, fgd_masks, foreground_mask
from .location_weighted import HOSTS, HostSpec, host_spec
from .uet_loss import UETLoss, residual_target

__all__ = [
    'DenseKDLoss', 'DenseLDLoss', 'FGDLoss', 'GlobalContextBlock', 'HOSTS',
    'HostSpec', 'UETLoss', 'background_mask', 'fgd_masks', 'foreground_mask',
    'host_spec', 'residual_target'
]
