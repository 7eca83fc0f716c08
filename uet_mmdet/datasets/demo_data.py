"""Deterministic, seeded generator of a synthetic COCO detection dataset.

The images show textured geometric objects of :data:`DEMO_CLASSES` on cluttered
backgrounds. Shape is the only cue for the class: every object gets a random
texture (solid, gradient, stripes, checkers or speckle) in random colours, and
the background holds look-alike distractors (textured lumpy blobs, soft blobs,
lines) that are not annotated. Objects span a wide range of scales (log-uniform
long side between ``min_size`` and ``max_size``), overlap each other, and are
sometimes drawn with low contrast against their surroundings.

Layout written by :func:`generate_demo_dataset`::

    out_dir/
        train/000000.png ...
        val/000000.png ...
        annotations/instances_train.json
        annotations/instances_val.json
        meta.json          # arguments and counts; written last

Every image is rendered from its own child seed ``(seed, split, index)``, so
the output is byte-identical for identical arguments, and the images do not
depend on the annotation-noise arguments (``box_jitter``, ``drop_prob``,
``flip_prob``), which only perturb the train annotations.

The module needs only numpy and the standard library (PNG files are encoded
with :mod:`zlib`), so it can run before the rest of the package is installed.
"""
import json
import math
import os
import re
import struct
import zlib
from dataclasses import asdict, dataclass
from typing import Any, Dict, List, Optional, Tuple, Union

import numpy as np

__all__ = ['DEMO_CLASSES', 'GENERATOR_VERSION', 'generate_demo_dataset']

DEMO_CLASSES: Tuple[str, ...] = ('disc', 'square', 'triangle', 'ring', 'cross',
                                 'star', 'bar', 'diamond')

# Bump whenever the rendering changes, so cached datasets are regenerated.
GENERATOR_VERSION = 1

SPLITS: Tuple[str, ...] = ('train', 'val')
_SPLIT_SEED_CODES = {'train': 0, 'val': 1}
_RENDER_STREAM = 0
_NOISE_STREAM = 1

_SUPERSAMPLING = 2
_MAX_PLACEMENT_TRIES = 12
_BLOB_VERTICES = 32
_MIN_NOISY_BOX_SIDE = 1.0
_IMAGE_FILE_PATTERN = re.compile(r'^\d{6}\.png$')

Box = Tuple[float, float, float, float]
Window = Tuple[int, int, int, int]  # x0, y0, x1, y1 pixel indices


# ---------------------------------------------------------------------------
# Configuration and annotations
# ---------------------------------------------------------------------------
@dataclass(frozen=True)
class _RenderConfig:
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


@dataclass(frozen=True)
class _NoiseConfig:
    """Arguments that perturb the train annotations."""
    box_jitter: float
    drop_prob: float
    flip_prob: float


@dataclass(frozen=True)
class _ObjectAnnotation:
    """One annotated object: 0-based label, xyxy box and mask area."""
    label: int
    box: Box
    area: float


# ---------------------------------------------------------------------------
# Shapes
# ---------------------------------------------------------------------------
def _rotate(points: np.ndarray, angle: float) -> np.ndarray:
    """Rotates ``(N, 2)`` points about the origin by ``angle`` radians."""
    c, s = math.cos(angle), math.sin(angle)
    return points @ np.array([[c, s], [-s, c]])


@dataclass(frozen=True)
class _Polygon:
    """Polygon shape made of one or more contours (even-odd fill rule)."""
    contours: Tuple[np.ndarray, ...]

    def bounds(self) -> Box:
        vertices = np.concatenate(self.contours)
        x1, y1 = vertices.min(axis=0)
        x2, y2 = vertices.max(axis=0)
        return float(x1), float(y1), float(x2), float(y2)

    def transformed(self, scale: float, dx: float, dy: float) -> '_Polygon':
        offset = np.array([dx, dy])
        return _Polygon(tuple(c * scale + offset for c in self.contours))

    def inside(self, px: np.ndarray, py: np.ndarray) -> np.ndarray:
        """Even-odd test of points ``px`` (1, W) x ``py`` (H, 1)."""
        result = np.zeros((py.shape[0], px.shape[1]), dtype=bool)
        for contour in self.contours:
            nxt = np.roll(contour, -1, axis=0)
            for (xa, ya), (xb, yb) in zip(contour, nxt):
                if ya == yb:
                    continue
                crosses = (ya > py) != (yb > py)
                x_cross = xa + (py - ya) * ((xb - xa) / (yb - ya))
                result ^= crosses & (px < x_cross)
        return result


