# Copyright (c) uet_mmdet authors. All rights reserved.
"""Shape geometry of the demo classes and the annotation record."""
import math
from dataclasses import dataclass
from typing import Callable, Dict, Tuple, Union

import numpy as np

__all__ = [
    'DEMO_CLASSES', 'SHAPE_MAKERS', 'Box', 'Ellipse', 'ObjectAnnotation',
    'Polygon', 'Shape', 'fit_to_size', 'make_lumpy_blob'
]

DEMO_CLASSES: Tuple[str, ...] = ('disc', 'square', 'triangle', 'ring', 'cross',
                                 'star', 'bar', 'diamond')

_BLOB_VERTICES = 32

Box = Tuple[float, float, float, float]


@dataclass(frozen=True)
class ObjectAnnotation:
    """One annotated object: 0-based label, xyxy box and mask area."""
    label: int
    box: Box
    area: float


def _rotate(points: np.ndarray, angle: float) -> np.ndarray:
    """Rotates ``(N, 2)`` points about the origin by ``angle`` radians."""
    c, s = math.cos(angle), math.sin(angle)
    return points @ np.array([[c, s], [-s, c]])


@dataclass(frozen=True)
class Polygon:
    """Polygon shape made of one or more contours (even-odd fill rule)."""
    contours: Tuple[np.ndarray, ...]

    def bounds(self) -> Box:
        """Returns the xyxy bounding box."""
        vertices = np.concatenate(self.contours)
        x1, y1 = vertices.min(axis=0)
        x2, y2 = vertices.max(axis=0)
        return float(x1), float(y1), float(x2), float(y2)

    def transformed(self, scale: float, dx: float, dy: float) -> 'Polygon':
        """Returns the polygon scaled by ``scale``, then shifted."""
        offset = np.array([dx, dy])
        return Polygon(tuple(c * scale + offset for c in self.contours))

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
class Ellipse:
    """Rotated ellipse; ``hole`` > 0 cuts a concentric hole (a ring)."""
    cx: float
    cy: float
    a: float
    b: float
    angle: float
    hole: float = 0.0

    def bounds(self) -> Box:
        """Returns the xyxy bounding box."""
        c, s = math.cos(self.angle), math.sin(self.angle)
        half_w = math.sqrt((self.a * c)**2 + (self.b * s)**2)
        half_h = math.sqrt((self.a * s)**2 + (self.b * c)**2)
        return (self.cx - half_w, self.cy - half_h, self.cx + half_w,
                self.cy + half_h)

    def transformed(self, scale: float, dx: float, dy: float) -> 'Ellipse':
        """Returns the ellipse scaled by ``scale``, then shifted."""
        return Ellipse(self.cx * scale + dx, self.cy * scale + dy,
                       self.a * scale, self.b * scale, self.angle, self.hole)

    def inside(self, px: np.ndarray, py: np.ndarray) -> np.ndarray:
        """Inside test of points ``px`` (1, W) x ``py`` (H, 1)."""
        c, s = math.cos(self.angle), math.sin(self.angle)
        x, y = px - self.cx, py - self.cy
        u = (x * c + y * s) / self.a
        v = (y * c - x * s) / self.b
        radius_sq = u * u + v * v
        return (radius_sq <= 1.0) & (radius_sq >= self.hole * self.hole)


Shape = Union[Polygon, Ellipse]


def _regular_polygon(radii: np.ndarray, angles: np.ndarray) -> np.ndarray:
    return np.stack([radii * np.cos(angles), radii * np.sin(angles)], axis=1)


def _make_disc(rng: np.random.Generator) -> Shape:
    return Ellipse(0.0, 0.0, 1.0, rng.uniform(0.75, 1.0),
                   rng.uniform(0, math.pi))


def _make_ring(rng: np.random.Generator) -> Shape:
    return Ellipse(
        0.0,
        0.0,
        1.0,
        rng.uniform(0.8, 1.0),
        rng.uniform(0, math.pi),
        hole=rng.uniform(0.45, 0.7))


