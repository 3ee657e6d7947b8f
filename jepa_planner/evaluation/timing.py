"""Timing fidelity of a plan: do its objects come, change and go when the clip's do?

Both clips are read by perception (``jepa_planner.perception``), so this needs no labels and works on any clip.
Times are fractions of each clip's length, expressed on the 16-frame fidelity grid (``FIDELITY_FRAMES``).

- ``lifespan_tiou``: objects of the two clips are paired by Hungarian matching on how well their
  appear-to-disappear intervals overlap and how close they sit; the score is the sum of the pairs' temporal IoU
  over the larger object count (an object with no partner scores 0).
- ``event_f1``: events (appear, disappear, move, scale, rotate, recolour) are paired by type within
  ``EVENT_TOLERANCE`` grid frames; F1 over all events. ``event_counts`` gives the pairs per type, for an F1 per
  type pooled over clips.

Examples
--------
>>> timing_scores(clip, clip)                            # doctest: +SKIP
{'lifespan_tiou': 1.0, 'event_f1': 1.0}
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.optimize import linear_sum_assignment  # type: ignore[import-untyped, unused-ignore]

from jepa_planner.evaluation.fidelity import FIDELITY_FRAMES
from jepa_planner.perception import Perception, perceive, read_clip

#: Events count as the same when this many grid frames apart at most.
EVENT_TOLERANCE = 2.0
#: Objects farther apart than this (Manim units) are never paired.
MAX_DISTANCE = 2.0


@dataclass(frozen=True)
class Timeline:
    """What perception saw happen in one clip, on the grid: lifespans with places, and typed events."""

    spans: tuple[tuple[float, float, tuple[float, float]], ...]
    events: tuple[tuple[str, float], ...]


def timeline(perception: Perception) -> Timeline:
    """The lifespans and events of a perceived clip, times on the ``FIDELITY_FRAMES`` grid."""
    scale = FIDELITY_FRAMES / len(perception.clip.frames)
    canvas = perception.canvas
    spans, events = [], []
    for seen in perception.objects:
        summary = seen.summary
        spans.append((summary.appear * scale, summary.gone * scale, canvas.point(*summary.opening.centre)))
        events.append(("appear", summary.appear * scale))
        if summary.gone < len(perception.clip.frames):
            events.append(("disappear", summary.fading * scale))
        events.extend((motion.kind, motion.start * scale) for motion in summary.motions)
    return Timeline(tuple(spans), tuple(events))


def _tiou(a: tuple[float, float], b: tuple[float, float]) -> float:
    inter = max(0.0, min(a[1], b[1]) - max(a[0], b[0]))
    union = max(a[1], b[1]) - min(a[0], b[0])
    return inter / union if union > 0 else 1.0


def lifespan_tiou(a: Timeline, b: Timeline) -> float:
    """Hungarian-matched lifespan temporal IoU, over the larger object count (1.0 when both are empty)."""
    if not a.spans and not b.spans:
        return 1.0
    if not a.spans or not b.spans:
        return 0.0
    tiou = np.array([[_tiou(x[:2], y[:2]) for y in b.spans] for x in a.spans])
    distance = np.array([[np.hypot(x[2][0] - y[2][0], x[2][1] - y[2][1]) for y in b.spans] for x in a.spans])
    rows, cols = linear_sum_assignment((1.0 - tiou) + np.minimum(distance / MAX_DISTANCE, 1.0))
    total = sum(tiou[r, c] for r, c in zip(rows, cols, strict=True) if distance[r, c] <= MAX_DISTANCE)
    return float(total) / max(len(a.spans), len(b.spans))


def event_counts(a: Timeline, b: Timeline) -> dict[str, tuple[int, int, int]]:
    """Per event type: events paired within ``EVENT_TOLERANCE`` grid frames (Hungarian on the time gap), and the
    events of ``a`` and of ``b``. Counts, so that a benchmark can pool them over clips before dividing."""
    counts = {}
    for kind in sorted({k for k, _ in a.events} | {k for k, _ in b.events}):
        times_a = [t for k, t in a.events if k == kind]
        times_b = [t for k, t in b.events if k == kind]
        matched = 0
        if times_a and times_b:
            gap = np.abs(np.subtract.outer(times_a, times_b))
            rows, cols = linear_sum_assignment(gap)
            matched = int((gap[rows, cols] <= EVENT_TOLERANCE).sum())
        counts[kind] = (matched, len(times_a), len(times_b))
    return counts


def event_f1(a: Timeline, b: Timeline) -> float:
    """F1 of events paired by type within ``EVENT_TOLERANCE`` grid frames (1.0 when neither has any)."""
    if not a.events and not b.events:
        return 1.0
    matched = sum(m for m, _, _ in event_counts(a, b).values())
    return 2.0 * matched / (len(a.events) + len(b.events))


def timing_scores(target: np.ndarray, predicted: np.ndarray) -> dict[str, float]:
    """Lifespan tIoU and event F1 of two clips (``[T, H, W, 3]`` uint8, any sizes and lengths)."""
    a = timeline(perceive(read_clip(target)))
    b = timeline(perceive(read_clip(predicted)))
    return {"lifespan_tiou": lifespan_tiou(a, b), "event_f1": event_f1(a, b)}
