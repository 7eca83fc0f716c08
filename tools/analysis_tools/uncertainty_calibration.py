# Copyright (c) uet_mmdet authors. All rights reserved.
"""Score how well each uncertainty map predicts the teacher's own error.

    python tools/analysis_tools/uncertainty_calibration.py CONFIG
        --teacher-ckpt PATH [--split train] [--ann-file CLEAN_JSON]
        [--num-images 200] [--batch-size 8] [--top-fraction 0.1]
        [--sources LEVEL/MEASURE[@S]|BASELINE ...] [--agreement SOURCE]
        [--class-auroc CLASS] [--seed 0] [--out scores.json]
        [--cfg-options key=value ...]

CONFIG is a host+UET config whose wrapped losses distil the FPN levels. The
teacher runs on the images of ``--split`` with the test pipeline; its error
per location of each level comes from its own head outputs and assigner on
the ground truth of ``--ann-file`` (default: the split's own annotations;
for the demo data, ``annotations/instances_train_clean.json`` scores the
noisy-label teacher on its training images against the true boxes). Every
registered estimator with each of its measures is scored, and the
baselines ``energy`` (channel mean of F_T**2), ``random`` and
``output_entropy`` (entropy of the teacher's sigmoid scores, no dropout).
Prints a markdown table: AUROC of each map predicting the ``--top-fraction``
locations of largest classification error, per level and averaged over the
levels, Spearman correlation, and the same for the box error (1 - IoU) over
locations with a positive anchor. ``--agreement SOURCE`` also prints, per
level, the rank correlation of every map with that source's (e.g. the
sampling-free head moments against head MC with many samples).
``--class-auroc CLASS`` also prints, per level, the AUROC of every map
ranking the object locations of CLASS above those of the other classes: for
a teacher taught CLASS wrongly, whether the map marks that knowledge.
"""
import argparse
import json
import os.path as osp

from mmengine.config import DictAction

import uet_mmdet  # noqa: F401  (registers modules, patches mmrazor first)
from uet_mmdet.analysis import (MapSource, agreement, build_dataset,
                                class_separation, collect, default_sources,
                                format_table, summary_rows)
from uet_mmdet.errors import UserInputError
from uet_mmdet.models.uet import UETSettings
from uet_mmdet.utils import exit_with_error, load_tool_config


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('config', help='host+UET distillation config')
    parser.add_argument('--teacher-ckpt', required=True)
    parser.add_argument('--split', choices=['train', 'val'], default='train')
    parser.add_argument('--ann-file', help='ground truth to score against')
    parser.add_argument('--num-images', type=int, default=200)
    parser.add_argument('--batch-size', type=int, default=8)
    parser.add_argument('--top-fraction', type=float, default=0.1)
    parser.add_argument(
        '--sources',
        nargs='+',
        help='maps to score: LEVEL/MEASURE[@S] (S samples per dropout '
        'rate) or a baseline (default: all)')
    parser.add_argument(
        '--agreement',
        metavar='SOURCE',
        help='also print the rank correlation of every map with this one '
        '(e.g. head/mutual_information@20, an MC reference)')
    parser.add_argument(
        '--class-auroc',
        metavar='CLASS',
        help='also print how well every map ranks the object locations of '
        'this class above those of the other classes')
    parser.add_argument('--seed', type=int, default=0, help='dropout seed')
    parser.add_argument('--out', help='write the scores to this JSON file')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction)
    return parser.parse_args()


def calibrate(args: argparse.Namespace) -> None:
    """Score the maps and print the tables."""
    for path, what in ((args.teacher_ckpt, 'teacher checkpoint'),
                       (args.ann_file, 'annotation file')):
        if path is not None and not osp.isfile(path):
            raise UserInputError(f'{what} not found: {path}')
    if not 0 < args.top_fraction < 1:
        raise UserInputError('--top-fraction must lie in (0, 1)')
    cfg_options = dict(args.cfg_options or {},
                       **{'model.teacher_ckpt': args.teacher_ckpt})
    for name in ('num_images', 'batch_size'):
        if getattr(args, name) < 1:
            raise UserInputError(f'--{name.replace("_", "-")} must be >= 1, '
                                 f'got {getattr(args, name)}')
    cfg = load_tool_config(args.config, cfg_options, mode='train')
    if not cfg.model.get('distiller', {}).get('uet'):
        raise UserInputError(f'{args.config} is not a host+UET config')
    settings = UETSettings.from_config(cfg.model.distiller.uet)
    sources = ([MapSource.parse(text) for text in args.sources]
               if args.sources else default_sources(settings))
    dataset = build_dataset(cfg, args.split, args.ann_file)
    classes = list(dataset.metainfo['classes'])
    if args.class_auroc is not None and args.class_auroc not in classes:
        raise UserInputError(f'--class-auroc {args.class_auroc} is not a '
                             f'class of the dataset ({classes})')
    collector = collect(cfg, args.teacher_ckpt, sources, dataset,
                        args.num_images, args.batch_size, args.seed)
    scores = collector.scores(args.top_fraction)
    rows = summary_rows(scores)
    num_levels = len(rows[0]['cls_auroc_levels'])
    print(f'{min(args.num_images, len(dataset))} {args.split} images; '
          f'AUROC of the top {args.top_fraction:.0%} error locations')
    print(format_table(rows, [f'L{i}' for i in range(num_levels)]))
    if args.agreement:
        reference = MapSource.parse(args.agreement).name
        if reference not in collector.maps:
            raise UserInputError(f'--agreement {args.agreement} is not among '
                                 'the sources')
        print(f'\nSpearman with {reference}, per level:')
        for name, values in agreement(collector, reference).items():
            cells = ' '.join(f'{value:.3f}' for value in values)
            print(f'{name}: {cells}')
    if args.class_auroc:
        print(f'\nAUROC of {args.class_auroc} locations against the other '
              'objects, per level:')
        separation = class_separation(collector,
                                      classes.index(args.class_auroc))
        for name, values in separation.items():
            cells = ' '.join(f'{value:.3f}' for value in values)
            print(f'{name}: {cells}')
    if args.out:
        with open(args.out, 'w') as f:
            json.dump(dict(settings=vars(args), scores=scores), f, indent=2)


def main() -> None:
    args = parse_args()
    try:
        calibrate(args)
    except UserInputError as error:
        exit_with_error(error)


if __name__ == '__main__':
    main()
