"""What one frame shows: the background, and the regions drawn on it, each with its shape, colour and opacity.

Manim draws flat colours on a flat background, so a frame is read without learning:

1. foreground is every pixel more than ``FOREGROUND_LEVELS`` from the clip's background colour;
2. pixels closer than ``glyph_gap`` are joined (a closing), so the glyphs of a word and the dashes of a dashed
   line make one region, then connected components (OpenCV) are the regions, split where their pieces are of
   clearly different colours (``split_colours``: a title and the line under it);
3. each region keeps its pixel mask, the mask with its holes filled (an outline and a filled shape have the same
   filled mask, and differ in how much of it is painted), its stroke width (twice the mean distance-transform
   value along the stroke's centre line), its colour (the median of its most saturated pixels, where
   anti-aliasing has not mixed it with the background) and its fill opacity (the interior's mix of that colour
   and the background).

Pixels are ``(x, y)`` from the top-left corner; boxes are ``(x0, y0, x1, y1)`` with exclusive ends.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np
from scipy import ndimage  # type: ignore[import-untyped, unused-ignore]

from jepa_planner.evaluation.fidelity import FOREGROUND_LEVELS, foreground_mask

#: Joined pieces whose hues (``hue``) differ by more than this in some channel stay apart.
SAME_HUE = 0.25
#: Hues this far apart (some channel) in one piece are different paints: looser than ``SAME_HUE``, because a
#: piece's own edges and fills blur its hue (compressed video blurs colour more than brightness).
DISTINCT_PAINT = 0.45
#: A hue must hold this share of a region's strongly painted pixels to count as a paint of its own.
MIN_PAINT_SHARE = 0.15
#: Regions smaller than this many pixels are noise (compression speckle, the tail of a fading stroke).
MIN_AREA = 4


@dataclass(frozen=True)
class Region:
    """One connected drawing in one frame.

    Attributes
    ----------
    box
        ``(x0, y0, x1, y1)`` in pixels, ends exclusive.
    mask, filled
        ``[y1 - y0, x1 - x0]`` bool: the painted pixels, and the same with holes filled.
    colour
        ``[3]`` float RGB of the fully opaque paint.
    fill
        Opacity of the interior, 0 for an outline (the interior's paint relative to the stroke's).
    stroke
        Stroke width in pixels.
    parts
        Connected components joined into this region (many for a word, one for a shape).
    """

    box: tuple[int, int, int, int]
    mask: np.ndarray
    filled: np.ndarray
    colour: np.ndarray
    fill: float
    stroke: float
    parts: int

    @property
    def area(self) -> int:
        return int(self.mask.sum())

    @property
    def filled_area(self) -> int:
        return int(self.filled.sum())

    @property
    def width(self) -> int:
        return self.box[2] - self.box[0]

    @property
    def height(self) -> int:
        return self.box[3] - self.box[1]

    @property
    def centre(self) -> tuple[float, float]:
        """Centre of the box in pixels (Manim places objects by their box centre)."""
        return ((self.box[0] + self.box[2]) / 2.0, (self.box[1] + self.box[3]) / 2.0)


def _strong_colour(pixels: np.ndarray, background: np.ndarray) -> np.ndarray:
    """The paint colour of ``[N, 3]`` pixels: the median of those farthest from the background."""
    distance = np.abs(pixels - background).max(axis=1)
    strong = pixels[distance >= np.quantile(distance, 0.95)]
    result: np.ndarray = np.median(strong, axis=0)
    return result


def _alpha(pixels: np.ndarray, colour: np.ndarray, background: np.ndarray) -> np.ndarray:
    """How much of ``colour`` each pixel holds, mixed with the background: ``[N]`` in [0, 1]."""
    direction = colour - background
    norm = float(direction @ direction)
    if norm < 1.0:
        return np.zeros(len(pixels))
    result: np.ndarray = np.clip((pixels - background) @ direction / norm, 0.0, 1.0)
    return result


def _stroke_width(mask: np.ndarray) -> float:
    """Twice the mean distance to the background along the mask's ridge: a stroke's width in pixels."""
    distance = cv2.distanceTransform(np.pad(mask, 1).astype(np.uint8), cv2.DIST_L2, 3)[1:-1, 1:-1]
    ridge = (distance > 0) & (distance >= ndimage.maximum_filter(distance, size=3))
    values = distance[ridge]
    return float(2.0 * np.median(values)) if values.size else 1.0


def describe(frame: np.ndarray, mask: np.ndarray, box: tuple[int, int, int, int], background: np.ndarray) -> Region:
    """A ``Region`` for the pixels of ``mask`` (cropped to ``box``) in ``frame`` ``[H, W, 3]`` uint8."""
    x0, y0, x1, y1 = box
    crop = frame[y0:y1, x0:x1].astype(np.float64)
    background = background.astype(np.float64)
    # A one-pixel stroke has gaps where anti-aliasing dips under the threshold: close them before filling.
    closed = ndimage.binary_closing(np.pad(mask, 1), structure=np.ones((3, 3)))[1:-1, 1:-1]
    filled = ndimage.binary_fill_holes(closed | mask)
    colour = _strong_colour(crop[mask], background)
    alpha = _alpha(crop.reshape(-1, 3), colour, background).reshape(mask.shape)
    # The stroke is the fully painted part; a half-transparent fill inside it is not.
    paint = mask & (alpha > 0.7)
    solid = paint.sum() >= 0.85 * filled.sum() or float(np.median(alpha[filled])) >= 0.8
    if solid and filled.sum() > 16:
        fill, stroke = 1.0, 0.0  # painted through: an opaque fill
    else:
        stroke = _stroke_width(paint if paint.any() else mask)
        depth = cv2.distanceTransform(np.pad(filled, 1).astype(np.uint8), cv2.DIST_L2, 3)[1:-1, 1:-1]
        interior = depth > stroke + 1.0
        fill = float(np.median(alpha[interior])) if interior.sum() >= 4 else 0.0
    _, count = ndimage.label(mask, structure=np.ones((3, 3)))
    return Region(box=box, mask=mask, filled=filled, colour=colour, fill=fill, stroke=stroke, parts=int(count))


def _glyph_like(region: Region, frame_height: int) -> bool:
    """Small enough to be part of a line of text: a glyph, a word, a small symbol such as a filled dash."""
    if region.height > 0.15 * frame_height:
        return False
    return region.fill < 0.9 or max(region.width, region.height) <= 0.06 * frame_height


def _same_line(a: Region, b: Region) -> bool:
    """Two glyph groups on one baseline, close enough to be one line of text or one formula."""
    overlap = min(a.box[3], b.box[3]) - max(a.box[1], b.box[1])
    gap = max(a.box[0], b.box[0]) - min(a.box[2], b.box[2])
    tall = max(a.height, b.height)
    return overlap >= 0.5 * min(a.height, b.height) and gap <= 0.9 * tall


def join_lines(frame: np.ndarray, regions: list[Region], background: np.ndarray) -> list[Region]:
    """Regions with the glyph groups of one line joined (words of a sentence, symbols of a formula)."""
    small = [r for r in regions if _glyph_like(r, frame.shape[0])]
    parent = list(range(len(small)))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for i in range(len(small)):
        for j in range(i + 1, len(small)):
            if _same_line(small[i], small[j]):
                parent[root(i)] = root(j)
    groups: dict[int, list[Region]] = {}
    for i, region in enumerate(small):
        groups.setdefault(root(i), []).append(region)
    joined = [r for r in regions if not _glyph_like(r, frame.shape[0])]
    for members in groups.values():
        if len(members) == 1:
            joined.append(members[0])
            continue
        x0, y0 = min(m.box[0] for m in members), min(m.box[1] for m in members)
        x1, y1 = max(m.box[2] for m in members), max(m.box[3] for m in members)
        mask = np.zeros((y1 - y0, x1 - x0), dtype=bool)
        for m in members:
            mask[m.box[1] - y0 : m.box[3] - y0, m.box[0] - x0 : m.box[2] - x0] |= m.mask
        joined.append(describe(frame, mask, (x0, y0, x1, y1), background))
    return sorted(joined, key=lambda region: -region.filled_area)


def glyph_gap(width: int) -> int:
    """Pixels across which glyphs are joined into one region at a frame ``width`` pixels wide (0.1 Manim units)."""
    return max(1, round(0.1 * width / 14.2))


def find_regions(frame: np.ndarray, background: np.ndarray, *, gap: int | None = None) -> list[Region]:
    """Every drawing in one ``[H, W, 3]`` uint8 frame, largest first.

    ``gap`` (pixels; default ``glyph_gap``) joins nearby components: the letters of a word, a dashed line.
    """
    mask = foreground_mask(frame[None], background, FOREGROUND_LEVELS)[0]
    if not mask.any():
        return []
    gap = glyph_gap(frame.shape[1]) if gap is None else gap
    joined = cv2.morphologyEx(mask.astype(np.uint8), cv2.MORPH_CLOSE, np.ones((gap + 1, gap + 1), np.uint8))
    count, labels, stats, _ = cv2.connectedComponentsWithStats(joined | mask.astype(np.uint8), connectivity=8)
    regions = []
    for label in range(1, count):
        x, y, w, h, _ = stats[label]
        own = (labels[y : y + h, x : x + w] == label) & mask[y : y + h, x : x + w]
        for part in split_colours(frame[y : y + h, x : x + w], own, background):
            if part.sum() >= MIN_AREA:
                ys, xs = np.nonzero(part)
                x0, y0 = x + int(xs.min()), y + int(ys.min())
                sub = part[ys.min() : ys.max() + 1, xs.min() : xs.max() + 1]
                regions.append(describe(frame, sub, (x0, y0, x0 + sub.shape[1], y0 + sub.shape[0]), background))
    return join_lines(frame, regions, background)


def hue(colours: np.ndarray, background: np.ndarray) -> np.ndarray:
    """The direction from the background to each colour (``[..., 3]``), scaled so its largest channel is 1.

    Brightness aside: a thin or half-drawn stroke is its paint mixed with the background, dimmer but of the same
    hue.
    """
    offset = colours - background
    result: np.ndarray = offset / np.maximum(np.abs(offset).max(axis=-1, keepdims=True), 1.0)
    return result


def _paints(pixels: np.ndarray, background: np.ndarray) -> list[np.ndarray]:
    """The distinct hues among the strongly painted ``[N, 3]`` pixels, each of at least ``MIN_PAINT_SHARE``."""
    strength = np.abs(pixels - background).max(axis=1)
    hues = hue(pixels[strength >= 0.5 * strength.max()], background)
    found: list[tuple[np.ndarray, int]] = []
    # A few hundred evenly picked pixels are enough to find the paints, and keep this cheap.
    for one in hues[:: max(1, len(hues) // 400)]:
        for k, (centre, count) in enumerate(found):
            if np.abs(centre - one).max() <= DISTINCT_PAINT:
                found[k] = (centre, count + 1)
                break
        else:
            found.append((one, 1))
    total = sum(count for _, count in found)
    return [centre for centre, count in found if count >= MIN_PAINT_SHARE * total]


def _thin_line(counts: np.ndarray, long: float) -> bool:
    """Whether the fullest line of ``counts`` reaches ``long`` while lines a few pixels away do not: thin."""
    best = int(counts.argmax())
    if counts[best] < long:
        return False
    away = np.concatenate([counts[max(0, best - 6) : max(0, best - 3)], counts[best + 4 : best + 7]])
    return bool(away.size) and bool((away < 0.5 * long).all())


def _crossing_lines(mask: np.ndarray) -> bool:
    """Whether a thin row and a thin column of ``mask`` run across most (60%) of it: a pair of axes."""
    height, width = mask.shape
    if height < 20 or width < 20:
        return False
    return _thin_line(mask.sum(axis=1), 0.6 * width) and _thin_line(mask.sum(axis=0), 0.6 * height)


def split_colours(crop: np.ndarray, mask: np.ndarray, background: np.ndarray) -> list[np.ndarray]:
    """``mask`` split by paint: first its connected pieces by hue, then each piece's pixels by hue.

    Joining nearby pieces makes one region of a word, but also of a white title and the yellow line under it:
    pieces whose hues (``hue``) differ by more than ``SAME_HUE`` are different objects. Objects that touch are one
    piece (bars standing on a black baseline, a label inside a filled box): within a piece, pixels go with the
    nearest of its clearly different paints (``_paints``); anti-aliased and half-transparent pixels keep their
    paint's hue, only dimmer. Axes and the curves on them stay one region (``perception.axes`` reads them).
    """
    pixels, background = crop.astype(np.float64), background.astype(np.float64)
    pieces, count = ndimage.label(mask, structure=np.ones((3, 3)))
    groups: list[tuple[np.ndarray, np.ndarray]] = []  # (hue, mask)
    for index in range(1, count + 1):
        piece = pieces == index
        own = hue(_strong_colour(pixels[piece], background), background)
        for group_hue, group_mask in groups:
            if np.abs(group_hue - own).max() <= SAME_HUE:
                group_mask |= piece
                break
        else:
            groups.append((own, piece))
    return [part for _, group in groups for part in _split_paints(pixels, group, background)]


def _split_paints(pixels: np.ndarray, mask: np.ndarray, background: np.ndarray) -> list[np.ndarray]:
    """The pixels of one group of pieces, split by the clearly different paints among them."""
    if _crossing_lines(mask):
        return [mask]  # axes and the curves on them stay one region: perception.axes reads them together
    paints = _paints(pixels[mask], background)
    if len(paints) < 2:
        return [mask]
    hues = hue(pixels[mask], background)
    nearest = np.abs(hues[:, None, :] - np.stack(paints)[None]).max(axis=-1).argmin(axis=1)
    labels = np.full(mask.shape, -1)
    labels[mask] = nearest
    return [labels == k for k in range(len(paints)) if (labels == k).any()]
