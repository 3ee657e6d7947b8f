"""What happens to each tracked object, and when: it appears, is formed, moves, scales, recolours, fades.

Every figure is read off the track's per-frame signals: its box, its painted area and its colour's strength
(how far from the background, so a fade shows as a ramp). The *reference* frame is where the object is most
fully drawn; appearing ends when area and strength first reach 90% of it, and fading starts after they last do.

The intro verb follows from how the object came in (``intro_verb``):
- its whole box is there at once and only its strength ramps up: ``FadeIn``;
- its box grows about a fixed centre: ``GrowFromCenter``;
- text grows glyph by glyph: ``Write``; an arrow grows from its tail: ``GrowArrow``;
- anything else is drawn along its outline: ``Create``.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from jepa_planner.perception.regions import Region
from jepa_planner.perception.tracks import Track

#: Fraction of the reference area and strength at which an object counts as fully drawn.
FORMED = 0.9
#: Pixels the box centre must move (at the working size, per 100 pixels of frame height) to count as a move.
MOVE_PIXELS = 1.5
#: Relative change of the size (square root of the filled area) that counts as a scale.
SCALE_CHANGE = 0.12
#: Levels (largest channel) by which an object's paint must change to count as a recolour.
RECOLOUR = 60.0
#: Degrees an object must turn to count as a rotation.
MIN_TURN = 8.0


def strength(region: Region, background: np.ndarray) -> float:
    """How far the region's colour is from the background (largest channel), 0-255."""
    return float(np.abs(region.colour - background.astype(np.float64)).max())


@dataclass(frozen=True)
class Motion:
    """A change while on screen, from ``start`` to ``end`` (exclusive): ``move``, ``scale``, ``rotate``, ``recolour``.

    ``centre`` is where the box centre ends up (pixels), ``factor`` the scale, ``angle`` the turn in degrees
    (counter-clockwise, as Manim's ``Rotate``; a square's turn is known modulo 90).
    """

    kind: str
    start: int
    end: int
    centre: tuple[float, float]
    factor: float = 1.0
    angle: float = 0.0
    colour: tuple[float, float, float] | None = None


@dataclass(frozen=True)
class ObjectTrack:
    """One object as perception sees it over the clip.

    ``reference`` is the region where it is most fully drawn; ``opening`` the fullest one before any motion (its
    kind, place, size and first colour come from it). Frames are indices into the perceived clip.
    ``appear``: first frame seen; ``formed``: first fully drawn;
    ``fading``: first frame of its exit (``gone`` when it stays to the end); ``gone``: first frame no longer seen.
    """

    track: Track
    reference: Region
    reference_frame: int
    opening: Region
    appear: int
    formed: int
    fading: int
    gone: int
    intro: str
    motions: tuple[Motion, ...]


