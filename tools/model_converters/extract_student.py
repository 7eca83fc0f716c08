# Copyright (c) uet_mmdet authors. All rights reserved.
"""Convert a distillation checkpoint into a plain mmdet student checkpoint.

    python tools/model_converters/extract_student.py DISTILL.pth STUDENT.pth

The output loads into the student's own config (e.g.
configs/demo/retinanet_r18_fpn_demo.py) with stock mmdet.
"""
import argparse

import torch
from mmengine.runner import CheckpointLoader

from uet_mmdet.compat import UnsafeCheckpointError
from uet_mmdet.errors import UserInputError
from uet_mmdet.utils import exit_with_error
from uet_mmdet.utils.checkpoint_export import extract_student


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('checkpoint', help='distillation checkpoint')
    parser.add_argument('out', help='student checkpoint to write')
    args = parser.parse_args()
    try:
        checkpoint = CheckpointLoader.load_checkpoint(
            args.checkpoint, map_location='cpu', logger='silent')
        student = extract_student(checkpoint)
    except (FileNotFoundError, UnsafeCheckpointError) as error:
        exit_with_error(error)
    except UserInputError as error:
        exit_with_error(f'{args.checkpoint}: {error}')
    torch.save(student, args.out)
    print(f'wrote {args.out}: {len(student["state_dict"])} student tensors')


if __name__ == '__main__':
    main()
