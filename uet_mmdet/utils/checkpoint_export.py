# Copyright (c) uet_mmdet authors. All rights reserved.
"""Turn training checkpoints into deployable weight files."""
import hashlib
import os
from collections import OrderedDict
from typing import Any, Dict

from uet_mmdet.errors import UserInputError

STUDENT_PREFIX = 'architecture.'
# meta entries an mmdet checkpoint needs for inference (class names, palette)
_KEPT_META = ('dataset_meta', 'mmengine_version', 'time', 'epoch', 'iter')


def _plain_meta(checkpoint: Dict[str, Any]) -> Dict[str, Any]:
    meta = checkpoint.get('meta') or {}
    return {key: meta[key] for key in _KEPT_META if key in meta}


def publish_weights(checkpoint: Dict[str, Any]) -> Dict[str, Any]:
    """Keep only ``state_dict`` and the inference ``meta`` of a checkpoint.

    The result holds tensors and plain containers only, so it loads with
    ``torch.load(weights_only=True)`` (as teacher checkpoints are loaded).
    """
    return dict(
        meta=_plain_meta(checkpoint),
        state_dict=OrderedDict(checkpoint['state_dict']))


def extract_student(checkpoint: Dict[str, Any]) -> Dict[str, Any]:
    """Strip a distillation checkpoint down to a plain mmdet student.

    MMRazor's distill algorithms keep the student under ``architecture.``;
    teacher, distiller (connectors, loss modules) and optimizer state are
    dropped.

    Raises:
        UserInputError: The checkpoint has no ``architecture.`` weights,
            i.e. it is not a distillation checkpoint.
    """
    state_dict = checkpoint.get('state_dict') or {}
    student = OrderedDict((key[len(STUDENT_PREFIX):], value)
                          for key, value in state_dict.items()
                          if key.startswith(STUDENT_PREFIX))
    if not student:
        raise UserInputError('no weights under "architecture.": not a '
                             'checkpoint of an MMRazor distillation '
                             'algorithm')
    return dict(meta=_plain_meta(checkpoint), state_dict=student)


def sha256_of(path: str) -> str:
    """Hex sha256 of a file, read in 1 MiB blocks."""
    digest = hashlib.sha256()
    with open(path, 'rb') as f:
        for block in iter(lambda: f.read(1 << 20), b''):
            digest.update(block)
    return digest.hexdigest()


def add_sha_suffix(path: str) -> str:
    """Rename ``NAME.pth`` to ``NAME-<first 8 hex of its sha256>.pth`` (the
    model-zoo naming of mmdet's publish_model) and return the new path."""
    stem = path[:-len('.pth')] if path.endswith('.pth') else path
    final = f'{stem}-{sha256_of(path)[:8]}.pth'
    os.replace(path, final)
    return final


__all__ = [
    'STUDENT_PREFIX', 'publish_weights', 'extract_student', 'sha256_of',
    'add_sha_suffix'
]
