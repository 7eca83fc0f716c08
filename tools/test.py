# Copyright (c) uet_mmdet authors. All rights reserved.
"""Evaluate a checkpoint with the config's test dataloader and evaluator.

    python tools/test.py CONFIG CHECKPOINT [--work-dir DIR] [--out PRED.pkl]
        [--metrics-out METRICS.json] [--show] [--show-dir DIR]
        [--wait-time SECONDS] [--tta] [--cfg-options key=value ...]
        [--launcher {none,pytorch,slurm,mpi}]

As in mmdet 3.x: ``--show``/``--show-dir`` switch on the config's
``default_hooks.visualization`` hook, which draws predictions on the images
(``--show-dir DIR`` writes them under WORK_DIR/<timestamp>/DIR); ``--tta``
wraps the model in ``cfg.tta_model`` and tests with ``cfg.tta_pipeline``.
"""
import argparse
import json
import os.path as osp

from mmengine.dist import is_main_process

from uet_mmdet.errors import UserInputError
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
    parser.add_argument(
        '--show', action='store_true', help='show the predictions in a window')
    parser.add_argument(
        '--show-dir',
        help='draw the predictions into images under WORK_DIR/<timestamp>/'
        'SHOW_DIR')
    parser.add_argument(
        '--wait-time', type=float, default=2, help='seconds per shown image')
    parser.add_argument(
        '--tta', action='store_true', help='test-time augmentation')
    add_config_and_launcher_args(parser)
    return parser.parse_args()


def enable_visualization(cfg, args: argparse.Namespace) -> None:
    """Let the visualization hook draw predictions (--show, --show-dir)."""
    hook = cfg.get('default_hooks', {}).get('visualization')
    if not hook:
        raise UserInputError(
            '--show and --show-dir need a visualization hook in the config, '
            "e.g. default_hooks.visualization=dict("
            "type='DetVisualizationHook')")
    hook['draw'] = True
    if args.show:
        hook['show'] = True
        hook['wait_time'] = args.wait_time
    if args.show_dir:
        hook['test_out_dir'] = args.show_dir


def enable_tta(cfg) -> None:
    """Wrap the model in ``cfg.tta_model``; test with ``cfg.tta_pipeline``."""
    missing = [key for key in ('tta_model', 'tta_pipeline') if key not in cfg]
    if missing:
        raise UserInputError(
            f'--tta needs {" and ".join(missing)} in the config (see '
            "mmdet's configs, e.g. retinanet_tta.py)")
    cfg.test_dataloader.dataset.pipeline = cfg.tta_pipeline
    cfg.tta_model.module = cfg.model
    cfg.model = cfg.tta_model


def evaluate(args: argparse.Namespace) -> None:
    if not osp.isfile(args.checkpoint):
        raise UserInputError(f'checkpoint not found: {args.checkpoint}')
    # settings fitted to the data, e.g. num_classes from metainfo.classes
    fitted = []
    cfg = load_tool_config(
        args.config,
        args.cfg_options,
        args.work_dir,
        args.launcher,
        mode='test',
        notes=fitted)
    cfg.load_from = args.checkpoint
    cfg.resume = False
    if args.show or args.show_dir:
        enable_visualization(cfg, args)
    if args.tta:
        enable_tta(cfg)
    if args.out is not None:
        if not args.out.endswith(('.pkl', '.pickle')):
            raise UserInputError('--out must be a .pkl or .pickle file')
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


def main() -> None:
    args = parse_args()
    try:
        evaluate(args)
    except UserInputError as error:
        exit_with_error(error)


if __name__ == '__main__':
    main()
