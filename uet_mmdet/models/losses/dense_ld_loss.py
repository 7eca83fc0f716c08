# Copyright (c) uet_mmdet authors. All rights reserved.
import torch.nn.functional as F
from mmrazor.registry import MODELS
from torch import Tensor

from .dense_distill_loss import DenseDistillLoss


@MODELS.register_module()
class DenseLDLoss(DenseDistillLoss):
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
        super().__init__(tau, loss_weight)
        self.reg_max = reg_max

    def per_location(self, preds_S: Tensor, preds_T: Tensor) -> Tensor:
        """The KL divergences of the four sides' bin distributions, summed.

        Raises:
            ValueError: The logits do not have ``4 * (reg_max + 1)``
                channels.
        """
        n, channels, h, w = preds_S.shape
        if channels != 4 * (self.reg_max + 1):
            raise ValueError(
                f'DenseLDLoss(reg_max={self.reg_max}) expects '
                f'{4 * (self.reg_max + 1)} channels, got {channels}')
        bins = (n, 4, self.reg_max + 1, h, w)
        log_s = F.log_softmax(preds_S.view(bins) / self.tau, dim=2)
        log_t = F.log_softmax(preds_T.view(bins) / self.tau, dim=2)
        return (log_t.exp() * (log_t - log_s)).sum(dim=(1, 2))


__all__ = ['DenseLDLoss']
