# Copyright (c) uet_mmdet authors. All rights reserved.
"""MMRazor's PKD: MSE of features standardised per channel."""
import torch.nn.functional as F
from mmrazor.models.losses import PKDLoss
from torch import Tensor, nn

from .registry import HOST_ADAPTERS, HostAdapter, widened


@HOST_ADAPTERS.register(PKDLoss)
class PKDAdapter(HostAdapter):
    """Weights PKD's squared differences of the standardised features.

    Re-implemented: PKD standardises each channel over all locations, so a
    weight on its inputs would change the standardisation; it enters after
    ``host.norm``, inside the mean.
    """

    examples = {'PKDLoss': dict(type='PKDLoss', loss_weight=6.0)}

    def weighted(self, host: nn.Module, weight: Tensor, preds_S: Tensor,
                 preds_T: Tensor) -> Tensor:
        """The host loss with a weight per location (see
        :meth:`HostAdapter.weighted`).
        """
        if not isinstance(preds_S, Tensor):
            raise TypeError('UET wraps PKDLoss on one feature map per loss; '
                            'give each level its own loss')
        preds_S, preds_T = widened(preds_S, preds_T)
        if preds_S.shape[2:] != preds_T.shape[2:]:
            if host.resize_stu:
                preds_S = F.interpolate(
                    preds_S, preds_T.shape[2:], mode='bilinear')
            else:
                preds_T = F.interpolate(
                    preds_T, preds_S.shape[2:], mode='bilinear')
                weight = F.interpolate(
                    weight.unsqueeze(1), preds_S.shape[2:],
                    mode='nearest').squeeze(1)
        squared = (host.norm(preds_S) - host.norm(preds_T)).pow(2)
        return (squared * weight.unsqueeze(1)).mean() / 2 * host.loss_weight


__all__ = ['PKDAdapter']
