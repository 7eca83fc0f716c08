# Copyright (c) uet_mmdet authors. All rights reserved.
"""The ``uet`` block of a distiller config, validated when the model is built.
"""
from dataclasses import dataclass, field, fields
from typing import Dict, List, Optional, Sequence, Union

import torch

from uet_mmdet.uncertainty import check_rates, dropout_schedule

MODES = ('off', 'residual', 'weight', 'both')
RESIDUAL_SCALES = ('sum', 'mean')
LEVELS = ('feature', 'module', 'layer')
MEASURES = ('variance', 'relative_variance', 'mutual_information',
            'entropy')
OutputPath = Union[int, Sequence[int]]


class UETConfigError(ValueError):
    """A ``uet`` setting that cannot work; raised when the model is built."""


@dataclass
class UETSettings:
    """What UET does to a host distillation.

    Args:
        mode (str): ``'residual'``: the teacher target becomes
            ``F_T + U_K`` (the paper's residual integration);
            ``'weight'``: the host's per-location loss is weighted by the
            teacher's confidence; ``'both'``; ``'off'``: the host alone.
        residual_scale (str): ``'sum'`` for ``F_T + U_K``, ``'mean'`` for the
            scale-preserving ``(F_T + U_K) / 2``.
        num_samples (int): K, the number of MC-dropout samples.
        rate (float, optional): One dropout rate for every sample. When
            ``None``, the paper's schedule ``p_k = p0 + k * delta``.
        p0 (float): First rate of the schedule.
        delta (float): Step of the schedule.
        channel_wise (bool): Drop whole channels (Dropout2d) instead of
            elements.
        level (str): ``'feature'``: dropout on the distilled teacher feature
            itself (its variance is ``F_T**2 * p / (1 - p)``: fine for the
            residual target, no information for weighting); ``'module'``:
            dropout on the inputs of the teacher ``module``, re-run K times in
            one batch; ``'layer'``: dropout on the input of the convolution
            that outputs each distilled tensor (e.g. ``neck.fpn_convs.i``),
            whose MC moments are computed without sampling (exact variance,
            one extra convolution per level).
        module (str): Teacher submodule re-run at module level, e.g.
            ``'neck'`` (on the backbone outputs) or ``'bbox_head'`` (on the
            FPN outputs).
        outputs (dict): Module level: teacher recorder name -> index path into
            the module's output whose MC samples estimate that recorder's
            tensor. When the path ends on a sequence (one tensor per FPN
            level), the record index of the loss picks the element.
        measure (str): Uncertainty per location: ``'variance'`` (channel mean
            of the MC variance), ``'relative_variance'`` (that divided by the
            channel mean of the squared MC mean: spread relative to signal),
            ``'mutual_information'`` or ``'entropy'`` (of sigmoid class
            probabilities; for classification logits).
        tau (float): Relative temperature of the confidence
            ``c = exp(-u / (tau * mean(u)))``.
        losses (list[str], optional): Distill losses to wrap; all when
            ``None``.
    """

    mode: str = 'weight'
    residual_scale: str = 'mean'
    num_samples: int = 5
    rate: Optional[float] = None
    p0: float = 0.15
    delta: float = 0.05
    channel_wise: bool = False
    level: str = 'module'
    module: Optional[str] = 'neck'
    outputs: Dict[str, OutputPath] = field(default_factory=dict)
    measure: str = 'relative_variance'
    tau: float = 1.0
    losses: Optional[List[str]] = None

    @classmethod
    def from_config(cls, config: Optional[dict]) -> 'UETSettings':
        """Build from a config dict, naming any unknown key."""
        config = dict(config or {})
        known = {item.name for item in fields(cls)}
        unknown = sorted(set(config) - known)
        if unknown:
            raise UETConfigError(
                f'unknown uet setting(s) {unknown}; known: {sorted(known)}')
        settings = cls(**config)
        settings.validate()
        return settings

    @property
    def enabled(self) -> bool:
        return self.mode != 'off'

    def validate(self) -> None:
        """Raise :class:`UETConfigError` for a setting that cannot work."""
        check_choice('mode', self.mode, MODES)
        check_choice('residual_scale', self.residual_scale, RESIDUAL_SCALES)
        check_choice('level', self.level, LEVELS)
        check_choice('measure', self.measure, MEASURES)
        if not self.enabled:
            return
        if not isinstance(self.num_samples, int) or self.num_samples < 1:
            raise UETConfigError(
                f'uet.num_samples (K) must be an integer >= 1 when UET is on '
                f"(mode={self.mode!r}), got {self.num_samples!r}; use "
                "mode='off' to turn UET off")
        try:
            self.rates()
        except ValueError as error:
            raise UETConfigError(f'uet dropout rates: {error}') from None
        if self.tau <= 0:
            raise UETConfigError(f'uet.tau must be > 0, got {self.tau}')
        if self.level == 'module':
            if not self.module:
                raise UETConfigError(
                    "uet.level='module' needs uet.module, the teacher "
                    "submodule to re-run (e.g. 'neck')")
            if not self.outputs:
                raise UETConfigError(
                    "uet.level='module' needs uet.outputs: teacher recorder "
                    'name -> index into the module output')
        if self.measure in ('mutual_information',
                            'entropy') and self.level != 'module':
            raise UETConfigError(
                f'uet.measure={self.measure!r} needs level=\'module\' (only '
                'a re-run head gives samples of logits)')
        if self.level == 'layer' and self.channel_wise:
            raise UETConfigError(
                "uet.level='layer' computes moments for element-wise masks; "
                'channel_wise=True needs level=\'module\' or \'feature\'')

    def rates(self, factor: float = 1.0) -> torch.Tensor:
        """The K dropout rates, scaled by ``factor`` (annealing)."""
        if self.rate is not None:
            rates = torch.full((self.num_samples, ),
                               float(self.rate),
                               dtype=torch.float64)
        else:
            rates = dropout_schedule(self.num_samples, self.p0, self.delta)
        return check_rates(rates * factor)


def check_choice(name: str,
                 value: str,
                 choices: Sequence[str],
                 owner: str = 'uet') -> None:
    """Raise :class:`UETConfigError` unless ``value`` is one of ``choices``.
    """
    if value not in choices:
        raise UETConfigError(
            f'{owner}.{name} must be one of {list(choices)}, got {value!r}')


__all__ = [
    'MODES', 'RESIDUAL_SCALES', 'UETConfigError', 'UETSettings',
    'check_choice'
]
