# Copyright (c) uet_mmdet authors. All rights reserved.
"""This project's losses: they take ``location_weight`` themselves."""
from typing import Dict, Union

from torch import Tensor, nn

from ..losses.dense_kd_loss import DenseKDLoss
from ..losses.dense_ld_loss import DenseLDLoss
from ..losses.fgd_loss import FGDLoss
from .registry import EXAMPLE_CHANNELS, HOST_ADAPTERS, HostAdapter


@HOST_ADAPTERS.register(DenseKDLoss, DenseLDLoss, FGDLoss)
class NativeAdapter(HostAdapter):
    """Passes the weight to the host's ``location_weight`` argument."""

    examples = {
        'FGDLoss':
        dict(
            type='FGDLoss',
            student_channels=EXAMPLE_CHANNELS,
            teacher_channels=EXAMPLE_CHANNELS,
            alpha_fgd=0.1,
            beta_fgd=0.05,
            gamma_fgd=0.1,
            lambda_fgd=0.01),
        'DenseKDLoss':
        dict(type='DenseKDLoss', tau=2.0),
        'DenseLDLoss':
        dict(type='DenseLDLoss', reg_max=3),
    }

    def weighted(self, host: nn.Module, weight: Tensor,
                 **host_kwargs) -> Union[Tensor, Dict[str, Tensor]]:
        """The host loss with a weight per location (see
        :meth:`HostAdapter.weighted`).
        """
        return host(**host_kwargs, location_weight=weight)


__all__ = ['NativeAdapter']
