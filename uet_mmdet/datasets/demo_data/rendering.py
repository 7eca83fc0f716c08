# Copyright (c) uet_mmdet authors. All rights reserved.
"""Renders one cluttered image of textured demo objects."""
import math
from dataclasses import dataclass
from typing import List, Optional, Tuple

import numpy as np

from .raster import (Window, composite, object_colours, pixel_window,
                     polyline_coverage, shape_coverage, smooth_noise, texture)
from .shapes import (DEMO_CLASSES, SHAPE_MAKERS, Box, ObjectAnnotation, Shape,
                     fit_to_size, make_lumpy_blob)

__all__ = ['RenderConfig', 'render_image']

_MAX_PLACEMENT_TRIES = 12


@dataclass(frozen=True)
class RenderConfig:
    """Arguments that determine the pixels of an image."""
    seed: int
    img_size: int
    size_jitter: int
    min_size: int
    max_size: int
    max_objects: int
    clutter: float
    low_contrast_prob: float
    max_overlap: float
    min_visibility: float


def _log_uniform(rng: np.random.Generator, low: float, high: float) -> float:
    return float(math.exp(rng.uniform(math.log(low), math.log(high))))


def _image_shape(rng: np.random.Generator,
                 cfg: RenderConfig) -> Tuple[int, int]:
    height, width = (
        cfg.img_size +
        rng.integers(-cfg.size_jitter, cfg.size_jitter + 1, size=2))
    return int(height), int(width)


def _background(rng: np.random.Generator, height: int, width: int,
                clutter: float) -> np.ndarray:
    """Random linear gradient plus low-frequency colour blotches."""
    start, end = rng.random(3), rng.random(3)
    angle = rng.uniform(0, 2 * math.pi)
    px = np.arange(width, dtype=np.float32)[None, :] / width
    py = np.arange(height, dtype=np.float32)[:, None] / height
    ramp = px * math.cos(angle) + py * math.sin(angle)
    ramp = (ramp - ramp.min()) / max(float(np.ptp(ramp)), 1e-6)
    canvas = (start + (end - start) * ramp[..., None]).astype(np.float32)
    grid = int(rng.integers(3, 9))
    canvas += 0.18 * clutter * smooth_noise(rng, height, width, grid, 3)
    return canvas


def _poisson_count(rng: np.random.Generator, mean: float) -> int:
    return int(rng.poisson(max(mean, 0.0)))


def _draw_soft_blobs(rng: np.random.Generator, canvas: np.ndarray,
                     count: int) -> None:
    height, width = canvas.shape[:2]
    for _ in range(count):
        sigma_x, sigma_y = rng.uniform(3, max(4, min(height, width) / 8), 2)
        cx, cy = rng.uniform(0, width), rng.uniform(0, height)
        window = pixel_window((cx - 3 * sigma_x, cy - 3 * sigma_y,
                               cx + 3 * sigma_x, cy + 3 * sigma_y), width,
                              height)
        x0, y0, x1, y1 = window
        px = (np.arange(x0, x1, dtype=np.float32)[None, :] + 0.5 - cx)
        py = (np.arange(y0, y1, dtype=np.float32)[:, None] + 0.5 - cy)
        px, py = px / sigma_x, py / sigma_y
        alpha = rng.uniform(0.3, 0.8) * np.exp(-0.5 * (px * px + py * py))
        composite(canvas, window, rng.random(3).astype(np.float32), alpha)


def _paint_textured_shape(rng: np.random.Generator, canvas: np.ndarray,
                          shape: Shape, long_side: float,
                          low_contrast: bool) -> Tuple[Window, np.ndarray]:
    """Paints ``shape`` with a random texture; returns window and coverage."""
    height, width = canvas.shape[:2]
    window = pixel_window(shape.bounds(), width, height)
    x0, y0, x1, y1 = window
    coverage = shape_coverage(shape, window)
    local_mean = canvas[y0:y1, x0:x1].mean(axis=(0, 1))
    colours = object_colours(rng, local_mean, low_contrast)
    composite(canvas, window, texture(rng, window, long_side, colours),
              coverage)
    return window, coverage


def _draw_lumpy_blobs(rng: np.random.Generator, canvas: np.ndarray, count: int,
                      low: float, high: float) -> None:
    height, width = canvas.shape[:2]
    for _ in range(count):
        long_side = _log_uniform(rng, low, high)
        shape = fit_to_size(make_lumpy_blob(rng), long_side)
        _, _, box_w, box_h = shape.bounds()
        shape = shape.transformed(1.0, rng.uniform(0, width - box_w),
                                  rng.uniform(0, height - box_h))
        _paint_textured_shape(rng, canvas, shape, long_side, False)


def _draw_lines(rng: np.random.Generator,
                canvas: np.ndarray,
                count: int,
                occlusion_owner: Optional[np.ndarray] = None) -> None:
    """Draws thin polylines; opaque parts clear ``occlusion_owner``."""
    height, width = canvas.shape[:2]
    for _ in range(count):
        num_points = int(rng.integers(2, 5))
        points = np.empty((num_points, 2))
        points[0] = rng.uniform(0, width), rng.uniform(0, height)
        step = min(width, height) * rng.uniform(0.2, 0.6)
        for i in range(1, num_points):
            heading = rng.uniform(0, 2 * math.pi)
            points[i] = points[i - 1] + step * np.array(
                [math.cos(heading), math.sin(heading)])
        half_width = rng.uniform(0.5, 1.3)
        margin = half_width + 1
        window = pixel_window(
            (points[:, 0].min() - margin, points[:, 1].min() - margin,
             points[:, 0].max() + margin, points[:, 1].max() + margin), width,
            height)
        if window[2] <= window[0] or window[3] <= window[1]:
            continue
        alpha = rng.uniform(0.5, 1.0) * polyline_coverage(
            points, half_width, window)
        composite(canvas, window, rng.random(3).astype(np.float32), alpha)
        if occlusion_owner is not None:
            x0, y0, x1, y1 = window
            occlusion_owner[y0:y1, x0:x1][alpha >= 0.5] = -1


