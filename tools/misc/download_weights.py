# Copyright (c) uet_mmdet authors. All rights reserved.
"""Download model-zoo teachers and ImageNet weights, checked by sha256.

    python tools/misc/download_weights.py NAME [NAME ...] [--save-dir DIR]
    python tools/misc/download_weights.py --config CONFIG [CONFIG ...]
        [--cfg-options key=value ...]
    python tools/misc/download_weights.py --list

Names are those of ``uet_mmdet/utils/model_zoo.py`` (``--list`` prints them
with their URLs). With ``--config`` every weights file the config reads
(teacher, ``Pretrained`` backbones, ``load_from``) that the table has is
downloaded to the path the config reads it from. A file already there with
the right sha256 prefix is kept; a download replaces nothing until its
sha256 checks out. ``--mirror URL`` fetches the files by their published
names from another server. A failed download or a wrong hash stops the tool
with one ``error:`` line (status 2).
"""
import argparse
import os.path as osp

from mmengine.config import Config, DictAction

from uet_mmdet.errors import UserInputError
from uet_mmdet.utils import apply_cfg_options, exit_with_error
from uet_mmdet.utils.model_zoo import DEFAULT_DIR, MODEL_ZOO
from uet_mmdet.utils.weights_download import config_weights, download_weights


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('names', nargs='*', help='weights to download')
    parser.add_argument(
        '--config',
        nargs='+',
        default=[],
        help='download the weights these configs read')
    parser.add_argument(
        '--cfg-options',
        nargs='+',
        action=DictAction,
        help='override config settings, e.g. model.teacher_ckpt=...')
    parser.add_argument(
        '--save-dir',
        default=DEFAULT_DIR,
        help=f'folder for NAMEs (default: {DEFAULT_DIR})')
    parser.add_argument(
        '--mirror', help='base URL holding the files by their names')
    parser.add_argument(
        '--timeout',
        type=float,
        default=60.0,
        help='seconds to wait for the server (default: 60)')
    parser.add_argument(
        '--list', action='store_true', help='print the table and exit')
    return parser.parse_args()


def _print_table() -> None:
    for name, weights in MODEL_ZOO.items():
        box_ap = f'  box AP {weights.box_ap}' if weights.box_ap else ''
        print(f'{name}{box_ap}\n    {weights.url}')


def _wanted(args: argparse.Namespace) -> list:
    """``(name, path)`` pairs to fetch, in order, each once."""
    wanted = [(name, osp.join(args.save_dir, MODEL_ZOO[name].filename))
              for name in args.names if name in MODEL_ZOO]
    unknown = [name for name in args.names if name not in MODEL_ZOO]
    if unknown:
        raise UserInputError(f'unknown weights {", ".join(unknown)}; '
                             '--list shows the known ones')
    for config in args.config:
        if not osp.isfile(config):
            raise UserInputError(f'config file not found: {config}')
        cfg = apply_cfg_options(Config.fromfile(config), args.cfg_options)
        for key, path, name in config_weights(cfg):
            if name is None:
                print(f'not in the table, skipped: {path} ({key})')
            elif (name, path) not in wanted:
                wanted.append((name, path))
    return wanted


def main() -> None:
    args = parse_args()
    if args.list:
        _print_table()
        return
    try:
        if not args.names and not args.config:
            raise UserInputError('give weights names or --config (see --list)')
        for name, path in _wanted(args):
            outcome = download_weights(name, path, args.mirror, args.timeout)
            print(f'{outcome}: {path} ({name})')
    except UserInputError as error:  # WeightsDownloadError among them
        exit_with_error(error)


if __name__ == '__main__':
    main()
