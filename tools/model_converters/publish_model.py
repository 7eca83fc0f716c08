# Copyright (c) uet_mmdet authors. All rights reserved.
"""Keep only the weights and inference meta of a training checkpoint.

    python tools/model_converters/publish_model.py IN.pth OUT.pth [--trust]

The file written is OUT-<first 8 hex of its sha256>.pth, as in mmdet's model
zoo (mmdet's publish_model names files the same way).

The output loads with ``torch.load(weights_only=True)``. Checkpoints written
by ``UETRunner`` load that way already; a checkpoint of the plain mmengine
Runner needs ``--trust`` (only for files you made yourself: it allows the
globals of mmengine's logger state for this one load).
"""
import argparse
import contextlib

import torch
from mmengine.runner import CheckpointLoader

from uet_mmdet.compat import UnsafeCheckpointError, allow_resume_globals
from uet_mmdet.utils import exit_with_error
from uet_mmdet.utils.checkpoint_export import add_sha_suffix, publish_weights


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('checkpoint', help='training checkpoint')
    parser.add_argument(
        'out', help='weights file to write (a sha256 suffix is added)')
    parser.add_argument(
        '--trust',
        action='store_true',
        help='allow mmengine logger objects in the input (your own files)')
    args = parser.parse_args()
    scope = allow_resume_globals() if args.trust else contextlib.nullcontext()
    try:
        with scope:
            checkpoint = CheckpointLoader.load_checkpoint(
                args.checkpoint, map_location='cpu', logger='silent')
    except (FileNotFoundError, UnsafeCheckpointError) as error:
        exit_with_error(error)
    torch.save(publish_weights(checkpoint), args.out)
    print(f'wrote {add_sha_suffix(args.out)}')


if __name__ == '__main__':
    main()
