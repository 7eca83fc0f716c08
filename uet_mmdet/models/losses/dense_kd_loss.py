# Copyright (c) uet_mmdet authors. All rights reserved.
import torch.nn.functional as F
from mmrazor.registry import MODELS
from torch import Tensor

from .dense_distill_loss import DenseDistillLoss


@MODELS.register_module()
class DenseKDLoss(DenseDistillLoss):
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
        super().__init__(tau, loss_weight)

    def per_location(self, preds_S: Tensor, preds_T: Tensor) -> Tensor:
        """The binary KL divergences, summed over channels."""
        logit_s = preds_S / self.tau
        logit_t = preds_T / self.tau
        prob_t = logit_t.sigmoid()
        kl = (
            prob_t * (F.logsigmoid(logit_t) - F.logsigmoid(logit_s)) +
            (1 - prob_t) * (F.logsigmoid(-logit_t) - F.logsigmoid(-logit_s)))
        return kl.sum(dim=1)


__all__ = ['DenseKDLoss']
