# Copyright (c) uet_mmdet authors. All rights reserved.
"""Seconds per training iteration of a host distillation against host+UET.

Every host+UET variant (estimator ``level``, K samples) is a model built from
its own copy of the config; all models get the weights of the first by one
state dict, and the host is the first model with UET switched off
(``distiller.uet_active``, the switch :class:`~uet_mmdet.engine.UETHook`
uses). The variants are timed in interleaved rounds, so drift of the machine
hits them alike.
"""
import copy
import dataclasses
import statistics
import time
from typing import Callable, Dict, List, Optional, Sequence

import torch
from mmengine.config import Config
from mmengine.optim import OptimWrapper, build_optim_wrapper
from mmengine.registry import DefaultScope
from torch import nn

from uet_mmdet.errors import ConfigError, UserInputError
from uet_mmdet.registry import ESTIMATORS
from uet_mmdet.utils import build_model_without_weights, random_detection_batch
from .cpu_memory import cpu_peak_bytes

# The largest acceptable ratio of host+UET to host seconds per iteration,
# per (level, K); other pairs have no target.
TARGETS = {
    ('feature', 5): 1.03,
    ('feature', 15): 1.05,
    ('module', 5): 1.10,
    ('layer', 5): 1.10,
    ('head', 5): 1.50,
    ('head_moments', 5): 1.20,
}
MIB = 2**20


@dataclasses.dataclass
class SpeedVariant:
    """One timed configuration.

    Args:
        name (str): Row label.
        model (nn.Module): The distillation model it runs.
        step (callable): One training iteration of that model.
        level (str, optional): The estimator; ``None`` for the host alone.
        num_samples (int, optional): K; ``None`` for the host.
        times (list[float]): Seconds of each timed iteration.
        peak_bytes (int, optional): Peak memory: on CUDA,
            ``torch.cuda.max_memory_allocated`` over its iterations; on the
            CPU, :func:`~.cpu_memory.cpu_peak_bytes` of one iteration.
    """

    name: str
    model: nn.Module
    step: Callable[[], None]
    level: Optional[str] = None
    num_samples: Optional[int] = None
    times: List[float] = dataclasses.field(default_factory=list)
    peak_bytes: Optional[int] = None

    @property
    def target(self) -> Optional[float]:
        """The :data:`TARGETS` ratio for this variant, if any."""
        return TARGETS.get((self.level, self.num_samples))

    def activate(self) -> None:
        """Switch UET of its model on (host+UET) or off (host)."""
        self.model.distiller.uet_active = self.level is not None


def variant_config(cfg: Config, level: str, num_samples: int) -> Config:
    """A copy of a host+UET config for one variant.

    The copy's ``uet`` uses estimator ``level`` with the config's measure
    where the level offers it (else its first one) and ``num_samples``
    samples; its optimizer's learning rate is 0, so every iteration times
    the same weights while the step still costs what it costs.

    Args:
        cfg (Config): A host+UET distillation config.
        level (str): A name in :data:`uet_mmdet.registry.ESTIMATORS`.
        num_samples (int): K.

    Returns:
        Config: The variant's config.

    Raises:
        ConfigError: The config has no ``uet`` block or no optimizer.
        UserInputError: ``level`` is not a registered estimator.
    """
    if cfg.model.get('distiller', {}).get('uet') is None:
        raise ConfigError(
            'model.distiller.uet', 'the benchmark needs a host+UET config',
            'use a UETDistiller with a uet block whose mode is not "off"')
    if cfg.get('optim_wrapper', {}).get('optimizer') is None:
        raise ConfigError('optim_wrapper.optimizer', 'is missing',
                          'the benchmark times optimizer steps too')
    estimator = ESTIMATORS.get(level)
    if estimator is None:
        raise UserInputError(f'unknown UET level {level!r} (registered: '
                             f'{sorted(ESTIMATORS.module_dict)})')
    cfg = copy.deepcopy(cfg)
    uet = cfg.model.distiller.uet
    measure = uet.get('measure')
    uet.update(
        level=level,
        num_samples=num_samples,
        measure=measure
        if measure in estimator.measures else estimator.measures[0])
    cfg.optim_wrapper.optimizer.lr = 0.0
    return cfg


