"""Generate the synthetic COCO-format shapes dataset used by the demo configs.

Example::

    python tools/misc/generate_demo_data.py --out data/uet_demo \
        --num-train 800 --num-val 200 --seed 0 --img-size 256 \
        --box-jitter 0.05 --drop-prob 0.1 --flip-prob 0.05

Prints one summary line. If ``--out`` already holds a dataset generated with
the same arguments, nothing is rewritten unless ``--overwrite`` is given.
"""
import argparse
import json
import os
import time
from typing import List, Optional

from uet_mmdet.datasets.demo_data import generate_demo_dataset
from uet_mmdet.errors import UserInputError
from uet_mmdet.utils import exit_with_error


def parse_args(argv: Optional[List[str]] = None) -> argparse.Namespace:
    """Parses the command line."""
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--out', default='data/uet_demo', help='output folder')
    parser.add_argument('--num-train', type=int, default=800)
    parser.add_argument('--num-val', type=int, default=200)
    parser.add_argument(
        '--img-size',
        type=int,
        default=256,
        help='nominal image height and width')
    parser.add_argument('--seed', type=int, default=0)
    parser.add_argument(
        '--min-size',
        type=int,
        default=8,
        help='smallest object (long side, px)')
    parser.add_argument(
        '--max-size',
        type=int,
        default=96,
        help='largest object (long side, px)')
    parser.add_argument(
        '--max-objects',
        type=int,
        default=8,
        help='objects per image: 1 to this many')
    parser.add_argument(
        '--box-jitter',
        type=float,
        default=0.0,
        help='train only: box corner jitter std, fraction '
        'of the box size')
    parser.add_argument(
        '--drop-prob',
        type=float,
        default=0.0,
        help='train only: probability of dropping a box')
    parser.add_argument(
        '--flip-prob',
        type=float,
        default=0.0,
        help='train only: probability of a wrong label')
    parser.add_argument(
        '--clutter',
        type=float,
        default=1.0,
        help='distractor and noise strength (0: clean)')
    parser.add_argument(
        '--low-contrast-prob',
        type=float,
        default=0.15,
        help='probability of a low-contrast object')
    parser.add_argument(
        '--size-jitter',
        type=int,
        default=16,
        help='image sides vary by up to this many px')
    parser.add_argument(
        '--overwrite',
        action='store_true',
        help='regenerate even if the arguments match')
    return parser.parse_args(argv)


def _modification_time(path: str) -> Optional[int]:
    return os.stat(path).st_mtime_ns if os.path.exists(path) else None


def generate(args: argparse.Namespace) -> None:
    """Generates the dataset and prints a one-line summary."""
    meta_file = os.path.join(args.out, 'meta.json')
    previous_meta = _modification_time(meta_file)
    start = time.perf_counter()
    paths = generate_demo_dataset(
        args.out,
        num_train=args.num_train,
        num_val=args.num_val,
        img_size=args.img_size,
        seed=args.seed,
        min_size=args.min_size,
        max_size=args.max_size,
        max_objects=args.max_objects,
        box_jitter=args.box_jitter,
        drop_prob=args.drop_prob,
        flip_prob=args.flip_prob,
        overwrite=args.overwrite,
        clutter=args.clutter,
        low_contrast_prob=args.low_contrast_prob,
        size_jitter=args.size_jitter)
    seconds = time.perf_counter() - start
    with open(paths['meta_file']) as f:
        meta = json.load(f)
    images, boxes = meta['num_images'], meta['num_boxes']
    reused = previous_meta == _modification_time(meta_file)
    print(f'{paths["data_root"]}: {images["train"]} train / {images["val"]} '
          f'val images, {boxes["train"]} / {boxes["val"]} boxes, '
          f'{seconds:.1f} s{" (already up to date)" if reused else ""}')


def main(argv: Optional[List[str]] = None) -> None:
    args = parse_args(argv)
    try:
        generate(args)
    except UserInputError as error:
        exit_with_error(error)


if __name__ == '__main__':
    main()