def _signals(regions: list[Region], background: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    area = np.array([r.area for r in regions], dtype=np.float64)
    power = np.array([strength(r, background) for r in regions])
    return area, power


def intro_verb(track: Track, reference: Region, formed_at: int, *, text: bool, arrow: bool) -> str:
    """The animation that most likely brought the track's object on screen (see the module docstring)."""
    if text:
        return "Write"
    if arrow:
        return "GrowArrow"
    ramp = [r for f, r in zip(track.frames, track.regions, strict=True) if f < formed_at]
    if not ramp:
        return "FadeIn"
    middle = ramp[len(ramp) // 2]
    full_box = middle.width >= 0.85 * reference.width and middle.height >= 0.85 * reference.height
    if full_box:
        return "FadeIn" if middle.area >= 0.6 * reference.area else "Create"
    (cx, cy), (rx, ry) = middle.centre, reference.centre
    centred = abs(cx - rx) <= 0.1 * reference.width + 1 and abs(cy - ry) <= 0.1 * reference.height + 1
    similar = abs(middle.width / max(middle.height, 1) - reference.width / max(reference.height, 1)) < 0.3
    return "GrowFromCenter" if centred and similar else "Create"


def orientation(region: Region) -> float | None:
    """Angle in degrees, in [0, 90), of the smallest rectangle around the region's filled mask (OpenCV).

    None when the shape has no clear orientation: round (a circle fills pi/4 of any rectangle around it).
    """
    ys, xs = np.nonzero(region.filled)
    if len(xs) < 3:
        return None
    (_, _), (width, height), angle = cv2.minAreaRect(np.stack([xs, ys], axis=1).astype(np.float32))
    boxy = width * height <= 1.12 * len(xs)
    long = max(width, height) >= 1.4 * max(min(width, height), 1.0)
    return float(angle) % 90.0 if boxy or long else None


def _turns(angles: np.ndarray) -> np.ndarray:
    """Per-step rotation in degrees, counter-clockwise on screen, from orientations known modulo 90."""
    steps = (np.diff(angles) + 45.0) % 90.0 - 45.0
    result: np.ndarray = -steps  # image y points down: OpenCV's angle grows clockwise on screen
    return result


def _span(changing: np.ndarray, amount: np.ndarray, gap: int = 4) -> tuple[int, int] | None:
    """The run of changing steps (gaps of up to ``gap`` steps bridged) with the most total ``amount`` of change."""
    idx = np.nonzero(changing)[0]
    if not len(idx):
        return None
    runs: list[tuple[int, int]] = []
    start = previous = int(idx[0])
    for i in idx[1:]:
        if i - previous > gap + 1:
            runs.append((start, previous + 1))
            start = int(i)
        previous = int(i)
    runs.append((start, previous + 1))
    return max(runs, key=lambda run: float(np.abs(amount[run[0] : run[1]]).sum()))


def _hull_size(region: Region) -> float:
    """Square root of the area of the region's convex hull: its size, whatever its turn, closed or nearly."""
    ys, xs = np.nonzero(region.mask)
    if len(xs) < 3:
        return 1.0
    hull = cv2.convexHull(np.stack([xs, ys], axis=1).astype(np.int32))
    return float(np.sqrt(max(cv2.contourArea(hull), 1.0)))


def _recolour(regions: list[Region], frames: list[int]) -> tuple[Motion, ...]:
    """A change of paint from the first to the last region, timed where the colour moves most."""
    colours = np.array([r.colour for r in regions])
    if np.abs(colours[-1] - colours[0]).max() < RECOLOUR:
        return ()
    steps = np.abs(np.diff(colours, axis=0)).max(axis=1)
    span = _span(steps > 8.0, steps)
    if span is None:
        return ()
    start, end = span
    colour = tuple(float(v) for v in colours[-1])
    return (Motion("recolour", frames[start], frames[end] + 1, regions[end].centre, colour=colour),)  # type: ignore[arg-type]


def _motions(own: list[tuple[int, Region]], first: int, last: int, height: int) -> tuple[Motion, ...]:
    """Moves, scales and turns between positions ``first`` and ``last`` of ``own`` (the unmerged regions)."""
    regions = [r for _, r in own[first : last + 1]]
    frames = [f for f, _ in own[first : last + 1]]
    if len(regions) < 2:
        return ()
    centres = np.array([r.centre for r in regions])
    sizes = np.array([_hull_size(r) for r in regions])  # unchanged by a turn, unlike the box
    diagonals = np.array([np.hypot(r.width, r.height) for r in regions])
    angles = [orientation(r) for r in regions]
    motions: list[Motion] = list(_recolour(regions, frames))
    steps = np.linalg.norm(np.diff(centres, axis=0), axis=1)
    span = _span(steps > 0.15 * MOVE_PIXELS * height / 100, steps)
    if span is not None:
        start, end = span
        shift = float(np.linalg.norm(centres[end] - centres[start]))
        # A path still being drawn shifts its centre as it grows: a move goes some way for its size.
        if shift >= max(MOVE_PIXELS * height / 100, 0.08 * diagonals[start]):
            motions.append(Motion("move", frames[start], frames[end] + 1, tuple(centres[end])))
    growth = np.diff(sizes) / np.maximum(sizes[:-1], 1)
    span = _span(np.abs(growth) > 0.01, growth)
    if span is not None:
        start, end = span
        factor = float(sizes[end] / sizes[start])
        if abs(factor - 1) >= SCALE_CHANGE:
            motions.append(Motion("scale", frames[start], frames[end] + 1, tuple(centres[end]), factor))
    if any(a is None for a in angles) or min(r.width for r in regions) <= 4:
        return tuple(motions)
    turns = _turns(np.array(angles, dtype=np.float64))
    span = _span(np.abs(turns) > 1.0, turns)
    if span is not None:
        start, end = span
        angle = float(turns[start:end].sum())
        if abs(angle) >= MIN_TURN:
            motions.append(Motion("rotate", frames[start], frames[end] + 1, tuple(centres[end]), angle=angle))
    return tuple(motions)


def summarise(track: Track, background: np.ndarray, height: int, *, text: bool, arrow: bool) -> ObjectTrack:
    """An ``ObjectTrack`` from a ``Track`` of a clip whose frames are ``height`` pixels tall."""
    own = track.own()
    regions = [r for _, r in own]
    area, power = _signals(regions, background)
    strong = power >= 0.75 * power.max()  # the yardstick for its usual size; the colour estimate wobbles
    # Fully drawn: as strong as the object gets, and about as large as it usually is then (a rotation or a
    # scale later on changes its area, so the median, not the maximum, is the yardstick).
    typical = float(np.median(area[strong]))
    big = area >= 0.95 * typical
    # Drawn in once its strength stops rising (a fade has ended; a later recolour is not part of the intro),
    # and still there while its strength stays near what it settled at.
    ahead = np.array([power[t : t + 4].max() for t in range(len(power))])
    settled = big & (power >= FORMED * ahead) & (power >= 0.5 * power.max())
    first_full = int(np.argmax(settled)) if settled.any() else int(np.argmax(big))
    level = float(np.median(power[first_full:]))
    done = big & (power >= FORMED * level)
    done[:first_full] = False
    done[first_full] = True
    ref = int(np.argmax(np.where(done, area, -1.0)))
    last_full = len(done) - 1 - int(np.argmax(done[::-1]))
    reference = regions[ref]
    formed = own[first_full][0]
    fading = own[last_full][0] + 1 if own[last_full][0] < track.last else track.last + 1
    gone = track.last + 1
    motions = _motions(own, first_full, len(own) - 1 if gone > own[-1][0] + 1 else last_full, height)
    # Its shape before anything moves it: the fullest drawn region up to the first motion (an intro may look
    # finished a little before it is, so not simply the first drawn one).
    still = min([m.start for m in motions], default=gone)
    before = [i for i in range(first_full, len(own)) if done[i] and own[i][0] < still] or [first_full]
    opening = regions[max(before, key=lambda i: area[i])]
    return ObjectTrack(
        track=track,
        reference=reference,
        reference_frame=own[ref][0],
        opening=opening,
        appear=track.first,
        formed=formed,
        fading=fading,
        gone=gone,
        intro=intro_verb(track, reference, formed, text=text, arrow=arrow),
        motions=motions,
    )