def build_optimizer(cfg: Config, model: nn.Module) -> OptimWrapper:
    """The config's optimizer wrapper for ``model``.

    Args:
        cfg (Config): The config (its ``optim_wrapper``).
        model (nn.Module): The model to optimise.

    Returns:
        OptimWrapper: The wrapper, built in the config's default scope.
    """
    with DefaultScope.overwrite_default_scope(
            cfg.get('default_scope', 'mmdet')):
        return build_optim_wrapper(model, cfg.optim_wrapper)


def fixed_batch(model: nn.Module, batch_size: int, img_size: int) -> dict:
    """A preprocessed random batch of ``img_size`` x ``img_size`` images.

    Args:
        model (nn.Module): The distillation model; its data preprocessor
            and the class count of its student.
        batch_size (int): Images in the batch.
        img_size (int): Side of every image.

    Returns:
        dict: ``inputs`` and ``data_samples`` on the model's device.
    """
    num_classes = next(
        module.num_classes for module in model.architecture.modules()
        if isinstance(getattr(module, 'num_classes', None), int))
    batch = dict(inputs=[], data_samples=[])
    for seed in range(batch_size):
        image = random_detection_batch(num_classes, 1, (img_size, img_size),
                                       seed)
        for key, values in image.items():
            batch[key].extend(values)
    return model.data_preprocessor(batch, training=True)


def train_iteration(model: nn.Module, optim_wrapper: OptimWrapper,
                    data: dict) -> None:
    """Forward, loss, backward and step, as ``BaseModel.train_step`` does
    after the data preprocessor.

    Args:
        model (nn.Module): The model, in train mode.
        optim_wrapper (OptimWrapper): Its optimizer wrapper.
        data (dict): A preprocessed batch.
    """
    with optim_wrapper.optim_context(model):
        losses = model(**data, mode='loss')
    total, _ = model.parse_losses(losses)
    optim_wrapper.update_params(total)


def build_speed_variants(cfg: Config,
                         levels: Sequence[str],
                         samples: Sequence[int],
                         device: str = 'cpu',
                         batch_size: int = 4,
                         img_size: int = 256) -> List[SpeedVariant]:
    """The host and a host+UET variant per (level, K), all on one batch.

    Args:
        cfg (Config): A host+UET distillation config (random weights; no
            weight file is read).
        levels (Sequence[str]): Estimators, names in
            :data:`uet_mmdet.registry.ESTIMATORS`.
        samples (Sequence[int]): The K values.
        device (str): ``'cpu'`` or ``'cuda'``.
        batch_size (int): Images per batch.
        img_size (int): Side of the square random images.

    Returns:
        list[SpeedVariant]: ``host`` first, then ``uet-<level>-K<K>`` for
        every level and K, in that order; the host runs on the model of the
        first UET variant.

    Raises:
        UserInputError: No level or K, CUDA asked for but absent, or a
            setting the variant's model refuses (e.g. a K whose dropout
            rates reach 1).
    """
    if not levels or not samples:
        raise UserInputError('at least one level and one K are needed')
    if device == 'cuda' and not torch.cuda.is_available():
        raise UserInputError('device cuda: no CUDA device is available')
    variants: List[SpeedVariant] = []
    weights, data = None, None
    for level in levels:
        for num_samples in samples:
            variant_cfg = variant_config(cfg, level, num_samples)
            torch.manual_seed(0)
            model = build_model_without_weights(variant_cfg)
            if weights is None:
                weights = model.state_dict()
            else:
                model.load_state_dict(weights)
            if not model.distiller.uet.enabled:
                raise ConfigError('model.distiller.uet.mode', 'is "off"',
                                  'the benchmark needs UET on')
            model.to(device)
            model.train()  # mmrazor's train() returns None
            optim_wrapper = build_optimizer(variant_cfg, model)
            if data is None:
                data = fixed_batch(model, batch_size, img_size)

            def step(model=model, optim_wrapper=optim_wrapper):
                train_iteration(model, optim_wrapper, data)

            if not variants:
                variants.append(SpeedVariant('host', model, step))
            variants.append(
                SpeedVariant(f'uet-{level}-K{num_samples}', model, step, level,
                             num_samples))
    return variants


