# Copyright (c) uet_mmdet authors. All rights reserved.
"""Files of the dataset: layout, PNG encoding and COCO json records."""
import json
import os
import re
import struct
import zlib
from typing import Any, Dict, List, Tuple

import numpy as np

from .shapes import DEMO_CLASSES, ObjectAnnotation

__all__ = [
    'SPLITS', 'clear_split', 'coco_annotation', 'coco_categories',
    'count_images', 'output_paths', 'png_bytes', 'write_json_atomically'
]

SPLITS: Tuple[str, ...] = ('train', 'val')

_IMAGE_FILE_PATTERN = re.compile(r'^\d{6}\.png$')


def output_paths(out_dir: str) -> Dict[str, str]:
    """Paths of the dataset files below ``out_dir``.

    Args:
        out_dir: Dataset root.

    Returns:
        ``data_root``, ``meta_file``, per split ``{split}_img_dir`` and
        ``{split}_ann_file``, and ``train_clean_ann_file`` (the train boxes
        before annotation noise).
    """
    ann_dir = os.path.join(out_dir, 'annotations')
    paths = {
        'data_root': out_dir,
        'meta_file': os.path.join(out_dir, 'meta.json')
    }
    for split in SPLITS:
        paths[f'{split}_img_dir'] = os.path.join(out_dir, split)
        paths[f'{split}_ann_file'] = os.path.join(ann_dir,
                                                  f'instances_{split}.json')
    paths['train_clean_ann_file'] = os.path.join(ann_dir,
                                                 'instances_train_clean.json')
    return paths


def count_images(img_dir: str) -> int:
    """Number of generated images in ``img_dir`` (0 if it is missing)."""
    if not os.path.isdir(img_dir):
        return 0
    return sum(1 for name in os.listdir(img_dir)
               if _IMAGE_FILE_PATTERN.match(name))


def clear_split(img_dir: str) -> None:
    """Removes previously generated images (and nothing else) from a split."""
    for name in os.listdir(img_dir):
        if _IMAGE_FILE_PATTERN.match(name):
            os.remove(os.path.join(img_dir, name))


def png_bytes(image: np.ndarray, compress_level: int = 6) -> bytes:
    """Encodes an 8-bit RGB image as PNG (every row with the "Up" filter)."""
    height, width, channels = image.shape
    flat = image.reshape(height, width * channels)
    rows = np.empty((height, width * channels + 1), dtype=np.uint8)
    rows[:, 0] = 2
    rows[0, 1:] = flat[0]
    np.subtract(flat[1:], flat[:-1], out=rows[1:, 1:])

    def chunk(tag: bytes, data: bytes) -> bytes:
        return (struct.pack('>I', len(data)) + tag + data +
                struct.pack('>I',
                            zlib.crc32(tag + data) & 0xFFFFFFFF))

    header = struct.pack('>IIBBBBB', width, height, 8, 2, 0, 0, 0)
    return (b'\x89PNG\r\n\x1a\n' + chunk(b'IHDR', header) +
            chunk(b'IDAT', zlib.compress(rows.tobytes(), compress_level)) +
            chunk(b'IEND', b''))


def _round(value: float) -> float:
    return round(float(value), 2)


def coco_annotation(obj: ObjectAnnotation, ann_id: int,
                    image_id: int) -> Dict[str, Any]:
    """COCO annotation record of ``obj`` (xywh box, 1-based category)."""
    x1, y1, x2, y2 = (_round(v) for v in obj.box)
    return {
        'id': ann_id,
        'image_id': image_id,
        'category_id': obj.label + 1,
        'bbox': [x1, y1, _round(x2 - x1),
                 _round(y2 - y1)],
        'area': _round(obj.area),
        'iscrowd': 0,
    }


def coco_categories() -> List[Dict[str, Any]]:
    """COCO category records of :data:`DEMO_CLASSES`."""
    return [{
        'id': i + 1,
        'name': name,
        'supercategory': 'shape'
    } for i, name in enumerate(DEMO_CLASSES)]


def write_json_atomically(path: str, payload: Any) -> None:
    """Writes compact json to a temporary file, then renames it to ``path``."""
    tmp_path = path + '.tmp'
    with open(tmp_path, 'w') as f:
        json.dump(payload, f, separators=(',', ':'))
    os.replace(tmp_path, path)
