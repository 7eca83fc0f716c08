# Copyright (c) uet_mmdet authors. All rights reserved.
"""Time a host distillation against host+UET, one training step at a time.

    python tools/analysis_tools/benchmark_uet_speed.py [--config CONFIG]
        [--batch-size 4] [--img-size 256] [--iters 10] [--warmup 3]
        [--rounds 3] [--samples 5 10 15] [--levels feature module ...]
        [--device cpu|cuda] [--threads N] [--out results.json]

Each host+UET variant, one per (level, K) of ``--levels`` (the names of
``uet_mmdet.registry.ESTIMATORS``) and ``--samples``, is a distillation
model built from its own copy of the config (random weights; no weight file
is read) with the config's optimizer at learning rate 0, and all get the
weights of the first. ``host`` is the first model with UET switched off (the
wrapped losses call the host loss directly). One fixed random batch of
``--batch-size`` square images goes through the data preprocessor. A
training iteration is forward, loss, backward and optimizer step. After
``--warmup`` iterations per variant, ``--rounds`` rounds each run ``--iters``
timed iterations of every variant in turn, so drift of the machine hits all
variants alike. Each level uses the config's ``measure`` where it offers it,
else its first one. The table gives each variant's median seconds per
iteration, its ratio to the host's median, the target for that ratio with
PASS/MISS, and peak memory:

- CUDA: ``torch.cuda.max_memory_allocated`` over the variant's iterations
  (model, optimizer state and activations together);
- CPU: the peak of the bytes allocated and not yet freed during an
  untimed iteration, above what was live when it started (activations,
  gradients, temporaries; not the model), from the allocation events of
  ``torch.profiler`` with ``profile_memory=True``.

The timing is :mod:`uet_mmdet.analysis.uet_speed`.
"""
import argparse
import json
import os.path as osp

import torch
from mmengine.config import Config

from uet_mmdet.analysis import (build_speed_variants, format_speed_table,
                                result_rows, time_variants)
from uet_mmdet.errors import UserInputError
from uet_mmdet.registry import ESTIMATORS
from uet_mmdet.utils import exit_with_error

REPO_ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
DEFAULT_CONFIG = osp.join(REPO_ROOT, 'configs', 'uet',
                          'fgd_uet_fpn_retinanet_r50_retinanet_r18_demo.py')


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        '--config',
        default=DEFAULT_CONFIG,
        help='a host+UET distillation config')
    parser.add_argument('--batch-size', type=int, default=4)
    parser.add_argument('--img-size', type=int, default=256)
    parser.add_argument(
        '--iters',
        type=int,
        default=10,
        help='timed iterations per variant per round')
    parser.add_argument(
        '--warmup', type=int, default=3, help='untimed iterations per variant')
    parser.add_argument('--rounds', type=int, default=3)
    parser.add_argument(
        '--samples', type=int, nargs='+', default=[5, 10, 15], help='K values')
    levels = sorted(ESTIMATORS.module_dict)
    parser.add_argument(
        '--levels',
        nargs='+',
        default=levels,
        choices=levels,
        help='estimators to time')
    parser.add_argument(
        '--device',
        choices=['cpu', 'cuda'],
        default='cuda' if torch.cuda.is_available() else 'cpu')
    parser.add_argument('--threads', type=int, help='torch CPU threads')
    parser.add_argument('--out', help='write the results to this JSON file')
    return parser.parse_args()


def run(args: argparse.Namespace) -> None:
    if not osp.isfile(args.config):
        raise UserInputError(f'config file not found: {args.config}')
    for name in ('batch_size', 'img_size', 'iters', 'rounds'):
        if getattr(args, name) < 1:
            raise UserInputError(f'--{name.replace("_", "-")} must be >= 1, '
                                 f'got {getattr(args, name)}')
    if args.warmup < 0:
        raise UserInputError(f'--warmup must be >= 0, got {args.warmup}')
    try:
        cfg = Config.fromfile(args.config)
    except Exception as error:  # the parser's own message says what is wrong
        raise UserInputError(f'cannot load config {args.config}: '
                             f'{type(error).__name__}: {error}') from None
    if args.threads:
        torch.set_num_threads(args.threads)
    variants = build_speed_variants(cfg, args.levels, args.samples,
                                    args.device, args.batch_size,
                                    args.img_size)
    time_variants(variants, args.iters, args.warmup, args.rounds, args.device)
    rows = result_rows(variants)
    print(f'config {args.config}; device {args.device}, '
          f'{torch.get_num_threads()} threads; batch {args.batch_size} x '
          f'{args.img_size}x{args.img_size}; {args.rounds} rounds x '
          f'{args.iters} iters per variant after {args.warmup} warmup')
    print(format_speed_table(rows, args.device), flush=True)
    if args.out:
        with open(args.out, 'w') as f:
            json.dump(dict(settings=vars(args), results=rows), f, indent=2)


def main() -> None:
    args = parse_args()
    try:
        run(args)
    except UserInputError as error:
        exit_with_error(error)


if __name__ == '__main__':
    main()