@dataclass(frozen=True)
class _Ellipse:
    """Rotated ellipse; ``hole`` > 0 cuts a concentric hole (a ring)."""
    cx: float
    cy: float
    a: float
    b: float
    angle: float
    hole: float = 0.0

    def bounds(self) -> Box:
        c, s = math.cos(self.angle), math.sin(self.angle)
        half_w = math.sqrt((self.a * c)**2 + (self.b * s)**2)
        half_h = math.sqrt((self.a * s)**2 + (self.b * c)**2)
        return (self.cx - half_w, self.cy - half_h, self.cx + half_w,
                self.cy + half_h)

    def transformed(self, scale: float, dx: float, dy: float) -> '_Ellipse':
        return _Ellipse(self.cx * scale + dx, self.cy * scale + dy,
                        self.a * scale, self.b * scale, self.angle, self.hole)

    def inside(self, px: np.ndarray, py: np.ndarray) -> np.ndarray:
        c, s = math.cos(self.angle), math.sin(self.angle)
        x, y = px - self.cx, py - self.cy
        u = (x * c + y * s) / self.a
        v = (y * c - x * s) / self.b
        radius_sq = u * u + v * v
        return (radius_sq <= 1.0) & (radius_sq >= self.hole * self.hole)


_Shape = Union[_Polygon, _Ellipse]


def _regular_polygon(radii: np.ndarray, angles: np.ndarray) -> np.ndarray:
    return np.stack([radii * np.cos(angles), radii * np.sin(angles)], axis=1)


def _make_disc(rng: np.random.Generator) -> _Shape:
    return _Ellipse(0.0, 0.0, 1.0, rng.uniform(0.75, 1.0),
                    rng.uniform(0, math.pi))


def _make_ring(rng: np.random.Generator) -> _Shape:
    return _Ellipse(0.0, 0.0, 1.0, rng.uniform(0.8, 1.0),
                    rng.uniform(0, math.pi), hole=rng.uniform(0.45, 0.7))


def _make_square(rng: np.random.Generator) -> _Shape:
    aspect = rng.uniform(0.85, 1.15)
    corners = np.array([[-1, -aspect], [1, -aspect], [1, aspect],
                        [-1, aspect]])
    return _Polygon((_rotate(corners, math.radians(rng.uniform(-12, 12))), ))


def _make_diamond(rng: np.random.Generator) -> _Shape:
    half_width = rng.uniform(0.55, 0.85)
    corners = np.array([[0, -1], [half_width, 0], [0, 1], [-half_width, 0]])
    angle = rng.choice([0.0, 90.0]) + rng.uniform(-12, 12)
    return _Polygon((_rotate(corners, math.radians(angle)), ))


def _make_bar(rng: np.random.Generator) -> _Shape:
    half_thickness = rng.uniform(0.18, 0.35)
    corners = np.array([[-1, -half_thickness], [1, -half_thickness],
                        [1, half_thickness], [-1, half_thickness]])
    angle = rng.choice([0.0, 90.0]) + rng.uniform(-12, 12)
    return _Polygon((_rotate(corners, math.radians(angle)), ))


def _make_triangle(rng: np.random.Generator) -> _Shape:
    angles = (rng.uniform(0, 2 * math.pi) + np.arange(3) * 2 * math.pi / 3 +
              np.radians(rng.uniform(-10, 10, size=3)))
    return _Polygon((_regular_polygon(rng.uniform(0.85, 1.0, size=3),
                                      angles), ))


def _make_cross(rng: np.random.Generator) -> _Shape:
    t = rng.uniform(0.25, 0.4)  # half thickness of the arms
    h = rng.uniform(0.85, 1.15)  # half length of the vertical arm
    outline = np.array([[-t, -h], [t, -h], [t, -t], [1, -t], [1, t], [t, t],
                        [t, h], [-t, h], [-t, t], [-1, t], [-1, -t], [-t, -t]])
    return _Polygon((_rotate(outline, math.radians(rng.uniform(-15, 15))), ))


