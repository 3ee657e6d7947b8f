"""Regions followed across frames: one ``Track`` per drawn object, by Hungarian matching of neighbouring frames.

The cost of continuing a track with a region is ``1 - IoU`` of their boxes plus their colour difference (a
fraction of 255); pairs that do not overlap, or differ by more than ``MAX_COLOUR`` levels, are never matched.
A track that finds no region may still be continued ``MAX_GAP`` frames later (two objects that touch for a
moment are one region then). Matching is ``scipy.optimize.linear_sum_assignment``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from scipy.optimize import linear_sum_assignment  # type: ignore[import-untyped, unused-ignore]

from jepa_planner.perception.regions import Region

#: Frames a track may go unseen and still be continued.
MAX_GAP = 3
#: The largest colour difference (levels of 255, largest channel) between a track and a region it continues.
MAX_COLOUR = 90.0
#: Costs at or above this are not matches.
NO_MATCH = 10.0


@dataclass
class Track:
    """One object's region in each frame it is seen (``frames[i]`` is the frame index of ``regions[i]``)."""

    frames: list[int] = field(default_factory=list)
    regions: list[Region] = field(default_factory=list)
    #: Per seen frame: the region also holds another object (they overlap), so its geometry is not this one's.
    merged: list[bool] = field(default_factory=list)

    def own(self) -> list[tuple[int, Region]]:
        """``(frame, region)`` where the region is this object's alone (all of them if it is never alone)."""
        alone = [(f, r) for f, r, m in zip(self.frames, self.regions, self.merged, strict=True) if not m]
        return alone or list(zip(self.frames, self.regions, strict=True))

    @property
    def first(self) -> int:
        return self.frames[0]

    @property
    def last(self) -> int:
        return self.frames[-1]

    @property
    def length(self) -> int:
        return self.last - self.first + 1

    def at(self, frame: int) -> Region | None:
        """The region in ``frame``, or None where the track is not seen."""
        if frame < self.first or frame > self.last:
            return None
        try:
            return self.regions[self.frames.index(frame)]
        except ValueError:
            return None


def box_iou(a: tuple[int, int, int, int], b: tuple[int, int, int, int]) -> float:
    """Intersection over union of two pixel boxes ``(x0, y0, x1, y1)``."""
    width = min(a[2], b[2]) - max(a[0], b[0])
    height = min(a[3], b[3]) - max(a[1], b[1])
    if width <= 0 or height <= 0:
        return 0.0
    inter = width * height
    return inter / ((a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter)


def _cost(track: Region, region: Region) -> float:
    # A growing object (a path being drawn) keeps its track: its last box lies inside the new one.
    overlap = max(box_iou(track.box, region.box), 0.8 * inside(track.box, region.box))
    colour = float(np.abs(track.colour - region.colour).max())
    # A recolour keeps its place: a new colour is the same object only where it overlaps well.
    if overlap <= 0.0 or (colour > MAX_COLOUR and overlap < 0.5):
        return NO_MATCH
    return 1.0 - overlap + colour / 255.0


def link(regions_per_frame: list[list[Region]]) -> list[Track]:
    """Tracks through ``regions_per_frame`` (the regions of frame 0, 1, ...), in order of first appearance."""
    tracks: list[Track] = []
    for frame, regions in enumerate(regions_per_frame):
        live = [track for track in tracks if frame - track.last <= MAX_GAP]
        taken: set[int] = set()
        if live and regions:
            cost = np.array([[_cost(track.regions[-1], region) for region in regions] for track in live])
            rows, cols = linear_sum_assignment(cost)
            for row, col in zip(rows, cols, strict=True):
                if cost[row, col] < NO_MATCH:
                    live[row].frames.append(frame)
                    live[row].regions.append(regions[col])
                    live[row].merged.append(False)
                    taken.add(int(col))
            _follow_merges([t for t in live if t.last != frame], regions, frame)
        for index, region in enumerate(regions):
            if index not in taken:
                tracks.append(Track([frame], [region], [False]))
    return tracks


def join_converged(tracks: list[Track], apart: int = 2) -> list[Track]:
    """Tracks that meet in one region and are never (but for ``apart`` frames) two regions at once, joined.

    Pieces of one object drawn bit by bit (a letter and the dot of an ``i`` in a ``Write``) start as tracks of
    their own and meet when the object closes up; which of them Hungarian matching then continues is a tie.
    Two objects that overlap for a while stay apart: they are separate regions in most frames they share.
    """
    joined = list(tracks)
    changed = True
    while changed:
        changed = False
        for a in range(len(joined)):
            for b in range(a + 1, len(joined)):
                first, second = joined[a], joined[b]
                mine = dict(zip(first.frames, first.regions, strict=True))
                theirs = dict(zip(second.frames, second.regions, strict=True))
                both = mine.keys() & theirs.keys()
                same = sum(mine[f] is theirs[f] for f in both)
                if same == 0 or len(both) - same > apart:
                    continue
                union = {**theirs, **mine}
                for frame in both:  # where they differ, the larger region is the object
                    union[frame] = max(mine[frame], theirs[frame], key=lambda r: r.area)
                frames = sorted(union)
                joined[a] = Track(frames, [union[f] for f in frames], [False] * len(frames))
                del joined[b]
                changed = True
                break
            if changed:
                break
    return joined


def drop_shadows(tracks: list[Track], share: float = 0.5) -> list[Track]:
    """Tracks without the shadows of others: a track most of whose regions another, longer track also holds.

    Following merges can leave two tracks on one object (its first frames drawn as two pieces); the shorter one
    only ever sees the longer one's regions.
    """
    owners: dict[int, list[int]] = {}
    for index, track in enumerate(tracks):
        for region in track.regions:
            owners.setdefault(id(region), []).append(index)
    kept = []
    for index, track in enumerate(tracks):
        shared = sum(
            any(
                len(tracks[o].frames) > len(track.frames) or (len(tracks[o].frames) == len(track.frames) and o < index)
                for o in owners[id(r)]
                if o != index
            )
            for r in track.regions
        )
        if shared < share * len(track.regions) or (shared == 0):
            kept.append(track)
    # A region two kept tracks hold is where their objects overlap: neither may measure itself on it.
    for track in kept:
        track.merged = [
            m or sum(id(r) == id(x) for t in kept for x in t.regions) > 1
            for r, m in zip(track.regions, track.merged, strict=True)
        ]
    return kept


def inside(inner: tuple[int, int, int, int], outer: tuple[int, int, int, int]) -> float:
    """Share of box ``inner`` that lies in box ``outer``."""
    width = min(inner[2], outer[2]) - max(inner[0], outer[0])
    height = min(inner[3], outer[3]) - max(inner[1], outer[1])
    area = (inner[2] - inner[0]) * (inner[3] - inner[1])
    return 0.0 if width <= 0 or height <= 0 else width * height / max(area, 1)


def _follow_merges(unmatched: list[Track], regions: list[Region], frame: int) -> None:
    """Continue each unmatched track into a region that swallowed it: two objects overlapping are one region."""
    for track in unmatched:
        last = track.regions[-1]
        if track.merged[-1]:  # already inside a shared region: stay with whatever continues it
            candidates = [r for r in regions if box_iou(last.box, r.box) >= 0.5]
        else:
            candidates = [r for r in regions if r.area > 1.2 * last.area and inside(last.box, r.box) >= 0.8]
        if candidates:
            track.frames.append(frame)
            track.regions.append(max(candidates, key=lambda r: box_iou(last.box, r.box)))
            track.merged.append(True)
