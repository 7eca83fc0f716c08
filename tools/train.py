# Copyright (c) uet_mmdet authors. All rights reserved.
"""Train a detector or a distillation algorithm from a config.

    python tools/train.py CONFIG [--work-dir DIR] [--resume [CKPT]] [--amp]
        [--cfg-options key=value ...] [--launcher {none,pytorch,slurm,mpi}]
"""
import argparse


from uet_mmdet.utils import (add_config_and_launcher_args, build_runner,
                             close_distributed, load_tool_config)


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('config', help='train config file path')
    parser.add_argument('--work-dir', help='where to save logs and models')
    parser.add_argument(
        '--amp', action='store_true', help='automatic mixed precision')
    parser.add_argument(
        '--auto-scale-lr',
        action='store_true',
        help='scale the learning rate by the total batch size')
    parser.add_argument(
        '--resume',
        nargs='?',
        type=str,
        const='auto',
        help='resume from CKPT, or from the latest checkpoint in the work '
        'dir when no path is given')
    add_config_and_launcher_args(parser)
    return parser.parse_args()


def main() -> None:
    args = parse_args()
    cfg_options = dict(args.cfg_options or {})
    if args.resume == 'auto':
        cfg_options.update(resume=True, load_from=None)
    elif args.resume is not None:
        cfg_options.update(resume=True, load_from=args.resume)
    cfg = load_tool_config(args.config, cfg_options, args.work_dir,
                           args.launcher, mode='train')

    if args.amp:
        cfg.optim_wrapper.type = 'AmpOptimWrapper'
        cfg.optim_wrapper.loss_scale = 'dynamic'
    if args.auto_scale_lr:
        cfg.auto_scale_lr.enable = True

    runner = build_runner(cfg)
    runner.train()
    close_distributed()


if __name__ == '__main__':
    main()