def _place_box(rng: np.random.Generator, size: Tuple[float, float], width: int,
               height: int, placed: List[Box],
               max_overlap: float) -> Tuple[float, float]:
    """Top-left corner for a box of ``size`` limiting overlap with ``placed``.

    Overlap is the intersection over the smaller box area. The first candidate
    within ``max_overlap`` wins; otherwise the least overlapping one.
    """
    box_w, box_h = size
    best, best_overlap = (0.0, 0.0), math.inf
    for _ in range(_MAX_PLACEMENT_TRIES):
        x = rng.uniform(1, width - 1 - box_w)
        y = rng.uniform(1, height - 1 - box_h)
        overlap = max((_overlap_fraction((x, y, x + box_w, y + box_h), other)
                       for other in placed),
                      default=0.0)
        if overlap < best_overlap:
            best, best_overlap = (x, y), overlap
        if overlap <= max_overlap:
            break
    return best


def _overlap_fraction(a: Box, b: Box) -> float:
    inter_w = min(a[2], b[2]) - max(a[0], b[0])
    inter_h = min(a[3], b[3]) - max(a[1], b[1])
    if inter_w <= 0 or inter_h <= 0:
        return 0.0
    smaller = min((a[2] - a[0]) * (a[3] - a[1]), (b[2] - b[0]) * (b[3] - b[1]))
    return inter_w * inter_h / smaller


def _draw_objects(
        rng: np.random.Generator, canvas: np.ndarray, cfg: RenderConfig,
        size_range: Tuple[float, float],
        owner: np.ndarray) -> Tuple[List[ObjectAnnotation], List[int]]:
    """Draws the annotated objects back to front.

    Returns:
        The objects and, per object, its number of pixels (coverage >= 0.5);
        ``owner`` then holds the index of the object visible at each pixel.
    """
    height, width = canvas.shape[:2]
    objects: List[ObjectAnnotation] = []
    pixel_counts: List[int] = []
    placed: List[Box] = []
    for index in range(int(rng.integers(1, cfg.max_objects + 1))):
        label = int(rng.integers(len(DEMO_CLASSES)))
        long_side = _log_uniform(rng, *size_range)
        make_shape = SHAPE_MAKERS[DEMO_CLASSES[label]]
        shape = fit_to_size(make_shape(rng), long_side)
        _, _, box_w, box_h = shape.bounds()
        x, y = _place_box(rng, (box_w, box_h), width, height, placed,
                          cfg.max_overlap)
        shape = shape.transformed(1.0, x, y)
        box = shape.bounds()
        low_contrast = bool(rng.random() < cfg.low_contrast_prob)
        window, coverage = _paint_textured_shape(rng, canvas, shape, long_side,
                                                 low_contrast)
        x0, y0, x1, y1 = window
        solid = coverage >= 0.5
        owner[y0:y1, x0:x1][solid] = index
        box_area = (box[2] - box[0]) * (box[3] - box[1])
        area = min(float(coverage.sum()), box_area)  # sampling can overshoot
        objects.append(ObjectAnnotation(label, box, area))
        pixel_counts.append(max(int(solid.sum()), 1))
        placed.append(box)
    return objects, pixel_counts


def _visible_objects(objects: List[ObjectAnnotation], pixel_counts: List[int],
                     owner: np.ndarray,
                     min_visibility: float) -> List[ObjectAnnotation]:
    """Objects whose visible fraction is at least ``min_visibility``.

    The most visible object is kept if none qualifies, so no image is empty.
    """
    visible = np.bincount(owner[owner >= 0].ravel(), minlength=len(objects))
    fractions = visible / np.asarray(pixel_counts, dtype=np.float64)
    kept = [obj for obj, f in zip(objects, fractions) if f >= min_visibility]
    return kept or [objects[int(np.argmax(fractions))]]


def render_image(
        rng: np.random.Generator,
        cfg: RenderConfig) -> Tuple[np.ndarray, List[ObjectAnnotation]]:
    """Renders one image and its clean annotations.

    Args:
        rng: Random generator of the image; it is consumed.
        cfg: Render arguments.

    Returns:
        The uint8 HWC RGB image and its annotated objects.
    """
    height, width = _image_shape(rng, cfg)
    size_range = (float(cfg.min_size),
                  float(
                      max(
                          min(cfg.max_size,
                              min(height, width) - 4), cfg.min_size)))
    density = cfg.clutter * height * width / 256.0**2

    canvas = _background(rng, height, width, cfg.clutter)
    _draw_soft_blobs(rng, canvas, _poisson_count(rng, 4 * density))
    _draw_lumpy_blobs(rng, canvas, _poisson_count(rng, 2.5 * density),
                      max(size_range[0], 16.0), max(size_range[1], 16.0))
    _draw_lines(rng, canvas, _poisson_count(rng, 3 * density))

    owner = np.full((height, width), -1, dtype=np.int32)
    objects, pixel_counts = _draw_objects(rng, canvas, cfg, size_range, owner)
    _draw_lines(rng, canvas, _poisson_count(rng, 1 * density), owner)

    canvas += (0.035 * cfg.clutter) * rng.standard_normal(
        canvas.shape, dtype=np.float32)
    image = (np.clip(canvas, 0, 1) * 255 + 0.5).astype(np.uint8)
    return image, _visible_objects(objects, pixel_counts, owner,
                                   cfg.min_visibility)
