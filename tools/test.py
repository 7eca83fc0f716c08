# Copyright (c) uet_mmdet authors. All rights reserved.
"""Evaluate a checkpoint with the config's test dataloader and evaluator.

    python tools/test.py CONFIG CHECKPOINT [--work-dir DIR] [--out PRED.pkl]
        [--metrics-out METRICS.json] [--cfg-options key=value ...]
        [--launcher {none,pytorch,slurm,mpi}]
"""
import argparse
import json
import os.path as osp

from mmengine.dist import is_main_process

from uet_mmdet.utils import (add_config_and_launcher_args, build_runner,
                             close_distributed, exit_with_error,
                             load_tool_config)


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('config', help='test config file path')
    parser.add_argument('checkpoint', help='checkpoint file')
    parser.add_argument('--work-dir', help='where to save the evaluation log')
    parser.add_argument('--out', help='dump predictions to a pickle file')
    parser.add_argument(
        '--metrics-out', help='write the evaluation metrics to a JSON file')
    add_config_and_launcher_args(parser)
    return parser.parse_args()


def main() -> None:
    args = parse_args()
    if not osp.isfile(args.checkpoint):
        exit_with_error(f'checkpoint not found: {args.checkpoint}')
    # settings fitted to the data, e.g. num_classes from metainfo.classes
    fitted = []
    cfg = load_tool_config(args.config, args.cfg_options, args.work_dir,
                           args.launcher, mode='test', notes=fitted)
    cfg.load_from = args.checkpoint
    cfg.resume = False
    if args.out is not None:
        if not args.out.endswith(('.pkl', '.pickle')):
            exit_with_error('--out must be a .pkl or .pickle file')
        cfg.test_evaluator = [
            *(cfg.test_evaluator if isinstance(cfg.test_evaluator, list) else
              [cfg.test_evaluator]),
            dict(type='DumpDetResults', out_file_path=args.out)
        ]

    runner = build_runner(cfg)
    for line in fitted:
        runner.logger.info(line)
    metrics = runner.test()
    if args.metrics_out and is_main_process():
        with open(args.metrics_out, 'w') as f:
            json.dump(metrics, f, indent=2)
    close_distributed()


if __name__ == '__main__':
    main()
