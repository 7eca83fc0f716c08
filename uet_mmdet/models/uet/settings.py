# Copyright (c) uet_mmdet authors. All rights reserved.
"""The ``uet`` block of a distiller config, validated when the model is built.
"""
from dataclasses import dataclass, field, fields
from typing import Dict, List, Optional, Sequence, Union

import torch

from uet_mmdet.registry import ESTIMATORS
from uet_mmdet.uncertainty import check_rates, dropout_schedule

MODES = ('off', 'residual', 'weight', 'both')
RESIDUAL_SCALES = ('sum', 'mean')
MEASURES = ('variance', 'relative_variance', 'mutual_information',
            'entropy')
MAPPINGS = ('exp', 'rank')
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
        samples_per_rate (int): Each of the K rates drives this many
            samples (an MC reference with more samples of the same rates).
        channel_wise (bool): Drop whole channels (Dropout2d) instead of
            elements.
        level (str): The estimator, by its name in
            :data:`uet_mmdet.registry.ESTIMATORS`: ``'feature'`` (dropout on
            the distilled tensor itself), ``'module'`` (dropout on the inputs
            of the teacher ``module``, re-run K times in one batch),
            ``'layer'`` (moments of dropout before the convolution that
            outputs each distilled tensor), ``'head'`` (dropout on the FPN
            outputs, the teacher ``head`` re-run, the map from its outputs
            at each level) and ``'head_moments'`` (the same map without
            sampling). See ``uet_mmdet/models/estimators/``.
        module (str): Teacher submodule re-run at module level, e.g.
            ``'neck'`` (on the backbone outputs) or ``'bbox_head'`` (on the
            FPN outputs).
        head (str): The teacher's dense head, for the head levels.
        outputs (dict): Module level: teacher recorder name -> index path into
            the module's output whose MC samples estimate that recorder's
            tensor. When the path ends on a sequence (one tensor per FPN
            level), the record index of the loss picks the element.
        measure (str): Uncertainty per location: ``'variance'`` (channel mean
            of the MC variance; at head level, of the box regression),
            ``'relative_variance'`` (that divided by the channel mean of the
            squared MC mean: spread relative to signal),
            ``'mutual_information'`` or ``'entropy'`` (of sigmoid class
            probabilities; for classification logits). Each level offers
            some of them.
        mapping (str): Uncertainty -> confidence: ``'exp'`` for
            ``c = exp(-u / (tau * mean(u)))``, ``'rank'`` for one minus the
            location's uncertainty quantile within the image.
        tau (float): Relative temperature of the ``'exp'`` mapping.
        floor (float): Lowest confidence: ``c <- floor + (1 - floor) * c``.
        shuffle (bool): The control of a benchmark: each image's confidence
            map permuted at random over its locations (the same values, no
            information about where).
        losses (list[str], optional): Distill losses to wrap; all when
            ``None``.
    """

    mode: str = 'weight'
    residual_scale: str = 'mean'
    num_samples: int = 5
    rate: Optional[float] = None
    p0: float = 0.15
    delta: float = 0.05
    samples_per_rate: int = 1
    channel_wise: bool = False
    level: str = 'module'
    module: Optional[str] = 'neck'
    head: str = 'bbox_head'
    outputs: Dict[str, OutputPath] = field(default_factory=dict)
    measure: str = 'relative_variance'
    mapping: str = 'exp'
    tau: float = 1.0
    floor: float = 0.0
    shuffle: bool = False
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
        estimator = ESTIMATORS.get(self.level)
        if estimator is None:
            check_choice('level', self.level, sorted(ESTIMATORS.module_dict))
        check_choice('measure', self.measure, MEASURES)
        check_choice('mapping', self.mapping, MAPPINGS)
        if not self.enabled:
            return
        if not isinstance(self.num_samples, int) or self.num_samples < 1:
            raise UETConfigError(
                f'uet.num_samples (K) must be an integer >= 1 when UET is on '
                f"(mode={self.mode!r}), got {self.num_samples!r}; use "
                "mode='off' to turn UET off")
        if not isinstance(self.samples_per_rate,
                          int) or self.samples_per_rate < 1:
            raise UETConfigError('uet.samples_per_rate must be an integer '
                                 f'>= 1, got {self.samples_per_rate!r}')
        try:
            self.rates()
        except ValueError as error:
            raise UETConfigError(f'uet dropout rates: {error}') from None
        if self.tau <= 0:
            raise UETConfigError(f'uet.tau must be > 0, got {self.tau}')
        if not 0 <= self.floor < 1:
            raise UETConfigError(
                f'uet.floor must lie in [0, 1), got {self.floor}')
        estimator.check_settings(self)

    def rates(self, factor: float = 1.0) -> torch.Tensor:
        """The K dropout rates, scaled by ``factor`` (annealing)."""
        if self.rate is not None:
            rates = torch.full((self.num_samples, ),
                               float(self.rate),
                               dtype=torch.float64)
        else:
            rates = dropout_schedule(self.num_samples, self.p0, self.delta)
        return check_rates(rates * factor).repeat_interleave(
            self.samples_per_rate)


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
    'MAPPINGS', 'MODES', 'RESIDUAL_SCALES', 'UETConfigError', 'UETSettings',
    'check_choice'
]
