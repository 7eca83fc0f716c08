# Copyright (c) uet_mmdet authors. All rights reserved.
"""Host losses with a per-location weight: what UET's ``weight`` mode needs.

This project's losses take ``location_weight`` themselves. For MMRazor's
losses the functions below redo the loss with each location's contribution
scaled; with a weight of one everywhere they give the host's value (tested
for every host). They compute in float32 at least: under autocast the hosts'
own ``mse_loss`` runs in float32, and squares of float16 features overflow.
"""
from typing import Callable, Dict, NamedTuple, Tuple

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from uet_mmdet.uncertainty import at_least_float32, power_of_two_scale


def _wide(*tensors: Tensor) -> Tuple[Tensor, ...]:
    """The tensors in float32 at least (float64 stays)."""
    return tuple(t.to(at_least_float32(t.dtype)) for t in tensors)


class HostSpec(NamedTuple):
    """Where a host loss takes the student and teacher tensors."""
    student_arg: str
    teacher_arg: str
    weighted: Callable[..., Tensor]


def _native(host: nn.Module, weight: Tensor, **kwargs) -> Tensor:
    return host(**kwargs, location_weight=weight)


def _pkd(host: nn.Module, weight: Tensor, preds_S: Tensor,
         preds_T: Tensor) -> Tensor:
    if not isinstance(preds_S, Tensor):
        raise TypeError('UET wraps PKDLoss on one feature map per loss; '
                        'give each level its own loss')
    preds_S, preds_T = _wide(preds_S, preds_T)
    if preds_S.shape[2:] != preds_T.shape[2:]:
        if host.resize_stu:
            preds_S = F.interpolate(preds_S, preds_T.shape[2:],
                                    mode='bilinear')
        else:
            preds_T = F.interpolate(preds_T, preds_S.shape[2:],
                                    mode='bilinear')
            weight = F.interpolate(weight.unsqueeze(1), preds_S.shape[2:],
                                   mode='nearest').squeeze(1)
    squared = (host.norm(preds_S) - host.norm(preds_T)).pow(2)
    return (squared * weight.unsqueeze(1)).mean() / 2 * host.loss_weight


def _cwd(host: nn.Module, weight: Tensor, preds_S: Tensor,
         preds_T: Tensor) -> Tensor:
    """Weighted generalised KL: ``sum w (p log(p/q) - p + q)``, min at q=p."""
    preds_S, preds_T = _wide(preds_S, preds_T)
    n, c, h, w = preds_S.shape
    log_t = F.log_softmax(preds_T.view(n, c, h * w) / host.tau, dim=2)
    log_s = F.log_softmax(preds_S.view(n, c, h * w) / host.tau, dim=2)
    prob_t = log_t.exp()
    divergence = prob_t * (log_t - log_s) - prob_t + log_s.exp()
    per_element = divergence * weight.view(n, 1, h * w)
    return host.loss_weight * per_element.sum() * host.tau**2 / (c * n)


def _mgd(host: nn.Module, weight: Tensor, preds_S: Tensor,
         preds_T: Tensor) -> Tensor:
    preds_S, preds_T = _wide(preds_S, preds_T)
    squared = (preds_S - preds_T).pow(2) * weight.unsqueeze(1)
    return squared.sum() / preds_T.shape[0] * host.alpha_mgd


def _l2(host: nn.Module, weight: Tensor, s_feature: Tensor,
        t_feature: Tensor) -> Tensor:
    s_feature, t_feature = _wide(s_feature, t_feature)
    if host.normalize:
        s_feature = _normalized(host, s_feature).view_as(t_feature)
        t_feature = _normalized(host, t_feature).view_as(s_feature)
    diff = s_feature - t_feature
    if host.dist:
        # the distance fits where its square may not: the root of the sum
        # of squares of diff / 2**e, times 2**e (exact: the same in range)
        scale = power_of_two_scale(diff.detach().abs().amax())
        loss = ((diff / scale).pow(2) * weight.unsqueeze(1)).sum()
        loss = torch.sqrt(loss) * scale
    else:
        loss = (diff.pow(2) * weight.unsqueeze(1)).sum()
        if host.div_element:
            loss = loss / s_feature.numel()
        else:
            loss = loss / s_feature.size(0)
    return host.loss_weight * loss


def _normalized(host: nn.Module, feature: Tensor) -> Tensor:
    """``host.normalize_feature`` (each sample over its L2 norm, times
    ``mult``) on the sample divided by a power of two near its largest
    magnitude first: the same value, but the norm's squares of features of
    any magnitude stay in range."""
    flat = feature.view(feature.size(0), -1)
    flat = flat / power_of_two_scale(
        flat.detach().abs().amax(dim=1, keepdim=True))
    return flat / flat.norm(2, dim=1, keepdim=True) * host.mult


HOSTS: Dict[str, HostSpec] = {
    'FGDLoss': HostSpec('preds_S', 'preds_T', _native),
    'DenseKDLoss': HostSpec('preds_S', 'preds_T', _native),
    'DenseLDLoss': HostSpec('preds_S', 'preds_T', _native),
    'PKDLoss': HostSpec('preds_S', 'preds_T', _pkd),
    'ChannelWiseDivergence': HostSpec('preds_S', 'preds_T', _cwd),
    'MGDLoss': HostSpec('preds_S', 'preds_T', _mgd),
    'L2Loss': HostSpec('s_feature', 't_feature', _l2),
}


def host_spec(host: nn.Module) -> HostSpec:
    """The :class:`HostSpec` of a built host loss; ``KeyError`` if unknown."""
    return HOSTS[type(host).__name__]


__all__ = ['HOSTS', 'HostSpec', 'host_spec']
