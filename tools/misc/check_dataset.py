# Copyright (c) uet_mmdet authors. All rights reserved.
"""Check the datasets of a config: files, images, boxes, ids and classes.

    python tools/misc/check_dataset.py CONFIG [--split train val test]
        [--cfg-options key=value ...] [--tolerance 1] [--no-decode]
        [--workers 4]

Prints a summary per dataset (images, annotations, empty images, ignored
boxes, problems by kind), then every problem on one line
(``kind image=ID ann=ID file=NAME: message``), and the student's and the
teacher's ``num_classes`` that differ from the number of classes. As in
``tools/train.py``, ``num_classes`` is first set from the dataset's
``metainfo.classes`` (one line says what changed). Exits with status 1 when
there are problems, 2 on bad input. ``tools/train.py`` runs the same check on
the train and val data before training.
"""
import argparse
import os.path as osp
import sys

from mmengine.config import Config, DictAction

from uet_mmdet.errors import UserInputError
from uet_mmdet.utils import check_config_data, exit_with_error
from uet_mmdet.utils.data_check import SPLIT_DATALOADERS
from uet_mmdet.utils.dataset_classes import match_num_classes


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('config', help='config file')
    parser.add_argument(
        '--split',
        nargs='+',
        choices=list(SPLIT_DATALOADERS),
        default=list(SPLIT_DATALOADERS),
        help='the dataloaders to check (default: all three)')
    parser.add_argument(
        '--cfg-options',
        nargs='+',
        action=DictAction,
        help='override config settings, e.g. data_root=data/mine/')
    parser.add_argument(
        '--tolerance',
        type=float,
        default=1.0,
        help='pixels a box may reach outside its image (default: 1)')
    parser.add_argument(
        '--no-decode',
        action='store_true',
        help='read only the image headers, not every pixel')
    parser.add_argument(
        '--workers', type=int, default=4, help='threads that open images')
    return parser.parse_args()


def check(args: argparse.Namespace) -> int:
    """Print the problems; return how many there are."""
    if not osp.isfile(args.config):
        raise UserInputError(f'config file not found: {args.config}')
    try:
        cfg = Config.fromfile(args.config)
    except Exception as error:  # the parser's own message says what is wrong
        raise UserInputError(f'cannot load config {args.config}: '
                             f'{type(error).__name__}: {error}') from None
    if args.cfg_options:
        cfg.merge_from_dict(args.cfg_options)
    # the models as tools/train.py builds them
    for line in match_num_classes(
            cfg, 'test' if args.split == ['test'] else 'train'):
        print(line)
    result = check_config_data(cfg, args.split, args.tolerance,
                               not args.no_decode, max(1, args.workers))
    if not result.sources:
        raise UserInputError(f'no COCO dataset to check in {args.split} of '
                             f'{args.config}')
    for line in result.lines():
        print(line)
    print(f'problems: {result.num_problems}')
    return result.num_problems


def main() -> None:
    args = parse_args()
    try:
        num_problems = check(args)
    except UserInputError as error:
        exit_with_error(error)
    sys.exit(1 if num_problems else 0)


if __name__ == '__main__':
    main()
