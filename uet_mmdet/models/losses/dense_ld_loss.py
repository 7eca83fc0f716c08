# Copyright (c) uet_mmdet authors. All rights reserved.
from typing import Optional

import torch.nn.functional as F
from mmrazor.registry import MODELS
from torch import Tensor, nn

from uet_mmdet.uncertainty import at_least_float32


@MODELS.register_module()
class DenseLDLoss(nn.Module):
    """Localization distillation (Zheng et al., CVPR 2022) on GFL box bins.

    GFL predicts each box side as a distribution over ``reg_max + 1`` bins:
    (N, 4 * (reg_max + 1), H, W) logits. The loss is ``tau**2`` times the KL
    divergence of the softened student distribution from the teacher's,
    summed over bins and the four sides, averaged over locations (LD's
    ``KnowledgeDistillationKLDivLoss`` per side, applied densely).

    Args:
        reg_max (int): Last bin index; GFL's default is 16.
        tau (float): Temperature. Defaults to 10, as in LD.
        loss_weight (float): Weight of the loss. Defaults to 0.25, as in LD.
    """

    def __init__(self,
                 reg_max: int = 16,
                 tau: float = 10.0,
                 loss_weight: float = 0.25) -> None:
        super().__init__()
        self.reg_max = reg_max
        self.tau = tau
        self.loss_weight = loss_weight

    def forward(self,
                preds_S: Tensor,
                preds_T: Tensor,
                location_weight: Optional[Tensor] = None) -> Tensor:
        """Args:
            preds_S (Tensor): (N, 4 * (reg_max + 1), H, W) student logits.
            preds_T (Tensor): Teacher logits, same shape.
            location_weight (Tensor, optional): (N, H, W) weight per location.
        """
        n, channels, h, w = preds_S.shape
        if channels != 4 * (self.reg_max + 1):
            raise ValueError(
                f'DenseLDLoss(reg_max={self.reg_max}) expects '
                f'{4 * (self.reg_max + 1)} channels, got {channels}')
        bins = (n, 4, self.reg_max + 1, h, w)
        # float32 at least: the KL cancels terms of half precision logits
        preds_S = preds_S.to(at_least_float32(preds_S.dtype))
        preds_T = preds_T.detach().to(at_least_float32(preds_T.dtype))
        log_s = F.log_softmax(preds_S.view(bins) / self.tau, dim=2)
        log_t = F.log_softmax(preds_T.view(bins) / self.tau, dim=2)
        kl = (log_t.exp() * (log_t - log_s)).sum(dim=(1, 2))
        per_location = kl * self.tau**2
        if location_weight is not None:
            per_location = per_location * location_weight
        return self.loss_weight * per_location.mean()


__all__ = ['DenseLDLoss']