def _make_square(rng: np.random.Generator) -> Shape:
    aspect = rng.uniform(0.85, 1.15)
    corners = np.array([[-1, -aspect], [1, -aspect], [1, aspect], [-1,
                                                                   aspect]])
    return Polygon((_rotate(corners, math.radians(rng.uniform(-12, 12))), ))


def _make_diamond(rng: np.random.Generator) -> Shape:
    half_width = rng.uniform(0.55, 0.85)
    corners = np.array([[0, -1], [half_width, 0], [0, 1], [-half_width, 0]])
    angle = rng.choice([0.0, 90.0]) + rng.uniform(-12, 12)
    return Polygon((_rotate(corners, math.radians(angle)), ))


def _make_bar(rng: np.random.Generator) -> Shape:
    half_thickness = rng.uniform(0.18, 0.35)
    corners = np.array([[-1, -half_thickness], [1, -half_thickness],
                        [1, half_thickness], [-1, half_thickness]])
    angle = rng.choice([0.0, 90.0]) + rng.uniform(-12, 12)
    return Polygon((_rotate(corners, math.radians(angle)), ))


def _make_triangle(rng: np.random.Generator) -> Shape:
    angles = (
        rng.uniform(0, 2 * math.pi) + np.arange(3) * 2 * math.pi / 3 +
        np.radians(rng.uniform(-10, 10, size=3)))
    return Polygon((_regular_polygon(rng.uniform(0.85, 1.0, size=3),
                                     angles), ))


def _make_cross(rng: np.random.Generator) -> Shape:
    t = rng.uniform(0.25, 0.4)  # half thickness of the arms
    h = rng.uniform(0.85, 1.15)  # half length of the vertical arm
    outline = np.array([[-t, -h], [t, -h], [t, -t], [1, -t], [1, t], [t, t],
                        [t, h], [-t, h], [-t, t], [-1, t], [-1, -t], [-t, -t]])
    return Polygon((_rotate(outline, math.radians(rng.uniform(-15, 15))), ))


def _make_star(rng: np.random.Generator) -> Shape:
    radii = np.tile([1.0, rng.uniform(0.38, 0.55)], 5)
    angles = rng.uniform(0, 2 * math.pi) + np.arange(10) * math.pi / 5
    return Polygon((_regular_polygon(radii, angles), ))


SHAPE_MAKERS: Dict[str, Callable[[np.random.Generator], Shape]] = {
    'disc': _make_disc,
    'square': _make_square,
    'triangle': _make_triangle,
    'ring': _make_ring,
    'cross': _make_cross,
    'star': _make_star,
    'bar': _make_bar,
    'diamond': _make_diamond,
}
assert tuple(SHAPE_MAKERS) == DEMO_CLASSES


def make_lumpy_blob(rng: np.random.Generator) -> Shape:
    """Smooth amoeba-like polygon used as an unannotated distractor.

    Its radius is a random mix of low angular harmonics, so it has no straight
    edges or sharp corners and cannot be mistaken for one of the classes.

    Args:
        rng: Random generator.

    Returns:
        The blob, centred at the origin with a radius of about 1.
    """
    angles = np.arange(_BLOB_VERTICES) * 2 * math.pi / _BLOB_VERTICES
    harmonics = np.arange(2, 7)[:, None]
    amplitudes = rng.uniform(0.05, 0.15, (5, 1))
    phases = rng.uniform(0, 2 * math.pi, (5, 1))
    radii = 1 + (amplitudes * np.cos(harmonics * angles + phases)).sum(axis=0)
    return Polygon((_regular_polygon(radii, angles), ))


def fit_to_size(shape: Shape, long_side: float) -> Shape:
    """Scales ``shape`` to a box with ``long_side`` that starts at (0, 0)."""
    x1, y1, x2, y2 = shape.bounds()
    scale = long_side / max(x2 - x1, y2 - y1)
    return shape.transformed(scale, -x1 * scale, -y1 * scale)
