# Copyright (c) uet_mmdet authors. All rights reserved.
"""The ``uet`` block of a distiller config and the one place it is validated.

:class:`UETSettings` (and :func:`check_transfer` for what
:class:`~uet_mmdet.models.losses.UETLoss` takes) raise
:class:`UETConfigError` keyed by the setting's path in the distiller config,
e.g. ``uet.num_samples``; the config check before the Runner is built reads
the same errors with the path from the config's root
(``model.distiller.uet.num_samples``).
"""
from dataclasses import dataclass, field, fields
from typing import Dict, List, Optional, Sequence, Union

import torch

from uet_mmdet.errors import ConfigError
from uet_mmdet.registry import ESTIMATORS
from uet_mmdet.uncertainty import check_rates, dropout_schedule

MODES = ('off', 'residual', 'weight', 'both')
RESIDUAL_SCALES = ('sum', 'mean')
MAPPINGS = ('exp', 'rank')
# where the settings sit in a distiller config
KEY = 'uet'
OutputPath = Union[int, Sequence[int]]


class UETConfigError(ConfigError):
    """A ``uet`` setting that cannot work, raised when the model is built.

    Its key is the setting's path in the distiller config, e.g.
    ``'uet.num_samples'`` (see :class:`~uet_mmdet.errors.ConfigError`).
    """


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
        """Build from a config dict and validate.

        Args:
            config (dict, optional): The distiller's ``uet`` dict.

        Returns:
            UETSettings: The validated settings.

        Raises:
            UETConfigError: A key that is not a setting, or a setting that
                cannot work (see :meth:`validate`).
        """
        config = dict(config or {})
        known = {item.name for item in fields(cls)}
        unknown = sorted(set(config) - known)
        if unknown:
            raise UETConfigError(KEY, f'unknown setting(s) {unknown}',
                                 f'known: {sorted(known)}')
        settings = cls(**config)
        settings.validate()
        return settings

    @property
    def enabled(self) -> bool:
        """Whether UET changes the host (``mode != 'off'``)."""
        return self.mode != 'off'

    def validate(self) -> None:
        """Check every setting, the estimator's own checks included.

        Raises:
            UETConfigError: The first setting that cannot work.
        """
        check_transfer(self.mode, self.residual_scale)
        self._check_types()
        estimator = ESTIMATORS.get(self.level)
        if estimator is None:
            _check_choice('level', self.level, sorted(ESTIMATORS.module_dict))
        _check_choice('measure', self.measure, registered_measures())
        _check_choice('mapping', self.mapping, MAPPINGS)
        if not self.enabled:
            return
        if not isinstance(self.num_samples, int) or self.num_samples < 1:
            raise UETConfigError(
                f'{KEY}.num_samples',
                'K, the number of MC-dropout samples, must be an integer '
                f'>= 1 when UET is on (mode={self.mode!r}), got '
                f'{self.num_samples!r}', "mode='off' turns UET off")
        if not isinstance(self.samples_per_rate,
                          int) or self.samples_per_rate < 1:
            raise UETConfigError(
                f'{KEY}.samples_per_rate',
                f'must be an integer >= 1, got {self.samples_per_rate!r}')
        try:
            self.rates()
        except ValueError as error:
            if self.rate is not None:
                raise UETConfigError(f'{KEY}.rate', str(error)) from None
            raise UETConfigError(
                f'{KEY}.p0', f'the dropout rates p0 + k * delta '
                f'(delta={self.delta}): {error}') from None
        if self.tau <= 0:
            raise UETConfigError(f'{KEY}.tau', f'must be > 0, got {self.tau}')
        if not 0 <= self.floor < 1:
            raise UETConfigError(f'{KEY}.floor',
                                 f'must lie in [0, 1), got {self.floor}')
        estimator.check_settings(self)

    def _check_types(self) -> None:
        for name in ('level', 'module', 'head', 'measure', 'mapping'):
            value = getattr(self, name)
            if not isinstance(value, str) and not (name == 'module'
                                                   and value is None):
                raise UETConfigError(f'{KEY}.{name}',
                                     f'must be a string, got {value!r}')
        for name in ('p0', 'delta', 'tau', 'floor', 'rate'):
            value = getattr(self, name)
            if not isinstance(value, (int, float)) or isinstance(value, bool):
                if not (name == 'rate' and value is None):
                    raise UETConfigError(f'{KEY}.{name}',
                                         f'must be a number, got {value!r}')
        if self.losses is not None and not isinstance(self.losses,
                                                      (list, tuple)):
            raise UETConfigError(
                f'{KEY}.losses', f'must be a list of loss names, got '
                f'{self.losses!r}')
        if not isinstance(self.outputs, dict):
            raise UETConfigError(
                f'{KEY}.outputs', 'must be a dict of recorder name -> '
                f'output index, got {self.outputs!r}')

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


def check_transfer(mode: str, residual_scale: str) -> None:
    """Check how the estimate enters the host loss: ``mode`` and
    ``residual_scale``, as :class:`UETSettings` and ``UETLoss`` take them.

    Args:
        mode (str): One of :data:`MODES`.
        residual_scale (str): One of :data:`RESIDUAL_SCALES`.

    Raises:
        UETConfigError: A value that is not one of its choices.
    """
    _check_choice('mode', mode, MODES)
    _check_choice('residual_scale', residual_scale, RESIDUAL_SCALES)


def registered_measures() -> List[str]:
    """Every measure some registered estimator offers, sorted."""
    ESTIMATORS.import_from_location()
    return sorted({
        measure
        for estimator in ESTIMATORS.module_dict.values()
        for measure in estimator.measures
    })


def _check_choice(name: str, value: str, choices: Sequence[str]) -> None:
    if value not in choices:
        raise UETConfigError(f'{KEY}.{name}',
                             f'must be one of {list(choices)}, got {value!r}')


__all__ = [
    'KEY', 'MAPPINGS', 'MODES', 'RESIDUAL_SCALES', 'UETConfigError',
    'UETSettings', 'check_transfer', 'registered_measures'
]
