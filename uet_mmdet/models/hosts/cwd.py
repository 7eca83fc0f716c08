# Copyright (c) uet_mmdet authors. All rights reserved.
"""MMRazor's channel-wise divergence: KL of spatial softmaxes."""
import torch.nn.functional as F
from mmrazor.models.losses import ChannelWiseDivergence
from torch import Tensor, nn

from .registry import HOST_ADAPTERS, HostAdapter, widened


@HOST_ADAPTERS.register(ChannelWiseDivergence)
class CWDAdapter(HostAdapter):
    """Weighted generalised KL: ``sum w (p log(p/q) - p + q)``, minimal at
    ``q = p`` and equal to CWD for ``w = 1``.

    Re-implemented: the softmax runs over the locations, so a weight on the
    inputs would change the distributions, and a weight on CWD's own KL
    terms would move its minimum away from ``q = p``.
    """

    examples = {
        'ChannelWiseDivergence':
        dict(type='ChannelWiseDivergence', tau=2.0, loss_weight=3.0)
    }

    def weighted(self, host: nn.Module, weight: Tensor, preds_S: Tensor,
                 preds_T: Tensor) -> Tensor:
        """The host loss with a weight per location (see
        :meth:`HostAdapter.weighted`).
        """
        preds_S, preds_T = widened(preds_S, preds_T)
        n, c, h, w = preds_S.shape
        log_t = F.log_softmax(preds_T.view(n, c, h * w) / host.tau, dim=2)
        log_s = F.log_softmax(preds_S.view(n, c, h * w) / host.tau, dim=2)
        prob_t = log_t.exp()
        divergence = prob_t * (log_t - log_s) - prob_t + log_s.exp()
        per_element = divergence * weight.view(n, 1, h * w)
        return host.loss_weight * per_element.sum() * host.tau**2 / (c * n)


__all__ = ['CWDAdapter']
