# Copyright (c) uet_mmdet authors. All rights reserved.
"""Train a detector or a distillation algorithm from a config.

    python tools/train.py CONFIG [--work-dir DIR] [--resume [CKPT]] [--amp]
        [--no-data-check | --skip-bad-samples]
        [--cfg-options key=value ...] [--launcher {none,pytorch,slurm,mpi}]

``--amp`` turns an OptimWrapper into an AmpOptimWrapper (kept, with a log
line, when the config already has one); ``--auto-scale-lr`` needs
``auto_scale_lr = dict(base_batch_size=N)`` in the config.

When the train dataset states ``metainfo.classes``, the ``num_classes`` of
the detector (or the student and the teacher) is set from it, in one logged
line. Before the Runner is built, the train and val data are checked
(``tools/misc/check_dataset.py``); training refuses to start on problems
unless ``--skip-bad-samples`` drops the images they belong to (copies of the
annotation files and the list of problems go to WORK_DIR/data_check/).
"""
import argparse
import os

from uet_mmdet.errors import UserInputError
from uet_mmdet.utils import (add_config_and_launcher_args, build_runner,
                             check_training_data, close_distributed,
                             exit_with_error, load_tool_config)


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
    data = parser.add_mutually_exclusive_group()
    data.add_argument(
        '--no-data-check',
        action='store_true',
        help='do not check the train and val data before training')
    data.add_argument(
        '--skip-bad-samples',
        action='store_true',
        help='drop the images the data check finds problems in (counted in '
        'the log, listed in WORK_DIR/data_check/) instead of refusing')
    add_config_and_launcher_args(parser)
    return parser.parse_args()


def enable_amp(cfg, log: list) -> None:
    """``--amp`` as in mmdet: OptimWrapper -> AmpOptimWrapper (dynamic loss
    scale); a config already on AmpOptimWrapper is kept as it is."""
    wrapper = cfg.optim_wrapper.get('type', 'OptimWrapper')
    if wrapper == 'AmpOptimWrapper':
        log.append('--amp: AMP is already enabled in the config '
                   '(AmpOptimWrapper); kept as it is')
    elif wrapper != 'OptimWrapper':
        raise UserInputError(
            "--amp only converts optim_wrapper.type='OptimWrapper', the "
            f"config has '{wrapper}'; set optim_wrapper.type="
            "'AmpOptimWrapper' yourself")
    else:
        cfg.optim_wrapper.type = 'AmpOptimWrapper'
        cfg.optim_wrapper.loss_scale = 'dynamic'


def train(args: argparse.Namespace) -> None:
    cfg_options = dict(args.cfg_options or {})
    if args.resume == 'auto':
        cfg_options.update(resume=True, load_from=None)
    elif args.resume is not None:
        cfg_options.update(resume=True, load_from=args.resume)
    # settings fitted to the data, e.g. num_classes from metainfo.classes
    data_log = []
    cfg = load_tool_config(
        args.config,
        cfg_options,
        args.work_dir,
        args.launcher,
        mode='train',
        notes=data_log)

    if args.amp:
        enable_amp(cfg, data_log)
    if args.auto_scale_lr:
        auto_scale_lr = cfg.get('auto_scale_lr') or {}
        if 'base_batch_size' not in auto_scale_lr:
            raise UserInputError(
                '--auto-scale-lr needs auto_scale_lr = dict(base_batch_size='
                'N) in the config: the total batch size its learning rate '
                'was set for')
        cfg.auto_scale_lr.enable = True

    # one rank checks (torchrun stops the others if it refuses); with
    # --skip-bad-samples every rank needs the cleaned annotation files
    checking_rank = os.environ.get('RANK', '0') == '0'
    if not args.no_data_check and (checking_rank or args.skip_bad_samples):
        data_log += check_training_data(cfg, args.skip_bad_samples)

    runner = build_runner(cfg)
    for line in data_log:
        runner.logger.info(line)
    runner.train()
    close_distributed()


def main() -> None:
    args = parse_args()
    try:
        train(args)
    except UserInputError as error:
        exit_with_error(error)


if __name__ == '__main__':
    main()
