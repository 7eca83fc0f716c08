# Copyright (c) uet_mmdet authors. All rights reserved.
"""Time a host distillation against host+UET, one training step at a time.

    python tools/analysis_tools/benchmark_uet_speed.py [--config CONFIG]
        [--batch-size 4] [--img-size 256] [--iters 10] [--warmup 3]
        [--rounds 3] [--samples 5 10 15] [--levels feature module ...]
        [--device cpu|cuda] [--threads N] [--out results.json]

One distillation model is built from a host+UET config (random weights; no
weight file is read) with the config's optimizer, and one fixed random batch
of ``--batch-size`` square images is put through its data preprocessor. The
variants run on one model per estimator (``--levels``, the names of
``uet_mmdet.registry.ESTIMATORS``), each built with the same random weights:
``host`` (UET switched off, the wrapped losses call the host loss directly;
timed on the first model) and host+UET for every (level, K). A training
iteration is forward, loss, backward and optimizer step; the learning rate
is set to 0 so that every variant times the same weights (the step costs the
same). After ``--warmup`` iterations per variant, ``--rounds`` rounds each
run ``--iters`` timed iterations of every variant in turn, so drift of the
machine hits all variants alike. Each level uses the config's ``measure``
where it offers it, else its first one. The table gives each variant's
median seconds per iteration, its ratio to the host's median, the target
for that ratio with PASS/MISS, and peak memory:

- CUDA: ``torch.cuda.max_memory_allocated`` over the variant's iterations
  (model, optimizer state and activations together);
- CPU: the peak of the bytes allocated and not yet freed during an
  untimed iteration, above what was live when it started (activations,
  gradients, temporaries; not the model), from the allocation events of
  ``torch.profiler`` with ``profile_memory=True``.
"""
import argparse
import copy
import dataclasses
import json
import os.path as osp
import statistics
import time
from typing import Callable, Dict, List, Optional

import torch
from mmengine.config import Config
from mmengine.optim import OptimWrapper, build_optim_wrapper
from mmengine.registry import DefaultScope
from torch import nn
from torch.profiler import ProfilerActivity, profile, record_function

from uet_mmdet.models.uet import UETSettings
from uet_mmdet.registry import ESTIMATORS
from uet_mmdet.utils import (build_model_without_weights,
                             random_detection_batch)

REPO_ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
DEFAULT_CONFIG = osp.join(REPO_ROOT, 'configs', 'uet',
                          'fgd_uet_fpn_retinanet_r50_retinanet_r18_demo.py')
# Most UET may cost, as seconds per iteration over the host's.
TARGETS = {
    ('feature', 5): 1.03,
    ('feature', 15): 1.05,
    ('module', 5): 1.10,
    ('layer', 5): 1.10,
    ('head', 5): 1.50,
    ('head_moments', 5): 1.20,
}
MIB = 2**20
MARKER = 'benchmark_uet_speed.step'


@dataclasses.dataclass
class Variant:
    """One timed configuration of the shared model.

    Args:
        name (str): Row label.
        settings (UETSettings, optional): UET settings; ``None`` for the
            host alone.
        times (list[float]): Seconds of each timed iteration.
        peak_bytes (int, optional): Peak memory (see the module docstring).
        distiller (nn.Module, optional): The distiller of the model it runs.
        step (callable, optional): One training iteration of that model.
        host (Variant, optional): The host row of that model.
    """

    name: str
    settings: Optional[UETSettings] = None
    times: List[float] = dataclasses.field(default_factory=list)
    peak_bytes: Optional[int] = None
    distiller: Optional[nn.Module] = None
    step: Optional[Callable[[], None]] = None
    host: Optional['Variant'] = None

    @property
    def target(self) -> Optional[float]:
        if self.settings is None:
            return None
        return TARGETS.get((self.settings.level, self.settings.num_samples))


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--config', default=DEFAULT_CONFIG,
                        help='a host+UET distillation config')
    parser.add_argument('--batch-size', type=int, default=4)
    parser.add_argument('--img-size', type=int, default=256)
    parser.add_argument('--iters', type=int, default=10,
                        help='timed iterations per variant per round')
    parser.add_argument('--warmup', type=int, default=3,
                        help='untimed iterations per variant')
    parser.add_argument('--rounds', type=int, default=3)
    parser.add_argument('--samples', type=int, nargs='+', default=[5, 10, 15],
                        help='K values')
    levels = sorted(ESTIMATORS.module_dict)
    parser.add_argument('--levels', nargs='+', default=levels,
                        choices=levels, help='estimators to time')
    parser.add_argument('--device', choices=['cpu', 'cuda'],
                        default='cuda' if torch.cuda.is_available() else 'cpu')
    parser.add_argument('--threads', type=int, help='torch CPU threads')
    parser.add_argument('--out', help='write the results to this JSON file')
    return parser.parse_args()


