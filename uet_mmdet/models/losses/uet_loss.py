# Copyright (c) uet_mmdet authors. All rights reserved.
from typing import Dict, Optional, Union

import torch
from mmrazor.registry import MODELS
from torch import Tensor, nn

from uet_mmdet.uncertainty import (UncertaintyEstimate, at_least_float32,
                                   mean_one_weights, power_of_two_scale)
from ..hosts.registry import HOST_ADAPTERS
from ..uet import UETConfigError, check_transfer


def residual_target(teacher: Tensor, mc_mean: Tensor, scale: str) -> Tensor:
    """The paper's residual integration: ``F_T + U_K`` or its half, in
    float32 at least (a half precision sum can overflow), the half taken
    term by term (no overflow near the dtype's largest value)."""
    dtype = torch.promote_types(at_least_float32(teacher.dtype), mc_mean.dtype)
    teacher, mc_mean = teacher.to(dtype), mc_mean.to(dtype)
    if scale == 'mean':
        return teacher / 2 + mc_mean / 2
    return teacher + mc_mean


@torch.no_grad()
def norm_ratio(target: Tensor, teacher: Tensor) -> Tensor:
    """``||target|| / ||teacher||`` in float32 at least, both divided first
    by a power of two near the teacher's largest magnitude (exact), so that
    no sum of squares over- or underflows; ``||teacher||`` is at least
    1e-12."""
    dtype = torch.promote_types(at_least_float32(teacher.dtype), target.dtype)
    teacher, target = teacher.to(dtype), target.to(dtype)
    scale = power_of_two_scale(teacher.abs().amax())
    return ((target / scale).norm() /
            (teacher / scale).norm().clamp(min=1e-12))


@MODELS.register_module()
class UETLoss(nn.Module):
    """Makes a host distillation loss uncertainty-aware.

    - ``residual``: the host's teacher tensor ``F_T`` is replaced by
      ``F_T + U_K`` (or ``(F_T + U_K) / 2``), U_K the MC-dropout mean, so
      everything the host derives from the teacher (FGD's attention, PKD's
      normalisation, CWD's distributions) is computed from it.
    - ``weight``: the host's per-location loss is scaled by the teacher's
      confidence, rescaled to average 1 per image, so the loss scale and the
      host's own weights are unchanged.
    - ``both``: the two together. ``off`` (or no estimate): the host alone.

    Under mixed precision the residual target and the weights are float32
    (at least); the per-location losses of the weighted hosts are computed
    in float32 too (see :mod:`uet_mmdet.models.hosts`).

    :class:`UETDistiller` wraps its losses in this class and passes the
    ``uncertainty`` of each loss's teacher tensor.

    Args:
        host (dict | nn.Module): The host loss or its config; its class
            (or a base class) needs an adapter in
            :data:`~uet_mmdet.models.hosts.HOST_ADAPTERS`.
        mode (str): ``'off'``, ``'residual'``, ``'weight'`` or ``'both'``.
        residual_scale (str): ``'sum'`` or ``'mean'``.
    """

    def __init__(self,
                 host: Union[dict, nn.Module],
                 mode: str = 'both',
                 residual_scale: str = 'mean') -> None:
        super().__init__()
        check_transfer(mode, residual_scale)
        self.host = MODELS.build(host) if isinstance(host, dict) else host
        try:
            self.adapter = HOST_ADAPTERS.get(self.host)
        except UETConfigError as error:  # keyed from the host's own config
            raise error.within('host') from None
        self.mode = mode
        self.residual_scale = residual_scale
        self.stats: Dict[str, Tensor] = {}

    @property
    def teacher_arg(self) -> str:
        """The host forward argument that takes the teacher tensor."""
        return self.adapter.teacher_arg

    def forward(self,
                uncertainty: Optional[UncertaintyEstimate] = None,
                **host_kwargs):
        """The host loss on ``host_kwargs``, changed by ``uncertainty``.

        Args:
            uncertainty (UncertaintyEstimate, optional): Estimate for the
                teacher tensor ``host_kwargs[self.teacher_arg]``.
            **host_kwargs: The host loss's own arguments.
        """
        self.stats = {}
        if uncertainty is None or self.mode == 'off':
            return self.host(**host_kwargs)
        teacher = host_kwargs[self.teacher_arg]
        if uncertainty.mc_mean.shape != teacher.shape:
            raise ValueError(
                f'uncertainty estimate of shape '
                f'{tuple(uncertainty.mc_mean.shape)} for a teacher tensor of '
                f'shape {tuple(teacher.shape)}')
        if self.mode in ('residual', 'both'):
            target = residual_target(teacher, uncertainty.mc_mean,
                                     self.residual_scale)
            self.stats['norm_ratio'] = norm_ratio(target, teacher)
            host_kwargs[self.teacher_arg] = target
        if self.mode == 'residual':
            return self.host(**host_kwargs)
        weight = mean_one_weights(uncertainty.confidence)
        with torch.no_grad():
            self.stats['downweighted'] = (weight < 0.5).float().mean()
        return self.adapter.weighted(self.host, weight, **host_kwargs)


__all__ = ['UETLoss', 'norm_ratio', 'residual_target']
