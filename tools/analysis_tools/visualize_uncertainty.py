# Copyright (c) uet_mmdet authors. All rights reserved.
"""Draw the teacher's MC-dropout uncertainty maps of a UET config to PNGs.

    python tools/analysis_tools/visualize_uncertainty.py CONFIG
        [--teacher-ckpt PATH] --out-dir DIR [--num-images 4]
        [--split {val,train}] [--map {uncertainty,confidence}] [--seed 0]
        [--energy-correlation] [--cfg-options key=value ...]

For each of the first ``--num-images`` images of the split, the teacher runs
under the distiller's teacher recorders and the distiller's own estimator
gives the map of every teacher record a UET-wrapped loss distils (e.g. the
five FPN levels). One PNG per image: the image with its ground-truth boxes,
then one panel per level with the map upsampled onto the image and a
colorbar. ``--teacher-ckpt`` defaults to the config's ``model.teacher_ckpt``;
``--seed`` fixes the dropout masks. The written paths are printed.
``--energy-correlation`` also prints, per level, the mean over the images of
the Spearman rank correlation between the uncertainty and the teacher's
feature energy ``mean_c F_T**2`` (1.0: the map only restates |F_T|).
The maps and figures are :mod:`uet_mmdet.analysis.uncertainty_maps` and
:mod:`uet_mmdet.analysis.uncertainty_figure`.

Example, on the demo teacher::

    python tools/analysis_tools/visualize_uncertainty.py \\
        configs/uet/fgd_uet_fpn_retinanet_r50_retinanet_r18_demo.py \\
        --teacher-ckpt work_dirs/demo/teacher_r50/epoch_16.pth \\
        --out-dir /tmp/uet_vis --num-images 4
"""
import argparse
import os
import os.path as osp

from mmengine.config import Config, DictAction

from uet_mmdet.analysis import (MAP_KINDS, build_split_dataset, load_uet_model,
                                mean_correlations, write_uncertainty_pngs)
from uet_mmdet.errors import UserInputError
from uet_mmdet.utils import exit_with_error, load_tool_config


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('config', help='UET distillation config file')
    parser.add_argument(
        '--teacher-ckpt',
        help='teacher checkpoint (default: the config\'s model.teacher_ckpt)')
    parser.add_argument('--out-dir', required=True, help='where PNGs go')
    parser.add_argument('--num-images', type=int, default=4)
    parser.add_argument('--split', choices=['val', 'train'], default='val')
    parser.add_argument(
        '--map',
        choices=MAP_KINDS,
        default='uncertainty',
        help='draw the uncertainty (e.g. MC variance) or its confidence')
    parser.add_argument('--seed', type=int, default=0, help='dropout seed')
    parser.add_argument(
        '--energy-correlation',
        action='store_true',
        help='print the rank correlation of uncertainty and feature energy')
    parser.add_argument(
        '--cfg-options',
        nargs='+',
        action=DictAction,
        help='override config settings, e.g. model.distiller.uet.p0=0.2')
    return parser.parse_args()


def load_config(args: argparse.Namespace) -> Config:
    """The checked config, its ``model.teacher_ckpt`` set to the one used."""
    if args.num_images < 1:
        raise UserInputError(
            f'--num-images must be >= 1, got {args.num_images}')
    cfg_options = dict(args.cfg_options or {})
    if args.teacher_ckpt is not None:
        if not osp.isfile(args.teacher_ckpt):
            raise UserInputError(
                f'teacher checkpoint not found: {args.teacher_ckpt}')
        cfg_options['model.teacher_ckpt'] = args.teacher_ckpt
    # mode='train' checks both the train and the val data
    cfg = load_tool_config(args.config, cfg_options, mode='train')
    if not cfg.model.get('teacher_ckpt'):
        raise UserInputError('no teacher checkpoint: pass --teacher-ckpt or '
                             'set model.teacher_ckpt')
    return cfg


def run(args: argparse.Namespace) -> None:
    cfg = load_config(args)
    model = load_uet_model(cfg, cfg.model.teacher_ckpt)
    dataset = build_split_dataset(cfg, args.split)
    os.makedirs(args.out_dir, exist_ok=True)
    correlations = []
    for path, result in write_uncertainty_pngs(model, dataset, args.out_dir,
                                               args.num_images, args.map,
                                               args.seed):
        print(path, flush=True)
        correlations.append(result.energy_correlations)
    if args.energy_correlation:
        for name, (mean, count) in mean_correlations(correlations).items():
            print(f'{name}: spearman(uncertainty, mean_c F_T^2) = '
                  f'{mean:.2f} over {count} images')


def main() -> None:
    args = parse_args()
    try:
        run(args)
    except UserInputError as error:
        exit_with_error(error)


if __name__ == '__main__':
    main()
