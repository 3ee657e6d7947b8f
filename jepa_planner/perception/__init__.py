"""Deterministic perception of Manim-style clips: background, regions, tracks, events, text.

``perceive`` reads a ``PerceivedClip`` (``perception.clip.read_clip``) and returns one ``SeenObject`` per
tracked object: its track and events (``perception.events``), the kinds its shape may be, best first
(``perception.shapes``), and for text, what OCR read (``perception.text``). Nothing here learns; the planner's
fitting stage turns this into a scene graph and checks it by rendering.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from jepa_planner.perception.axes import AxesGuess, find_axes
from jepa_planner.perception.clip import PerceivedClip, read_clip
from jepa_planner.perception.events import ObjectTrack, summarise
from jepa_planner.perception.regions import Region, find_regions
from jepa_planner.perception.shapes import Canvas, Shape, classify
from jepa_planner.perception.text import Reading, read_line
from jepa_planner.perception.tracks import Track, drop_shadows, inside, join_converged, link

__all__ = ["Perception", "PerceivedClip", "SeenObject", "perceive", "read_clip"]

#: A region over axes within this many levels of the plot's colour is the plot itself.
PLOT_COLOUR = 60.0
#: Tracks seen in fewer working frames than this are noise (a flicker where two objects touch).
MIN_FRAMES = 2


@dataclass(frozen=True)
class SeenObject:
    """One object perception found: its track summary, candidate shapes (best first), OCR reading, and axes."""

    summary: ObjectTrack
    shapes: tuple[Shape, ...]
    reading: Reading | None
    axes: AxesGuess | None = None

    @property
    def region(self) -> Region:
        return self.summary.reference


@dataclass(frozen=True)
class Perception:
    """What perception found in a clip: the clip as read, and its objects in order of appearance."""

    clip: PerceivedClip
    objects: tuple[SeenObject, ...]

    @property
    def canvas(self) -> Canvas:
        return Canvas(self.clip.frames.shape[2], self.clip.frames.shape[1])


def _text_like(region: Region, canvas: Canvas) -> bool:
    """A group of several glyphs, no taller than a large line of text (1.2 units)."""
    return region.parts >= 2 and region.height <= 1.2 * canvas.ppu and region.width >= region.height


def _read(clip: PerceivedClip, summary: ObjectTrack) -> Reading:
    x0, y0, x1, y1 = summary.reference.box
    pad = max(2, (y1 - y0) // 4)
    frame = clip.frames[summary.reference_frame]
    crop = frame[max(0, y0 - pad) : y1 + pad, max(0, x0 - pad) : x1 + pad]
    return read_line(crop, clip.background)


def _seen(clip: PerceivedClip, track: Track, canvas: Canvas) -> SeenObject:
    best = max((r for _, r in track.own()), key=lambda r: r.area)
    text = _text_like(best, canvas)
    reading = None
    shapes: list[Shape]
    if text:
        summary = summarise(track, clip.background, canvas.height, text=True, arrow=False)
        reading = _read(clip, summary)
        shapes = classify(summary.opening, canvas, text=True)
    else:
        shapes = classify(best, canvas)
        arrow = shapes[0].kind in ("Arrow", "DoubleArrow")
        summary = summarise(track, clip.background, canvas.height, text=False, arrow=arrow)
        axes = find_axes(clip.frames[summary.reference_frame], summary.reference, clip.background, canvas.ppu)
        if axes is not None:
            size = {"x_length": canvas.units(axes.lengths[0]), "y_length": canvas.units(axes.lengths[1])}
            return SeenObject(summary, (Shape("Axes", canvas.point(*axes.centre), size, 0.9),), None, axes)
        shapes = classify(summary.opening, canvas)
    return SeenObject(summary, tuple(shapes), reading)


def _without_plots(objects: list[SeenObject]) -> list[SeenObject]:
    """Objects less the curves that axes already account for: a region over the axes, in the plot's colour."""
    plots = [(o.region.box, o.axes.plot.colour) for o in objects if o.axes is not None and o.axes.plot is not None]
    return [
        o
        for o in objects
        if o.axes is not None
        or not any(
            inside(o.region.box, box) >= 0.8 and float(np.abs(o.region.colour - colour).max()) <= PLOT_COLOUR
            for box, colour in plots
        )
    ]


def perceive(clip: PerceivedClip) -> Perception:
    """Find, follow and describe every object drawn in ``clip``."""
    canvas = Canvas(clip.frames.shape[2], clip.frames.shape[1])
    regions = [find_regions(frame, clip.background) for frame in clip.frames]
    shortest = min(MIN_FRAMES, len(clip.frames))
    tracks = [t for t in drop_shadows(join_converged(link(regions))) if len(t.frames) >= shortest]
    objects = _without_plots([_seen(clip, track, canvas) for track in tracks])
    objects.sort(key=lambda o: (o.summary.appear, -o.region.filled_area))
    return Perception(clip, tuple(objects))
