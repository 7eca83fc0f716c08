# Copyright (c) uet_mmdet authors. All rights reserved.
"""Label noise for the train annotations: box jitter, drop and flip."""
from dataclasses import dataclass
from typing import List, Tuple

import numpy as np

from .shapes import DEMO_CLASSES, Box, ObjectAnnotation

__all__ = ['NoiseConfig', 'noisy_annotations']

_MIN_NOISY_BOX_SIDE = 1.0


@dataclass(frozen=True)
class NoiseConfig:
    """Arguments that perturb the train annotations."""
    box_jitter: float
    drop_prob: float
    flip_prob: float


def _jittered_box(box: Box, normals: np.ndarray, jitter: float, width: int,
                  height: int) -> Box:
    """Moves each corner by ``normals * jitter * box size`` (clipped)."""
    w, h = box[2] - box[0], box[3] - box[1]
    scale = np.array([w, h, w, h]) * jitter
    x1, y1, x2, y2 = (np.asarray(box) + normals * scale).tolist()
    x1, x2 = _valid_interval(min(x1, x2), max(x1, x2), width)
    y1, y2 = _valid_interval(min(y1, y2), max(y1, y2), height)
    return x1, y1, x2, y2


def _valid_interval(low: float, high: float,
                    limit: int) -> Tuple[float, float]:
    """Clips ``[low, high]`` to ``[0, limit]`` keeping a minimum length."""
    low, high = max(low, 0.0), min(high, float(limit))
    if high - low < _MIN_NOISY_BOX_SIDE:
        centre = min(
            max((low + high) / 2, _MIN_NOISY_BOX_SIDE / 2),
            limit - _MIN_NOISY_BOX_SIDE / 2)
        low = centre - _MIN_NOISY_BOX_SIDE / 2
        high = centre + _MIN_NOISY_BOX_SIDE / 2
    return low, high


def noisy_annotations(rng: np.random.Generator,
                      objects: List[ObjectAnnotation], noise: NoiseConfig,
                      width: int, height: int) -> List[ObjectAnnotation]:
    """Applies drop, label flip and box jitter noise.

    The same random numbers are drawn for every object whatever the noise
    rates, so e.g. the dropped objects do not change when only the jitter does.

    Args:
        rng: Random generator of the image's noise; it is consumed.
        objects: Clean annotations of the image.
        noise: Noise rates.
        width: Image width; jittered boxes are clipped to it.
        height: Image height; jittered boxes are clipped to it.

    Returns:
        The kept annotations, in order, with noisy labels and boxes.
    """
    num_classes = len(DEMO_CLASSES)
    noisy = []
    for obj in objects:
        drop_draw, flip_draw = rng.random(2)
        label_shift = int(rng.integers(1, num_classes))
        normals = rng.standard_normal(4)
        if drop_draw < noise.drop_prob:
            continue
        label = obj.label
        if flip_draw < noise.flip_prob:
            label = (label + label_shift) % num_classes
        box = obj.box
        if noise.box_jitter > 0:
            box = _jittered_box(box, normals, noise.box_jitter, width, height)
        noisy.append(ObjectAnnotation(label, box, obj.area))
    return noisy
