# Copyright (c) uet_mmdet authors. All rights reserved.
from typing import Optional

from torch import Tensor, nn

from uet_mmdet.uncertainty import at_least_float32


class DenseDistillLoss(nn.Module):
    """A distillation loss of dense (N, C, H, W) logits: ``tau**2`` times a
    divergence per location (:meth:`per_location`), weighted per location
    when given a weight (UET's native hosts pass one) and averaged over
    locations.

    Args:
        tau (float): Temperature.
        loss_weight (float): Weight of the loss.
    """

    def __init__(self, tau: float, loss_weight: float) -> None:
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

        Returns:
            Tensor: The scalar loss.
        """
        # float32 at least: the divergences cancel terms of half precision
        preds_S = preds_S.to(at_least_float32(preds_S.dtype))
        preds_T = preds_T.detach().to(at_least_float32(preds_T.dtype))
        per_location = self.per_location(preds_S, preds_T) * self.tau**2
        if location_weight is not None:
            per_location = per_location * location_weight
        return self.loss_weight * per_location.mean()

    def per_location(self, preds_S: Tensor, preds_T: Tensor) -> Tensor:
        """The divergence from teacher to student at each location.

        Args:
            preds_S (Tensor): (N, C, H, W) student logits, float32 or wider.
            preds_T (Tensor): (N, C, H, W) teacher logits, detached.

        Returns:
            Tensor: (N, H, W).
        """
        raise NotImplementedError