def _timed(step: Callable[[], None], iters: int, device: str) -> List[float]:
    times = []
    for _ in range(iters):
        if device == 'cuda':
            torch.cuda.synchronize()
        start = time.perf_counter()
        step()
        if device == 'cuda':
            torch.cuda.synchronize()
        times.append(time.perf_counter() - start)
    return times


def time_variants(variants: Sequence[SpeedVariant],
                  iters: int,
                  warmup: int,
                  rounds: int,
                  device: str = 'cpu') -> None:
    """Warm up, then time the variants interleaved; fill their ``times``
    and ``peak_bytes``.

    Args:
        variants (Sequence[SpeedVariant]): From
            :func:`build_speed_variants`.
        iters (int): Timed iterations per variant per round.
        warmup (int): Untimed iterations per variant first.
        rounds (int): Rounds, each timing every variant in turn.
        device (str): The variants' device, ``'cpu'`` or ``'cuda'``.
    """
    for name, value, least in (('iters', iters, 1), ('warmup', warmup, 0),
                               ('rounds', rounds, 1)):
        if value < least:
            raise UserInputError(f'{name} must be >= {least}, got {value}')
    for variant in variants:
        variant.activate()
        _timed(variant.step, warmup, device)
    for _ in range(rounds):
        for variant in variants:
            variant.activate()
            if device == 'cuda':
                torch.cuda.reset_peak_memory_stats()
            variant.times += _timed(variant.step, iters, device)
            if device == 'cuda':
                variant.peak_bytes = max(variant.peak_bytes or 0,
                                         torch.cuda.max_memory_allocated())
    if device == 'cpu':
        for variant in variants:
            variant.activate()
            variant.peak_bytes = cpu_peak_bytes(variant.step)


def result_rows(variants: Sequence[SpeedVariant]) -> List[Dict]:
    """One row per timed variant.

    Args:
        variants (Sequence[SpeedVariant]): Timed variants, one of them the
            host (``level`` None).

    Returns:
        list[dict]: ``variant``, ``level``, ``K``, ``median_s``, ``ratio``
        (to the host's median), ``target``, ``passed`` (``ratio <=
        target``; None without a target), ``peak_mib`` and ``times_s``.
    """
    host = next(variant for variant in variants if variant.level is None)
    host_median = statistics.median(host.times)
    rows = []
    for variant in variants:
        median = statistics.median(variant.times)
        ratio = median / host_median
        target = variant.target
        rows.append(
            dict(
                variant=variant.name,
                level=variant.level,
                K=variant.num_samples,
                median_s=median,
                ratio=ratio,
                target=target,
                passed=None if target is None else ratio <= target,
                peak_mib=None
                if variant.peak_bytes is None else variant.peak_bytes / MIB,
                times_s=variant.times))
    return rows


def format_speed_table(rows: Sequence[Dict], device: str) -> str:
    """The rows as a markdown table.

    Args:
        rows (Sequence[dict]): From :func:`result_rows`.
        device (str): Names what the memory column measures.

    Returns:
        str: The table, without a trailing newline.
    """
    memory = 'peak mem MiB' + (' (allocated)' if device == 'cuda' else
                               ' (iteration, above start)')
    lines = [
        f'| variant | level | K | median s/iter | ratio | target | result '
        f'| {memory} |', '|---|---|---|---|---|---|---|---|'
    ]
    for row in rows:
        target = '-' if row['target'] is None else f'<= {row["target"]:.2f}'
        result = '-' if row['passed'] is None else (
            'PASS' if row['passed'] else 'MISS')
        peak = 'n/a' if row['peak_mib'] is None else f'{row["peak_mib"]:.0f}'
        lines.append(f'| {row["variant"]} | {row["level"] or "-"} | '
                     f'{row["K"] or "-"} | {row["median_s"]:.4f} | '
                     f'{row["ratio"]:.3f} | {target} | {result} | {peak} |')
    return '\n'.join(lines)


__all__ = [
    'MIB', 'SpeedVariant', 'TARGETS', 'build_optimizer',
    'build_speed_variants', 'fixed_batch', 'format_speed_table', 'result_rows',
    'time_variants', 'train_iteration', 'variant_config'
]