def build_model(cfg: Config, device: str, level: str) -> nn.Module:
    """The config's distillation model with random weights (seed 0), in
    train mode, with the estimator ``level`` and a measure it offers."""
    cfg = copy.deepcopy(cfg)
    uet = cfg.model.distiller.uet
    measures = ESTIMATORS.get(level).measures
    uet.level = level
    uet.measure = uet.get('measure') if uet.get(
        'measure') in measures else measures[0]
    torch.manual_seed(0)
    model = build_model_without_weights(cfg).to(device)
    model.train()  # mmrazor's train() returns None
    return model


def build_optimizer(cfg: Config, model: nn.Module) -> OptimWrapper:
    """The config's optimizer wrapper with learning rate 0."""
    with DefaultScope.overwrite_default_scope(cfg.get('default_scope',
                                                      'mmdet')):
        optim_wrapper = build_optim_wrapper(model, cfg.optim_wrapper)
    for group in optim_wrapper.optimizer.param_groups:
        group['lr'] = 0.0
    return optim_wrapper


def fixed_batch(model: nn.Module, batch_size: int, img_size: int) -> dict:
    """A preprocessed random batch of ``img_size`` x ``img_size`` images."""
    num_classes = next(module.num_classes
                       for module in model.architecture.modules()
                       if isinstance(getattr(module, 'num_classes', None),
                                     int))
    batch = dict(inputs=[], data_samples=[])
    for seed in range(batch_size):
        image = random_detection_batch(num_classes, 1, (img_size, img_size),
                                       seed)
        for key, values in image.items():
            batch[key].extend(values)
    return model.data_preprocessor(batch, training=True)


def make_variants(distiller: nn.Module, samples: List[int],
                  step: Callable[[], None],
                  host: Optional[Variant] = None) -> List[Variant]:
    """One variant per K of the distiller's UET, after a host row when
    ``host`` is not given."""
    estimator = getattr(distiller, 'estimator', None)
    if estimator is None:
        raise SystemExit('--config must be a host+UET config with UET on '
                         '(a UETDistiller with a uet block, mode != "off")')
    variants = []
    if host is None:
        host = Variant('host', distiller=distiller, step=step)
        host.host = host
        variants.append(host)
    base = estimator.settings
    for num_samples in samples:
        settings = dataclasses.replace(base, num_samples=num_samples)
        settings.validate()
        variants.append(
            Variant(f'uet-{base.level}-K{num_samples}', settings,
                    distiller=distiller, step=step, host=host))
    return variants


def activate(variant: Variant) -> None:
    """Switch the variant's model to ``variant``."""
    distiller = variant.distiller
    distiller.uet_active = variant.settings is not None
    if variant.settings is not None:
        distiller.uet = variant.settings
        distiller.estimator.settings = variant.settings


def train_iteration(model: nn.Module, optim_wrapper: OptimWrapper,
                    data: dict) -> None:
    """Forward, loss, backward and step, as ``BaseModel.train_step`` after
    the data preprocessor."""
    with optim_wrapper.optim_context(model):
        losses = model(**data, mode='loss')
    total, _ = model.parse_losses(losses)
    optim_wrapper.update_params(total)


def timed(step: Callable[[], None], iters: int, device: str) -> List[float]:
    """Wall-clock seconds of each of ``iters`` calls of ``step``."""
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


