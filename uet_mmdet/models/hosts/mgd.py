# Copyright (c) uet_mmdet authors. All rights reserved.
"""MMRazor's MGD: summed squared differences over the batch size."""
import torch
from mmrazor.models.losses import MGDLoss
from torch import Tensor, nn

from .registry import HOST_ADAPTERS, HostAdapter, widened


@HOST_ADAPTERS.register(MGDLoss)
class MGDAdapter(HostAdapter):
    """Calls MGD on ``sqrt(w) * (S - T)`` against zero: its sum of squares
    is then ``sum w (S - T)**2`` and so is its gradient, up to the
    rounding of ``sqrt(w)**2`` (about 1e-7 relative in float32).

    The difference is taken before the weight enters, so no rounding of
    weighted inputs cancels where student and teacher agree.
    """

    examples = {'MGDLoss': dict(type='MGDLoss', alpha_mgd=0.5)}

    def weighted(self, host: nn.Module, weight: Tensor, preds_S: Tensor,
                 preds_T: Tensor) -> Tensor:
        """The host loss with a weight per location (see
        :meth:`HostAdapter.weighted`).
        """
        preds_S, preds_T = widened(preds_S, preds_T)
        weighted_diff = (preds_S - preds_T) * weight.sqrt().unsqueeze(1)
        return host(weighted_diff, torch.zeros_like(weighted_diff))


__all__ = ['MGDAdapter']
