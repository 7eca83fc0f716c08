# Copyright (c) uet_mmdet authors. All rights reserved.
from typing import Optional

import torch.nn.functional as F
from mmrazor.registry import MODELS
from torch import Tensor, nn

from uet_mmdet.uncertainty import at_least_float32


@MODELS.register_module()
class DenseKDLoss(nn.Module):
    """Logit distillation for dense sigmoid classifiers (RetinaNet, GFL).

    Every channel of the (N, A*C, H, W) classification logits is a one-vs-all
    sigmoid, so the teacher's knowledge at a location is a binary
    distribution per channel. The loss is ``tau**2`` times the binary KL
    divergence from teacher to student at temperature ``tau``, summed over
    channels and averaged over locations.

    Args:
        tau (float): Temperature. Defaults to 1.0.
        loss_weight (float): Weight of the loss. Defaults to 1.0.
    """

    def __init__(self, tau: float = 1.0, loss_weight: float = 1.0) -> None:
        super().__init__()
        self.tau = tau
        self.loss_weight = loss_weight

    def forward(self,
                preds_S: Tensor,
                preds_T: Tensor,
                location_weight: Optional[Tensor] = None) -> Tensor:
        """Args:
            preds_S (Tensor): (N, C, H, W) student logits.
            preds_T (Tensor): (N, C, H, W) teacher logits.
            location_weight (Tensor, optional): (N, H, W) weight per location.
        """
        # float32 at least: the KL cancels terms of half precision logits
        preds_T = preds_T.detach()
        logit_s = preds_S.to(at_least_float32(preds_S.dtype)) / self.tau
        logit_t = preds_T.to(at_least_float32(preds_T.dtype)) / self.tau
        prob_t = logit_t.sigmoid()
        kl = (
            prob_t * (F.logsigmoid(logit_t) - F.logsigmoid(logit_s)) +
            (1 - prob_t) * (F.logsigmoid(-logit_t) - F.logsigmoid(-logit_s)))
        per_location = kl.sum(dim=1) * self.tau**2
        if location_weight is not None:
            per_location = per_location * location_weight
        return self.loss_weight * per_location.mean()


__all__ = ['DenseKDLoss']
