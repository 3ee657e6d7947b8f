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

import numpy as np

from jepa_planner.perception.regions import Region
from jepa_planner.perception.tracks import Track

#: Fraction of the reference area and strength at which an object counts as fully drawn.
FORMED = 0.9
#: Pixels the box centre must move (at the working size, per 100 pixels of frame height) to count as a move.
MOVE_PIXELS = 1.5
#: Relative change of the box diagonal that counts as a scale.
SCALE_CHANGE = 0.12


def strength(region: Region, background: np.ndarray) -> float:
    """How far the region's colour is from the background (largest channel), 0-255."""
    return float(np.abs(region.colour - background.astype(np.float64)).max())


@dataclass(frozen=True)
class Motion:
    """A change while on screen, from frame ``start`` to ``end`` (exclusive): ``move`` or ``scale``."""

    kind: str
    start: int
    end: int
    centre: tuple[float, float]
    factor: float = 1.0


@dataclass(frozen=True)
class ObjectTrack:
    """One object as perception sees it over the clip.

    ``reference`` is the region where it is most fully drawn (its kind and colour come from it); ``opening`` the
    first fully drawn one (its place and size before any motion). Frames are indices into the perceived clip.
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


def _motions(own: list[tuple[int, Region]], first: int, last: int, height: int) -> tuple[Motion, ...]:
    """Moves and scales between positions ``first`` and ``last`` of ``own`` (the track's unmerged regions)."""
    regions = [r for _, r in own[first : last + 1]]
    frames = [f for f, _ in own[first : last + 1]]
    if len(regions) < 2:
        return ()
    centres = np.array([r.centre for r in regions])
    sizes = np.array([np.hypot(r.width, r.height) for r in regions])
    moving = np.linalg.norm(np.diff(centres, axis=0), axis=1) > 0.15 * MOVE_PIXELS * height / 100
    scaling = np.abs(np.diff(sizes)) / np.maximum(sizes[:-1], 1) > 0.01
    motions: list[Motion] = []
    for kind, changing in (("move", moving), ("scale", scaling)):
        if not changing.any():
            continue
        idx = np.nonzero(changing)[0]
        start, end = int(idx[0]), int(idx[-1]) + 1
        shift = float(np.linalg.norm(centres[end] - centres[start]))
        factor = float(sizes[end] / max(sizes[start], 1))
        # A path still being drawn shifts its centre as it grows: a move keeps its size, and goes some way.
        far = shift >= max(MOVE_PIXELS * height / 100, 0.08 * sizes[start])
        if kind == "move" and far and abs(factor - 1) < SCALE_CHANGE:
            motions.append(Motion("move", frames[start], frames[end] + 1, tuple(centres[end])))
        if kind == "scale" and abs(factor - 1) >= SCALE_CHANGE:
            motions.append(Motion("scale", frames[start], frames[end] + 1, tuple(centres[end]), factor))
    return tuple(motions)


def summarise(track: Track, background: np.ndarray, height: int, *, text: bool, arrow: bool) -> ObjectTrack:
    """An ``ObjectTrack`` from a ``Track`` of a clip whose frames are ``height`` pixels tall."""
    own = track.own()
    regions = [r for _, r in own]
    area, power = _signals(regions, background)
    strong = power >= FORMED * power.max()
    # Fully drawn: as strong as the object gets, and about as large as it usually is then (a rotation or a
    # scale later on changes its area, so the median, not the maximum, is the yardstick).
    typical = float(np.median(area[strong]))
    done = strong & (area >= 0.95 * typical)
    ref = int(np.argmax(np.where(done, area, -1.0)))
    first_full = int(np.argmax(done))
    last_full = len(done) - 1 - int(np.argmax(done[::-1]))
    reference = regions[ref]
    formed = own[first_full][0]
    fading = own[last_full][0] + 1 if own[last_full][0] < track.last else track.last + 1
    gone = track.last + 1
    return ObjectTrack(
        track=track,
        reference=reference,
        reference_frame=own[ref][0],
        opening=regions[first_full],
        appear=track.first,
        formed=formed,
        fading=fading,
        gone=gone,
        intro=intro_verb(track, reference, formed, text=text, arrow=arrow),
        motions=_motions(own, first_full, len(own) - 1 if gone > own[-1][0] + 1 else last_full, height),
    )