def _make_star(rng: np.random.Generator) -> _Shape:
    radii = np.tile([1.0, rng.uniform(0.38, 0.55)], 5)
    angles = rng.uniform(0, 2 * math.pi) + np.arange(10) * math.pi / 5
    return _Polygon((_regular_polygon(radii, angles), ))


_SHAPE_MAKERS = {
    'disc': _make_disc,
    'square': _make_square,
    'triangle': _make_triangle,
    'ring': _make_ring,
    'cross': _make_cross,
    'star': _make_star,
    'bar': _make_bar,
    'diamond': _make_diamond,
}
assert tuple(_SHAPE_MAKERS) == DEMO_CLASSES


def _make_lumpy_blob(rng: np.random.Generator) -> _Shape:
    """Smooth amoeba-like polygon used as an unannotated distractor.

    Its radius is a random mix of low angular harmonics, so it has no straight
    edges or sharp corners and cannot be mistaken for one of the classes.
    """
    angles = np.arange(_BLOB_VERTICES) * 2 * math.pi / _BLOB_VERTICES
    harmonics = np.arange(2, 7)[:, None]
    amplitudes = rng.uniform(0.05, 0.15, (5, 1))
    phases = rng.uniform(0, 2 * math.pi, (5, 1))
    radii = 1 + (amplitudes * np.cos(harmonics * angles + phases)).sum(axis=0)
    return _Polygon((_regular_polygon(radii, angles), ))


def _fit_to_size(shape: _Shape, long_side: float) -> _Shape:
    """Scales ``shape`` to a box with ``long_side`` that starts at (0, 0)."""
    x1, y1, x2, y2 = shape.bounds()
    scale = long_side / max(x2 - x1, y2 - y1)
    return shape.transformed(scale, -x1 * scale, -y1 * scale)


def _log_uniform(rng: np.random.Generator, low: float, high: float) -> float:
    return float(math.exp(rng.uniform(math.log(low), math.log(high))))


# ---------------------------------------------------------------------------
# Rasterisation helpers
# ---------------------------------------------------------------------------
def _pixel_window(box: Box, width: int, height: int) -> Window:
    """Integer window ``(x0, y0, x1, y1)`` of the pixels touched by ``box``."""
    x0 = max(int(math.floor(box[0])), 0)
    y0 = max(int(math.floor(box[1])), 0)
    x1 = min(int(math.ceil(box[2])), width)
    y1 = min(int(math.ceil(box[3])), height)
    return x0, y0, max(x1, x0), max(y1, y0)


def _shape_coverage(shape: _Shape, window: Window) -> np.ndarray:
    """Fraction of each window pixel covered by ``shape`` (supersampled)."""
    x0, y0, x1, y1 = window
    ss = _SUPERSAMPLING
    offsets = (np.arange(ss) + 0.5) / ss
    px = (np.arange(x0, x1)[:, None] + offsets).reshape(1, -1)
    py = (np.arange(y0, y1)[:, None] + offsets).reshape(-1, 1)
    inside = shape.inside(px, py)
    return inside.reshape(y1 - y0, ss, x1 - x0, ss).mean(axis=(1, 3),
                                                         dtype=np.float32)


