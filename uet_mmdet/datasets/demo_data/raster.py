# Copyright (c) uet_mmdet authors. All rights reserved.
"""Pixel primitives: coverage masks, smooth noise, textures, blending."""
import math
from typing import Tuple

import numpy as np

from .shapes import Box, Shape

__all__ = [
    'Window', 'composite', 'object_colours', 'pixel_window',
    'polyline_coverage', 'shape_coverage', 'smooth_noise', 'texture'
]

_SUPERSAMPLING = 2

Window = Tuple[int, int, int, int]  # x0, y0, x1, y1 pixel indices


def pixel_window(box: Box, width: int, height: int) -> Window:
    """Integer window ``(x0, y0, x1, y1)`` of the pixels touched by ``box``."""
    x0 = max(int(math.floor(box[0])), 0)
    y0 = max(int(math.floor(box[1])), 0)
    x1 = min(int(math.ceil(box[2])), width)
    y1 = min(int(math.ceil(box[3])), height)
    return x0, y0, max(x1, x0), max(y1, y0)


def shape_coverage(shape: Shape, window: Window) -> np.ndarray:
    """Fraction of each window pixel covered by ``shape`` (supersampled)."""
    x0, y0, x1, y1 = window
    ss = _SUPERSAMPLING
    offsets = (np.arange(ss) + 0.5) / ss
    px = (np.arange(x0, x1)[:, None] + offsets).reshape(1, -1)
    py = (np.arange(y0, y1)[:, None] + offsets).reshape(-1, 1)
    inside = shape.inside(px, py)
    return inside.reshape(y1 - y0, ss, x1 - x0, ss).mean(
        axis=(1, 3), dtype=np.float32)


def polyline_coverage(points: np.ndarray, half_width: float,
                      window: Window) -> np.ndarray:
    """Anti-aliased coverage of a thick polyline through ``points``."""
    x0, y0, x1, y1 = window
    px = np.arange(x0, x1, dtype=np.float32)[None, :] + 0.5
    py = np.arange(y0, y1, dtype=np.float32)[:, None] + 0.5
    distance = np.full((y1 - y0, x1 - x0), np.inf, dtype=np.float32)
    for (ax, ay), (bx, by) in zip(points[:-1], points[1:]):
        dx, dy = bx - ax, by - ay
        t = np.clip(
            ((px - ax) * dx + (py - ay) * dy) / max(dx * dx + dy * dy, 1e-6),
            0, 1)
        np.minimum(
            distance,
            np.hypot(px - ax - t * dx, py - ay - t * dy),
            out=distance)
    return np.clip(half_width + 0.5 - distance, 0, 1)


def _interpolation_matrix(out_len: int, grid_len: int) -> np.ndarray:
    """Linear-interpolation weights upsampling ``grid_len`` to ``out_len``."""
    pos = (np.arange(out_len) + 0.5) / out_len * (grid_len - 1)
    left = np.minimum(pos.astype(np.int64), grid_len - 2)
    frac = (pos - left).astype(np.float32)
    weights = np.zeros((out_len, grid_len), dtype=np.float32)
    weights[np.arange(out_len), left] = 1 - frac
    weights[np.arange(out_len), left + 1] = frac
    return weights


def smooth_noise(rng: np.random.Generator, height: int, width: int, grid: int,
                 channels: int) -> np.ndarray:
    """Low-frequency noise in [-1, 1]: a random grid upsampled bilinearly."""
    values = rng.uniform(-1, 1, (grid, grid, channels)).astype(np.float32)
    rows = _interpolation_matrix(height, grid)
    cols = _interpolation_matrix(width, grid)
    return np.einsum('yg,gxc->yxc', rows, np.einsum('xh,ghc->gxc', cols,
                                                    values))


def composite(canvas: np.ndarray, window: Window, colour: np.ndarray,
              alpha: np.ndarray) -> None:
    """Alpha-blends ``colour`` (h, w, 3) or (3,) into ``canvas`` in place."""
    x0, y0, x1, y1 = window
    region = canvas[y0:y1, x0:x1]
    region += (colour - region) * alpha[..., None]


def object_colours(rng: np.random.Generator, local_mean: np.ndarray,
                   low_contrast: bool) -> Tuple[np.ndarray, np.ndarray]:
    """Two texture colours, either random or close to ``local_mean``."""
    if not low_contrast:
        return rng.random(3), rng.random(3)
    sign = rng.choice([-1.0, 1.0])
    first = local_mean + sign * rng.uniform(0.06, 0.14) + rng.uniform(
        -0.04, 0.04, 3)
    second = first + rng.uniform(-0.06, 0.06, 3)
    return np.clip(first, 0, 1), np.clip(second, 0, 1)


def texture(rng: np.random.Generator, window: Window, long_side: float,
            colours: Tuple[np.ndarray, np.ndarray]) -> np.ndarray:
    """Random texture (h, w, 3) mixing two colours over the window."""
    x0, y0, x1, y1 = window
    h, w = y1 - y0, x1 - x0
    kinds = ['solid', 'gradient', 'speckle']
    if long_side >= 14:  # periodic patterns would hide tiny shapes
        kinds += ['stripes', 'checkers']
    kind = kinds[int(rng.integers(len(kinds)))]
    px = np.arange(w, dtype=np.float32)[None, :]
    py = np.arange(h, dtype=np.float32)[:, None]
    angle = rng.uniform(0, math.pi)
    along = px * math.cos(angle) + py * math.sin(angle)
    across = py * math.cos(angle) - px * math.sin(angle)
    period = rng.uniform(3.0, max(4.0, long_side / 3))
    if kind == 'solid':
        mix = np.zeros((h, w), dtype=np.float32)
    elif kind == 'gradient':
        mix = (along - along.min()) / max(float(np.ptp(along)), 1.0)
    elif kind == 'speckle':
        mix = rng.random((h, w), dtype=np.float32)
    elif kind == 'stripes':
        mix = (np.sin(2 * math.pi * along / period) > 0).astype(np.float32)
    else:
        mix = ((np.floor(along / period) + np.floor(across / period)) %
               2).astype(np.float32)
    first, second = (c.astype(np.float32) for c in colours)
    return first + (second - first) * mix[..., None]
