"""What kind of object a region is, and its size in Manim units: geometry decides, no learning.

``classify`` looks at the region's filled mask: a thin one is a ``Line`` (an ``Arrow`` when one end is wider,
the tip); a group of glyphs on a line is text; otherwise the polygon OpenCV fits to its outline (3 corners: a
``Triangle``, 4: a ``Square`` or ``Rectangle``, more: a ``Circle`` or ``Ellipse``) and how much of its box it
fills decide. Every guess comes with the runner-up, which the fitting stage tries by rendering both.

``Canvas`` turns pixels into Manim units: the frame is ``FRAME_HEIGHT`` (8) units tall and 16:9, the origin at
its centre and y up.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

import cv2
import numpy as np

from codegen.runtime import FRAME_HEIGHT, FRAME_WIDTH
from dsl.ir import MIN_SEGMENT
from jepa_planner.perception.regions import Region

#: Manim's default stroke width, and the Cairo factor that turns it into units (width 4 = 0.04 units).
DEFAULT_STROKE = 4.0
STROKE_UNITS = 0.01
#: Manim's ``Arrow`` stops ``buff`` short of its start and end points.
ARROW_BUFF = 0.25
#: Corner counts read as a ``RegularPolygon`` (more look like a circle at these sizes).
POLYGON_CORNERS = (5, 6)
#: Outlines whose radial spread (``_radial_spread``) is under this are round, whatever their fitted corners.
ROUND_SPREAD = 0.041
#: The widest opaque disc read as a ``Dot`` (units).
MAX_DOT = 1.0
#: Manim's default ``Dot`` radius.
DOT_RADIUS = 0.08


@dataclass(frozen=True)
class Canvas:
    """Pixels ↔ Manim units for a 16:9 frame ``width`` x ``height`` pixels."""

    width: int
    height: int

    @property
    def ppu(self) -> float:
        """Pixels per unit."""
        return self.height / FRAME_HEIGHT

    def point(self, x: float, y: float) -> tuple[float, float]:
        """The Manim point at pixel position ``(x, y)`` (edges, not pixel centres)."""
        return ((x / self.width - 0.5) * FRAME_WIDTH, (0.5 - y / self.height) * FRAME_HEIGHT)

    def units(self, pixels: float) -> float:
        return pixels / self.ppu


@dataclass(frozen=True)
class Shape:
    """A region read as an object: its kind and the kind's size, in Manim units.

    ``size`` holds the kind's own fields (``radius``, ``side_length``, ``width``/``height``; ``start``/``end`` for
    segments); ``centre`` is the centre of its box.
    """

    kind: str
    centre: tuple[float, float]
    size: Mapping[str, float | tuple[float, float]]
    score: float


def _thickness_profile(points: np.ndarray, axis: np.ndarray, normal: np.ndarray) -> tuple[float, float, float]:
    """Spread across ``axis`` of the pixels in the first 20%, the middle and the last 20% of its length."""
    along, across = points @ axis, points @ normal
    low, high = along.min(), along.max()
    span = max(high - low, 1e-6)

    def spread(lo: float, hi: float) -> float:
        part = across[(along >= low + lo * span) & (along <= low + hi * span)]
        return float(part.max() - part.min() + 1) if part.size else 0.0

    return spread(0.0, 0.2), spread(0.35, 0.65), spread(0.8, 1.0)


def _segment(region: Region, canvas: Canvas) -> Shape | None:
    """A line or arrow, when the region is long and thin (principal axes of its pixels)."""
    ys, xs = np.nonzero(region.mask)
    points = np.stack([xs + region.box[0] + 0.5, ys + region.box[1] + 0.5], axis=1)
    if len(points) < 3:
        return None
    mean = points.mean(axis=0)
    values, vectors = np.linalg.eigh(np.cov((points - mean).T))
    axis, normal = vectors[:, 1], vectors[:, 0]
    length = 4.0 * math.sqrt(max(values[1], 0.0))
    head, middle, tail = _thickness_profile(points, axis, normal)
    if length < 6 or middle > max(3.0, 2.0 * region.stroke + 1.5) or length < 5 * middle:
        return None
    along = (points - mean) @ axis
    start_px, end_px = mean + along.min() * axis, mean + along.max() * axis
    kind, score = "Line", 0.9
    if max(head, tail) > 1.8 * middle + 1:
        kind = "DoubleArrow" if min(head, tail) > 1.8 * middle + 1 else "Arrow"
        if kind == "Arrow" and head > tail:
            start_px, end_px = end_px, start_px
    start, end = np.array(canvas.point(*start_px)), np.array(canvas.point(*end_px))
    if float(np.abs(end - start).sum()) < MIN_SEGMENT:
        return None
    if kind != "Line":
        direction = (end - start) / max(float(np.linalg.norm(end - start)), 1e-6)
        # Manim stops an arrow ``buff`` short of both of its points.
        start, end = start - direction * ARROW_BUFF, end + direction * ARROW_BUFF
    centre = canvas.point(*region.centre)
    return Shape(
        kind, centre, {"start": (float(start[0]), float(start[1])), "end": (float(end[0]), float(end[1]))}, score
    )


def _hull(region: Region) -> tuple[int, float, float]:
    """Corners of the polygon fitted to the region's convex hull, the share of its box it fills, and its area.

    The hull, not the filled mask: an outline not yet closed (the last frames of a ``Create``) has no hole to
    fill, but its hull is the shape's.
    """
    ys, xs = np.nonzero(region.mask)
    hull = cv2.convexHull(np.stack([xs, ys], axis=1).astype(np.int32))
    approx = cv2.approxPolyDP(hull, 0.04 * cv2.arcLength(hull, True), True)
    area = cv2.contourArea(hull) + 0.5 * cv2.arcLength(hull, True)  # pixel centres: half a pixel all round
    extent = area / max(region.width * region.height, 1)
    return len(approx), float(min(extent, 1.0)), float(area)


def _radial_spread(region: Region) -> float:
    """How much the outline's distance from its centre varies (std / mean): near 0 for a circle.

    A regular n-gon's outline runs from its corners in to cos(pi / n) of that at its edges' middles (5% spread for
    a hexagon); at a few pixels across, a circle's stays within about 3%.
    """
    contours, _ = cv2.findContours(region.filled.astype(np.uint8), cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_NONE)
    points = max(contours, key=len).reshape(-1, 2).astype(np.float64)
    distances = np.linalg.norm(points - points.mean(axis=0), axis=1)
    return float(distances.std() / max(distances.mean(), 1e-6))


def classify(region: Region, canvas: Canvas, *, text: bool = False) -> list[Shape]:
    """The kinds ``region`` may be, best first, each sized in Manim units (``text``: it reads as text)."""
    centre = canvas.point(*region.centre)
    inset = region.stroke  # the box includes half a stroke on each side
    width, height = canvas.units(max(region.width - inset, 1)), canvas.units(max(region.height - inset, 1))
    if text:
        return [Shape("Text", centre, {"width": width, "height": height}, 0.8)]
    segment = _segment(region, canvas)
    if segment is not None:
        return [segment]
    square = abs(width - height) <= 0.08 * max(width, height) + canvas.units(1.5)
    corners, extent, hull_area = _hull(region)
    round_side = {"radius": (width + height) / 4} if square else {"width": width, "height": height}
    round_kind = "Circle" if square else "Ellipse"
    solid = region.fill > 0.8 or region.area >= 0.6 * region.width * region.height
    tiny = max(width, height) <= 3.0 * DOT_RADIUS
    if solid and square and (tiny or (0.7 <= extent < 0.9 and max(width, height) <= MAX_DOT)):
        # An opaque disc: what Manim users draw with Dot (a filled Circle looks the same).
        dot = Shape("Dot", centre, {"radius": (width + height) / 4}, 0.9)
        return [dot, Shape("Circle", centre, {"radius": (width + height) / 4}, 0.2)]
    boxy = {"side_length": (width + height) / 2} if square else {"width": width, "height": height}
    boxy_kind = "Square" if square else "Rectangle"
    triangle = Shape("Triangle", centre, {"radius": max(height / 1.5, width / math.sqrt(3))}, 0.5)
    if corners == 3 or 0.4 <= extent < 0.62:
        return [triangle, Shape(round_kind, centre, round_side, 0.2)]
    if corners in POLYGON_CORNERS and 0.6 <= extent < 0.9 and _radial_spread(region) > ROUND_SPREAD:
        # A regular n-gon of circumradius R covers n/2 sin(2 pi / n) R^2.
        radius = math.sqrt(hull_area / (corners / 2 * math.sin(2 * math.pi / corners))) / canvas.ppu
        polygon = Shape("RegularPolygon", centre, {"n": float(corners), "radius": radius}, 0.6)
        return [polygon, Shape(round_kind, centre, round_side, 0.3)]
    if corners == 4 and extent >= 0.88:
        return [Shape(boxy_kind, centre, boxy, 0.8), Shape(round_kind, centre, round_side, 0.2)]
    if 0.7 <= extent < 0.88:
        return [Shape(round_kind, centre, round_side, 0.8), Shape(boxy_kind, centre, boxy, 0.2)]
    return [Shape(boxy_kind, centre, boxy, 0.4), Shape(round_kind, centre, round_side, 0.3)]