def cpu_peak_bytes(step: Callable[[], None]) -> Optional[int]:
    """Peak bytes allocated and not freed during one ``step`` (CPU), above
    what was live when it started.

    ``step`` runs twice under the profiler and the second run is measured:
    the profiler cannot see frees of blocks allocated before it started
    (e.g. the previous iteration's records), which would inflate the peak.
    """
    with profile(activities=[ProfilerActivity.CPU],
                 profile_memory=True) as prof:
        step()
        with record_function(MARKER):
            step()
    try:
        events = prof.profiler.kineto_results.events()
    except AttributeError:  # profiler internals of another torch version
        return None
    marker = next(event for event in events if event.name() == MARKER)
    deltas = sorted((event.start_ns(), event.nbytes()) for event in events
                    if event.name() == '[memory]'
                    and event.device_type() == torch.autograd.DeviceType.CPU)
    live = 0
    start = peak = None
    for when, nbytes in deltas:
        if when > marker.end_ns():
            break
        if start is None and when >= marker.start_ns():
            start = peak = live
        live += nbytes
        if start is not None:
            peak = max(peak, live)
    return None if start is None else peak - start


def benchmark(variants: List[Variant], args: argparse.Namespace) -> None:
    """Warm up, then time the variants interleaved; fill times and peaks."""
    for variant in variants:
        activate(variant)
        timed(variant.step, args.warmup, args.device)
    for _ in range(args.rounds):
        for variant in variants:
            activate(variant)
            if args.device == 'cuda':
                torch.cuda.reset_peak_memory_stats()
            variant.times += timed(variant.step, args.iters, args.device)
            if args.device == 'cuda':
                variant.peak_bytes = max(variant.peak_bytes or 0,
                                         torch.cuda.max_memory_allocated())
    if args.device == 'cpu':
        for variant in variants:
            activate(variant)
            variant.peak_bytes = cpu_peak_bytes(variant.step)


def result_rows(variants: List[Variant]) -> List[Dict]:
    """One row per variant: medians, ratio to its host, target, memory."""
    rows = []
    for variant in variants:
        median = statistics.median(variant.times)
        ratio = median / statistics.median(variant.host.times)
        target = variant.target
        rows.append(
            dict(variant=variant.name,
                 level=variant.settings.level if variant.settings else None,
                 K=variant.settings.num_samples if variant.settings else None,
                 median_s=median,
                 ratio=ratio,
                 target=target,
                 passed=None if target is None else ratio <= target,
                 peak_mib=None if variant.peak_bytes is None else
                 variant.peak_bytes / MIB,
                 times_s=variant.times))
    return rows


def format_table(rows: List[Dict], device: str) -> str:
    """The rows as a markdown table."""
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
        lines.append(
            f'| {row["variant"]} | {row["level"] or "-"} | '
            f'{row["K"] or "-"} | {row["median_s"]:.4f} | '
            f'{row["ratio"]:.3f} | {target} | {result} | {peak} |')
    return '\n'.join(lines)


def main() -> None:
    args = parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    cfg = Config.fromfile(args.config)
    variants = []
    for level in args.levels:
        model = build_model(cfg, args.device, level)
        optim_wrapper = build_optimizer(cfg, model)
        data = fixed_batch(model, args.batch_size, args.img_size)

        def step(model=model, optim_wrapper=optim_wrapper, data=data):
            train_iteration(model, optim_wrapper, data)

        variants += make_variants(model.distiller, args.samples, step,
                                  variants[0] if variants else None)
    benchmark(variants, args)
    rows = result_rows(variants)
    print(f'config {args.config}; device {args.device}, '
          f'{torch.get_num_threads()} threads; batch {args.batch_size} x '
          f'{args.img_size}x{args.img_size}; {args.rounds} rounds x '
          f'{args.iters} iters per variant after {args.warmup} warmup')
    print(format_table(rows, args.device), flush=True)
    if args.out:
        with open(args.out, 'w') as f:
            json.dump(dict(settings=vars(args), results=rows), f, indent=2)


if __name__ == '__main__':
    main()
