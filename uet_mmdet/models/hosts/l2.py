# Copyright (c) uet_mmdet authors. All rights reserved.
"""MMRazor's L2 loss: summed squared differences, their root with
``dist``, of features normalised per sample with ``normalize``."""
import torch
from mmrazor.models.losses import L2Loss
from torch import Tensor, nn

from uet_mmdet.uncertainty import power_of_two_scale
from .registry import HOST_ADAPTERS, HostAdapter, widened


@HOST_ADAPTERS.register(L2Loss)
class L2Adapter(HostAdapter):
    """Without ``normalize``, calls the L2 loss on ``sqrt(w) * (S - T)``
    against zero: ``sum w (S - T)**2`` (or its root), gradient too, up to
    the rounding of ``sqrt(w)**2``. With ``dist`` the difference is first
    divided by a power of two near its largest magnitude and the loss
    multiplied back by it (exact), so the distance is finite wherever it
    fits, whatever its square.

    With ``normalize`` it is re-implemented: the host divides each sample by
    its norm over all locations (a weight on its inputs would change that)
    and squares unguarded features for the norm.
    """

    student_arg = 's_feature'
    teacher_arg = 't_feature'
    examples = {
        'L2Loss': dict(type='L2Loss', normalize=False, div_element=True),
        'L2Loss-normalized': dict(type='L2Loss', normalize=True, mult=2.0),
        'L2Loss-dist': dict(type='L2Loss', normalize=False, dist=True),
    }

    def weighted(self, host: nn.Module, weight: Tensor, s_feature: Tensor,
                 t_feature: Tensor) -> Tensor:
        """The host loss with a weight per location (see
        :meth:`HostAdapter.weighted`).
        """
        s_feature, t_feature = widened(s_feature, t_feature)
        if host.normalize:
            return self._normalized_weighted(host, weight, s_feature,
                                             t_feature)
        diff = s_feature - t_feature
        scale = _distance_scale(diff) if host.dist else 1.0
        weighted_diff = diff / scale * weight.sqrt().unsqueeze(1)
        return host(weighted_diff, torch.zeros_like(weighted_diff)) * scale

    def _normalized_weighted(self, host: nn.Module, weight: Tensor,
                             s_feature: Tensor, t_feature: Tensor) -> Tensor:
        diff = (_normalized(host, s_feature) -
                _normalized(host, t_feature)).view_as(s_feature)
        if host.dist:
            scale = _distance_scale(diff)
            loss = ((diff / scale).pow(2) * weight.unsqueeze(1)).sum()
            loss = torch.sqrt(loss) * scale
        else:
            loss = (diff.pow(2) * weight.unsqueeze(1)).sum()
            if host.div_element:
                loss = loss / s_feature.numel()
            else:
                loss = loss / s_feature.size(0)
        return host.loss_weight * loss


def _distance_scale(diff: Tensor) -> Tensor:
    return power_of_two_scale(diff.detach().abs().amax())


def _normalized(host: nn.Module, feature: Tensor) -> Tensor:
    """``host.normalize_feature`` (each sample over its L2 norm, times
    ``mult``) on the sample divided by a power of two near its largest
    magnitude first: the same value, but the norm's squares of features of
    any magnitude stay in range."""
    flat = feature.view(feature.size(0), -1)
    flat = flat / power_of_two_scale(flat.detach().abs().amax(
        dim=1, keepdim=True))
    return flat / flat.norm(2, dim=1, keepdim=True) * host.mult


__all__ = ['L2Adapter']
