# Copyright (c) uet_mmdet authors. All rights reserved.
"""Prove configs valid without data, weights or GPUs.

    python tools/analysis_tools/dry_run.py CONFIG [CONFIG ...]

Builds each config's model (teacher and student for distillation) without
loading any weight file (``teacher_ckpt`` and ``Pretrained`` init_cfgs are
skipped), runs one training step on a random batch on the CPU and prints the
losses. Exits with status 1 if any config fails.
"""
import argparse
import sys
import traceback

from mmengine.config import Config

from uet_mmdet.utils import dry_run


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('configs', nargs='+', help='config files')
    args = parser.parse_args()
    failed = 0
    for path in args.configs:
        try:
            losses = dry_run(Config.fromfile(path))
        except Exception:  # report every config, then fail
            failed += 1
            print(f'FAIL {path}\n{traceback.format_exc()}', flush=True)
            continue
        distill = sum(1 for key in losses if key.startswith('distill.'))
        print(
            f'OK   {path}: loss {losses["loss"]:.4f}, {len(losses)} logged '
            f'values ({distill} distillation terms)',
            flush=True)
    sys.exit(1 if failed else 0)


if __name__ == '__main__':
    main()