def _polyline_coverage(points: np.ndarray, half_width: float,
                       window: Window) -> np.ndarray:
    """Anti-aliased coverage of a thick polyline through ``points``."""
    x0, y0, x1, y1 = window
    px = np.arange(x0, x1, dtype=np.float32)[None, :] + 0.5
    py = np.arange(y0, y1, dtype=np.float32)[:, None] + 0.5
    distance = np.full((y1 - y0, x1 - x0), np.inf, dtype=np.float32)
    for (ax, ay), (bx, by) in zip(points[:-1], points[1:]):
        dx, dy = bx - ax, by - ay
        t = np.clip(((px - ax) * dx + (py - ay) * dy) / max(dx * dx + dy * dy,
                                                            1e-6), 0, 1)
        np.minimum(distance, np.hypot(px - ax - t * dx, py - ay - t * dy),
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


def _smooth_noise(rng: np.random.Generator, height: int, width: int,
                  grid: int, channels: int) -> np.ndarray:
    """Low-frequency noise in [-1, 1]: a random grid upsampled bilinearly."""
    values = rng.uniform(-1, 1, (grid, grid, channels)).astype(np.float32)
    rows = _interpolation_matrix(height, grid)
    cols = _interpolation_matrix(width, grid)
    return np.einsum('yg,gxc->yxc', rows,
                     np.einsum('xh,ghc->gxc', cols, values))


def _composite(canvas: np.ndarray, window: Window,
               colour: np.ndarray, alpha: np.ndarray) -> None:
    """Alpha-blends ``colour`` (h, w, 3) or (3,) into ``canvas`` in place."""
    x0, y0, x1, y1 = window
    region = canvas[y0:y1, x0:x1]
    region += (colour - region) * alpha[..., None]


# ---------------------------------------------------------------------------
# Textures
# ---------------------------------------------------------------------------
def _object_colours(rng: np.random.Generator, local_mean: np.ndarray,
                    low_contrast: bool) -> Tuple[np.ndarray, np.ndarray]:
    """Two texture colours, either random or close to ``local_mean``."""
    if not low_contrast:
        return rng.random(3), rng.random(3)
    sign = rng.choice([-1.0, 1.0])
    first = local_mean + sign * rng.uniform(0.06, 0.14) + rng.uniform(
        -0.04, 0.04, 3)
    second = first + rng.uniform(-0.06, 0.06, 3)
    return np.clip(first, 0, 1), np.clip(second, 0, 1)


def _texture(rng: np.random.Generator, window: Window, long_side: float,
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


# ---------------------------------------------------------------------------
# Image rendering
# ---------------------------------------------------------------------------
def _image_shape(rng: np.random.Generator,
                 cfg: _RenderConfig) -> Tuple[int, int]:
    height, width = (cfg.img_size + rng.integers(
        -cfg.size_jitter, cfg.size_jitter + 1, size=2))
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
    canvas += 0.18 * clutter * _smooth_noise(rng, height, width, grid, 3)
    return canvas


def _poisson_count(rng: np.random.Generator, mean: float) -> int:
    return int(rng.poisson(max(mean, 0.0)))


def _draw_soft_blobs(rng: np.random.Generator, canvas: np.ndarray,
                     count: int) -> None:
    height, width = canvas.shape[:2]
    for _ in range(count):
        sigma_x, sigma_y = rng.uniform(3, max(4, min(height, width) / 8), 2)
        cx, cy = rng.uniform(0, width), rng.uniform(0, height)
        window = _pixel_window((cx - 3 * sigma_x, cy - 3 * sigma_y,
                                cx + 3 * sigma_x, cy + 3 * sigma_y), width,
                               height)
        x0, y0, x1, y1 = window
        px = (np.arange(x0, x1, dtype=np.float32)[None, :] + 0.5 - cx)
        py = (np.arange(y0, y1, dtype=np.float32)[:, None] + 0.5 - cy)
        px, py = px / sigma_x, py / sigma_y
        alpha = rng.uniform(0.3, 0.8) * np.exp(-0.5 * (px * px + py * py))
        _composite(canvas, window, rng.random(3).astype(np.float32), alpha)


def _paint_textured_shape(rng: np.random.Generator, canvas: np.ndarray,
                          shape: _Shape, long_side: float,
                          low_contrast: bool) -> Tuple[Window, np.ndarray]:
    """Paints ``shape`` with a random texture; returns window and coverage."""
    height, width = canvas.shape[:2]
    window = _pixel_window(shape.bounds(), width, height)
    x0, y0, x1, y1 = window
    coverage = _shape_coverage(shape, window)
    local_mean = canvas[y0:y1, x0:x1].mean(axis=(0, 1))
    colours = _object_colours(rng, local_mean, low_contrast)
    _composite(canvas, window, _texture(rng, window, long_side, colours),
               coverage)
    return window, coverage


def _draw_lumpy_blobs(rng: np.random.Generator, canvas: np.ndarray,
                      count: int, low: float, high: float) -> None:
    height, width = canvas.shape[:2]
    for _ in range(count):
        long_side = _log_uniform(rng, low, high)
        shape = _fit_to_size(_make_lumpy_blob(rng), long_side)
        _, _, box_w, box_h = shape.bounds()
        shape = shape.transformed(1.0, rng.uniform(0, width - box_w),
                                  rng.uniform(0, height - box_h))
        _paint_textured_shape(rng, canvas, shape, long_side, False)


def _draw_lines(rng: np.random.Generator, canvas: np.ndarray, count: int,
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
        window = _pixel_window(
            (points[:, 0].min() - margin, points[:, 1].min() - margin,
             points[:, 0].max() + margin, points[:, 1].max() + margin), width,
            height)
        if window[2] <= window[0] or window[3] <= window[1]:
            continue
        alpha = rng.uniform(0.5, 1.0) * _polyline_coverage(
            points, half_width, window)
        _composite(canvas, window, rng.random(3).astype(np.float32), alpha)
        if occlusion_owner is not None:
            x0, y0, x1, y1 = window
            occlusion_owner[y0:y1, x0:x1][alpha >= 0.5] = -1


def _place_box(rng: np.random.Generator, size: Tuple[float, float],
               width: int, height: int, placed: List[Box],
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


def _draw_objects(rng: np.random.Generator, canvas: np.ndarray,
                  cfg: _RenderConfig, size_range: Tuple[float, float],
                  owner: np.ndarray) -> Tuple[List[_ObjectAnnotation],
                                              List[int]]:
    """Draws the annotated objects back to front.

    Returns:
        The objects and, per object, its number of pixels (coverage >= 0.5);
        ``owner`` then holds the index of the object visible at each pixel.
    """
    height, width = canvas.shape[:2]
    objects: List[_ObjectAnnotation] = []
    pixel_counts: List[int] = []
    placed: List[Box] = []
    for index in range(int(rng.integers(1, cfg.max_objects + 1))):
        label = int(rng.integers(len(DEMO_CLASSES)))
        long_side = _log_uniform(rng, *size_range)
        make_shape = _SHAPE_MAKERS[DEMO_CLASSES[label]]
        shape = _fit_to_size(make_shape(rng), long_side)
        _, _, box_w, box_h = shape.bounds()
        x, y = _place_box(rng, (box_w, box_h), width, height, placed,
                          cfg.max_overlap)
        shape = shape.transformed(1.0, x, y)
        box = shape.bounds()
        low_contrast = bool(rng.random() < cfg.low_contrast_prob)
        window, coverage = _paint_textured_shape(rng, canvas, shape,
                                                 long_side, low_contrast)
        x0, y0, x1, y1 = window
        solid = coverage >= 0.5
        owner[y0:y1, x0:x1][solid] = index
        box_area = (box[2] - box[0]) * (box[3] - box[1])
        area = min(float(coverage.sum()), box_area)  # sampling can overshoot
        objects.append(_ObjectAnnotation(label, box, area))
        pixel_counts.append(max(int(solid.sum()), 1))
        placed.append(box)
    return objects, pixel_counts


def _visible_objects(objects: List[_ObjectAnnotation], pixel_counts: List[int],
                     owner: np.ndarray,
                     min_visibility: float) -> List[_ObjectAnnotation]:
    """Objects whose visible fraction is at least ``min_visibility``.

    The most visible object is kept if none qualifies, so no image is empty.
    """
    visible = np.bincount(owner[owner >= 0].ravel(), minlength=len(objects))
    fractions = visible / np.asarray(pixel_counts, dtype=np.float64)
    kept = [obj for obj, f in zip(objects, fractions) if f >= min_visibility]
    return kept or [objects[int(np.argmax(fractions))]]


def _render_image(rng: np.random.Generator, cfg: _RenderConfig
                  ) -> Tuple[np.ndarray, List[_ObjectAnnotation]]:
    """Renders one image (uint8 HWC RGB) and its clean annotations."""
    height, width = _image_shape(rng, cfg)
    size_range = (float(cfg.min_size),
                  float(max(min(cfg.max_size, min(height, width) - 4),
                            cfg.min_size)))
    density = cfg.clutter * height * width / 256.0**2

    canvas = _background(rng, height, width, cfg.clutter)
    _draw_soft_blobs(rng, canvas, _poisson_count(rng, 4 * density))
    _draw_lumpy_blobs(rng, canvas, _poisson_count(rng, 2.5 * density),
                      max(size_range[0], 16.0), max(size_range[1], 16.0))
    _draw_lines(rng, canvas, _poisson_count(rng, 3 * density))

    owner = np.full((height, width), -1, dtype=np.int32)
    objects, pixel_counts = _draw_objects(rng, canvas, cfg, size_range, owner)
    _draw_lines(rng, canvas, _poisson_count(rng, 1 * density), owner)

    canvas += (0.035 * cfg.clutter) * rng.standard_normal(canvas.shape,
                                                          dtype=np.float32)
    image = (np.clip(canvas, 0, 1) * 255 + 0.5).astype(np.uint8)
    return image, _visible_objects(objects, pixel_counts, owner,
                                   cfg.min_visibility)


# ---------------------------------------------------------------------------
# Annotation noise
# ---------------------------------------------------------------------------
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
        centre = min(max((low + high) / 2, _MIN_NOISY_BOX_SIDE / 2),
                     limit - _MIN_NOISY_BOX_SIDE / 2)
        low = centre - _MIN_NOISY_BOX_SIDE / 2
        high = centre + _MIN_NOISY_BOX_SIDE / 2
    return low, high


def _noisy_annotations(rng: np.random.Generator,
                       objects: List[_ObjectAnnotation], noise: _NoiseConfig,
                       width: int, height: int) -> List[_ObjectAnnotation]:
    """Applies drop, label flip and box jitter noise.

    The same random numbers are drawn for every object whatever the noise
    rates, so e.g. the dropped objects do not change when only the jitter does.
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
        noisy.append(_ObjectAnnotation(label, box, obj.area))
    return noisy


# ---------------------------------------------------------------------------
# Output
# ---------------------------------------------------------------------------
def _png_bytes(image: np.ndarray, compress_level: int = 6) -> bytes:
    """Encodes an 8-bit RGB image as PNG (every row with the "Up" filter)."""
    height, width, channels = image.shape
    flat = image.reshape(height, width * channels)
    rows = np.empty((height, width * channels + 1), dtype=np.uint8)
    rows[:, 0] = 2
    rows[0, 1:] = flat[0]
    np.subtract(flat[1:], flat[:-1], out=rows[1:, 1:])

    def chunk(tag: bytes, data: bytes) -> bytes:
        return (struct.pack('>I', len(data)) + tag + data +
                struct.pack('>I', zlib.crc32(tag + data) & 0xFFFFFFFF))

    header = struct.pack('>IIBBBBB', width, height, 8, 2, 0, 0, 0)
    return (b'\x89PNG\r\n\x1a\n' + chunk(b'IHDR', header) +
            chunk(b'IDAT', zlib.compress(rows.tobytes(), compress_level)) +
            chunk(b'IEND', b''))


def _round(value: float) -> float:
    return round(float(value), 2)


def _coco_annotation(obj: _ObjectAnnotation, ann_id: int,
                     image_id: int) -> Dict[str, Any]:
    x1, y1, x2, y2 = (_round(v) for v in obj.box)
    return {
        'id': ann_id,
        'image_id': image_id,
        'category_id': obj.label + 1,
        'bbox': [x1, y1, _round(x2 - x1), _round(y2 - y1)],
        'area': _round(obj.area),
        'iscrowd': 0,
    }


def _coco_categories() -> List[Dict[str, Any]]:
    return [{
        'id': i + 1,
        'name': name,
        'supercategory': 'shape'
    } for i, name in enumerate(DEMO_CLASSES)]


def _write_json_atomically(path: str, payload: Any) -> None:
    tmp_path = path + '.tmp'
    with open(tmp_path, 'w') as f:
        json.dump(payload, f, separators=(',', ':'))
    os.replace(tmp_path, path)


def _image_rng(seed: int, split: str, index: int,
               stream: int) -> np.random.Generator:
    return np.random.default_rng(
        [seed, _SPLIT_SEED_CODES[split], index, stream])


def _clear_split(img_dir: str) -> None:
    """Removes previously generated images (and nothing else) from a split."""
    for name in os.listdir(img_dir):
        if _IMAGE_FILE_PATTERN.match(name):
            os.remove(os.path.join(img_dir, name))


def _generate_split(split: str, num_images: int, img_dir: str, ann_file: str,
                    cfg: _RenderConfig,
                    noise: Optional[_NoiseConfig]) -> Tuple[int, int]:
    """Renders and writes one split; returns ``(num_images, num_boxes)``."""
    os.makedirs(img_dir, exist_ok=True)
    _clear_split(img_dir)
    images, annotations = [], []
    for index in range(num_images):
        image, objects = _render_image(
            _image_rng(cfg.seed, split, index, _RENDER_STREAM), cfg)
        height, width = image.shape[:2]
        if noise is not None:
            objects = _noisy_annotations(
                _image_rng(cfg.seed, split, index, _NOISE_STREAM), objects,
                noise, width, height)
        file_name = f'{index:06d}.png'
        with open(os.path.join(img_dir, file_name), 'wb') as f:
            f.write(_png_bytes(image))
        image_id = index + 1
        images.append({
            'id': image_id,
            'file_name': file_name,
            'width': width,
            'height': height
        })
        annotations.extend(
            _coco_annotation(obj, len(annotations) + 1, image_id)
            for obj in objects)
    _write_json_atomically(
        ann_file, {
            'info': {
                'description': 'uet_mmdet synthetic shapes demo',
                'version': str(GENERATOR_VERSION),
                'split': split,
            },
            'licenses': [],
            'images': images,
            'annotations': annotations,
            'categories': _coco_categories(),
        })
    return len(images), len(annotations)


def _output_paths(out_dir: str) -> Dict[str, str]:
    ann_dir = os.path.join(out_dir, 'annotations')
    paths = {
        'data_root': out_dir,
        'meta_file': os.path.join(out_dir, 'meta.json')
    }
    for split in SPLITS:
        paths[f'{split}_img_dir'] = os.path.join(out_dir, split)
        paths[f'{split}_ann_file'] = os.path.join(ann_dir,
                                                  f'instances_{split}.json')
    return paths


def _count_images(img_dir: str) -> int:
    if not os.path.isdir(img_dir):
        return 0
    return sum(1 for name in os.listdir(img_dir)
               if _IMAGE_FILE_PATTERN.match(name))


def _is_complete(paths: Dict[str, str], arguments: Dict[str, Any]) -> bool:
    """Whether ``meta.json`` records ``arguments`` and all files exist."""
    try:
        with open(paths['meta_file']) as f:
            recorded = json.load(f).get('arguments')
    except (OSError, ValueError, AttributeError):
        return False
    return recorded == arguments and all(
        os.path.isfile(paths[f'{split}_ann_file'])
        and _count_images(paths[f'{split}_img_dir']) ==
        arguments[f'num_{split}']
        for split in SPLITS)


def _validate_arguments(num_train: int, num_val: int, img_size: int,
                        seed: int, size_jitter: int, min_size: int,
                        max_size: int, max_objects: int,
                        probabilities: Dict[str, float], box_jitter: float,
                        clutter: float) -> None:
    if num_train < 0 or num_val < 0:
        raise ValueError('num_train and num_val must be >= 0')
    if seed < 0:
        raise ValueError(f'seed must be >= 0, got {seed}')
    if size_jitter < 0:
        raise ValueError('size_jitter must be >= 0')
    if not 2 <= min_size <= max_size:
        raise ValueError(f'need 2 <= min_size <= max_size, got {min_size}, '
                         f'{max_size}')
    if img_size - size_jitter - 4 < min_size:
        raise ValueError(f'img_size - size_jitter - 4 must be >= min_size, '
                         f'got {img_size} - {size_jitter} - 4 < {min_size}')
    if max_objects < 1:
        raise ValueError('max_objects must be >= 1')
    for name, value in probabilities.items():
        if not 0.0 <= value <= 1.0:
            raise ValueError(f'{name} must be in [0, 1], got {value}')
    if box_jitter < 0 or clutter < 0:
        raise ValueError('box_jitter and clutter must be >= 0')


def generate_demo_dataset(out_dir: str,
                          num_train: int = 800,
                          num_val: int = 200,
                          img_size: int = 256,
                          seed: int = 0,
                          min_size: int = 8,
                          max_size: int = 96,
                          max_objects: int = 8,
                          box_jitter: float = 0.0,
                          drop_prob: float = 0.0,
                          flip_prob: float = 0.0,
                          overwrite: bool = False,
                          *,
                          clutter: float = 1.0,
                          low_contrast_prob: float = 0.15,
                          size_jitter: int = 16,
                          max_overlap: float = 0.5,
                          min_visibility: float = 0.3) -> Dict[str, str]:
    """Generates (or reuses) the synthetic COCO-format shapes dataset.

    If ``out_dir/meta.json`` records the same arguments and ``overwrite`` is
    False, nothing is written. Otherwise both splits are regenerated;
    ``meta.json`` is removed first and written last, so an interrupted run is
    never taken for a complete one.

    Args:
        out_dir: Output folder.
        num_train: Number of training images.
        num_val: Number of validation images.
        img_size: Nominal image height and width in pixels.
        seed: Base seed; image ``i`` of a split uses the child seed
            ``(seed, split, i)``.
        min_size: Smallest long side of an object box in pixels.
        max_size: Largest long side of an object box in pixels (capped at the
            image size minus 4). Sizes are log-uniform in between.
        max_objects: Each image holds 1 to ``max_objects`` objects (heavily
            occluded ones are drawn but not annotated).
        box_jitter: Train only: std of the box corner jitter, as a fraction of
            the box width (x) or height (y).
        drop_prob: Train only: probability of dropping an annotation.
        flip_prob: Train only: probability of replacing the label of an
            annotation with a different, random class.
        overwrite: Regenerate even if ``meta.json`` matches.
        clutter: Scales the number of distractors (blobs, lines), the
            background blotchiness and the pixel noise; 0 gives clean images.
        low_contrast_prob: Probability that an object is coloured close to the
            local background.
        size_jitter: Image height and width are drawn independently from
            ``img_size +- size_jitter``.
        max_overlap: Objects are placed (up to 12 tries) so that a box covers
            at most this fraction of the smaller of two boxes.
        min_visibility: Objects with a smaller visible fraction of their pixels
            are not annotated (their box would be the full object extent).

    Returns:
        Paths: ``data_root``, ``meta_file``, ``train_img_dir``,
        ``train_ann_file``, ``val_img_dir`` and ``val_ann_file``.

    Raises:
        ValueError: If an argument is out of range.
    """
    probabilities = dict(drop_prob=drop_prob, flip_prob=flip_prob,
                         low_contrast_prob=low_contrast_prob,
                         max_overlap=max_overlap,
                         min_visibility=min_visibility)
    _validate_arguments(num_train, num_val, img_size, seed, size_jitter,
                        min_size, max_size, max_objects, probabilities,
                        box_jitter, clutter)
    cfg = _RenderConfig(seed=int(seed), img_size=int(img_size),
                        size_jitter=int(size_jitter), min_size=int(min_size),
                        max_size=int(max_size), max_objects=int(max_objects),
                        clutter=float(clutter),
                        low_contrast_prob=float(low_contrast_prob),
                        max_overlap=float(max_overlap),
                        min_visibility=float(min_visibility))
    noise = _NoiseConfig(box_jitter=float(box_jitter),
                         drop_prob=float(drop_prob),
                         flip_prob=float(flip_prob))
    arguments = dict(generator_version=GENERATOR_VERSION,
                     num_train=int(num_train), num_val=int(num_val),
                     **asdict(cfg), **asdict(noise))
    paths = _output_paths(os.fspath(out_dir))
    if not overwrite and _is_complete(paths, arguments):
        return paths

    if os.path.exists(paths['meta_file']):
        os.remove(paths['meta_file'])
    os.makedirs(os.path.dirname(paths['train_ann_file']), exist_ok=True)
    counts = {}
    for split, num_images in (('train', num_train), ('val', num_val)):
        counts[split] = _generate_split(
            split, num_images, paths[f'{split}_img_dir'],
            paths[f'{split}_ann_file'], cfg,
            noise if split == 'train' else None)
    _write_json_atomically(
        paths['meta_file'], {
            'arguments': arguments,
            'classes': list(DEMO_CLASSES),
            'num_images': {s: c[0] for s, c in counts.items()},
            'num_boxes': {s: c[1] for s, c in counts.items()},
        })
    return paths
