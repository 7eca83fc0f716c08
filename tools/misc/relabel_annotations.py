# Copyright (c) uet_mmdet authors. All rights reserved.
"""Write COCO annotations with every box of one class labelled as another.

    python tools/misc/relabel_annotations.py IN_JSON OUT_JSON \\
        --from-class star --to-class cross

A teacher trained on the result makes a mistake known by construction
(``configs/benchmarks/demo_gap_fgd_uet_known_mistake.py``). Prints one line.
"""
import argparse
import json
import os.path as osp

from uet_mmdet.datasets import relabel_coco
from uet_mmdet.errors import UserInputError
from uet_mmdet.utils import exit_with_error


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('src', help='COCO annotation file')
    parser.add_argument('out', help='where the relabelled file goes')
    parser.add_argument('--from-class', required=True)
    parser.add_argument('--to-class', required=True)
    return parser.parse_args()


def main() -> None:
    args = parse_args()
    try:
        if not osp.isfile(args.src):
            raise UserInputError(f'annotation file not found: {args.src}')
        with open(args.src) as f:
            coco = json.load(f)
        relabelled, changed = relabel_coco(coco, args.from_class,
                                           args.to_class)
    except UserInputError as error:
        exit_with_error(error)
    with open(args.out, 'w') as f:
        json.dump(relabelled, f, separators=(',', ':'))
    print(f'{args.out}: {changed} of {len(coco["annotations"])} boxes '
          f'{args.from_class} -> {args.to_class}')


if __name__ == '__main__':
    main()
