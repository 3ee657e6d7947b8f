"""Diversity statistics of a clip dataset: what kinds, verbs, colours and positions it holds, and how often it repeats.

The shards are streamed one sample at a time, so a dataset of any size is read in constant memory. Only each
sample's JSON metadata and its boxes are looked at.

Positions bin each leaf object's box centre, in the first frame where the object is on screen, into a 3x3 grid
of Manim's 14.22 x 8 unit frame (rows top to bottom, columns left to right). A box drawn while an object is being
created can be smaller than its final box (``Create`` starts from a point), so the centre is where drawing began.

Examples
--------
``jepa-planner data stats data/l2`` prints ``format_stats(dataset_stats(Path("data/l2")))``.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

import numpy as np

from codegen.runtime import FRAME_HEIGHT, FRAME_WIDTH
from jepa_planner.data.shards import dataset_shards, read_index, read_shard

ROWS = ("top", "middle", "bottom")
COLUMNS = ("left", "centre", "right")
#: Grid cells in reading order, as the keys of the ``positions`` histogram.
CELLS = tuple(f"{row}-{column}" for row in ROWS for column in COLUMNS)


def grid_cell(x: float, y: float) -> str:
    """The 3x3 cell of the frame that holds point ``(x, y)`` in Manim units (points outside go to the edge cell).

    Examples
    --------
    >>> grid_cell(0.0, 0.0), grid_cell(-6.0, 3.5), grid_cell(9.0, -9.0)
    ('middle-centre', 'top-left', 'bottom-right')
    """
    column = int(np.clip((x + FRAME_WIDTH / 2) / FRAME_WIDTH * 3, 0, 2))
    row = int(np.clip((FRAME_HEIGHT / 2 - y) / FRAME_HEIGHT * 3, 0, 2))
    return f"{ROWS[row]}-{COLUMNS[column]}"


def _step_verbs(step: dict[str, Any]) -> list[str]:
    """Verbs of one timeline step (as stored by ``model_dump``): each animation's kind, or ``wait``/``add``."""
    if step["kind"] == "play":
        return [animation["kind"] for animation in step["animations"]]
    return [step["kind"]]


class _Tally:
    """Running counts over the samples of a dataset."""

    def __init__(self) -> None:
        self.samples = 0
        self.kinds: Counter[str] = Counter()
        self.verbs: Counter[str] = Counter()
        self.colors: Counter[str] = Counter()
        self.positions: Counter[str] = Counter()
        self.never_on_screen = 0
        self.objects_per_scene: Counter[int] = Counter()
        self.steps_per_scene: Counter[int] = Counter()
        self.levels: Counter[int] = Counter()
        self.seen: set[str] = set()
        self.duplicates = 0

    def add(self, meta: dict[str, Any], boxes: np.ndarray) -> None:
        """Count one sample: its metadata and its ``[T, N, 4]`` boxes."""
        self.samples += 1
        scene = meta["scene"]
        self.levels[int(meta["level"])] += 1
        self.objects_per_scene[len(scene["objects"])] += 1
        self.steps_per_scene[len(scene["timeline"])] += 1
        for obj in scene["objects"]:
            self.kinds[obj["kind"]] += 1
            if "color" in obj:  # objects without a colour field (Group, Axes, Brace...) are not counted
                self.colors[obj["color"] or "default"] += 1
        for step in scene["timeline"]:
            self.verbs.update(_step_verbs(step))
        for n in range(boxes.shape[1]):
            on_screen = np.flatnonzero(~np.isnan(boxes[:, n, 0]))
            if len(on_screen) == 0:
                self.never_on_screen += 1
                continue
            left, bottom, right, top = boxes[on_screen[0], n].tolist()
            self.positions[grid_cell((left + right) / 2, (bottom + top) / 2)] += 1
        if meta["scene_hash"] in self.seen:
            self.duplicates += 1
        else:
            self.seen.add(meta["scene_hash"])


def _by_count(counter: Counter[str]) -> dict[str, int]:
    """Most common first, ties by name, so reports are stable."""
    return dict(sorted(counter.items(), key=lambda item: (-item[1], item[0])))


def dataset_stats(directory: Path) -> dict[str, Any]:
    """Count what a dataset directory holds, streaming its shards.

    Parameters
    ----------
    directory
        A dataset made by ``jepa-planner data gen``.

    Returns
    -------
    dict
        ``directory``, ``settings`` (from index.json), ``shards``, ``samples``, ``unique_scenes``,
        ``duplicates`` and ``duplicate_rate`` (the share of samples whose ``scene_hash`` occurred earlier), and
        the histograms ``levels``, ``kinds``, ``verbs``, ``colors`` (object colours; ``default`` when unset),
        ``positions`` (every cell of ``CELLS``, in order), ``never_on_screen`` (objects without a box in any frame),
        ``objects_per_scene`` and ``steps_per_scene`` (sorted by their integer keys).

    Raises
    ------
    DatasetError
        When the directory is not a dataset or lists a missing shard.
    ShardError
        When a shard is damaged.
    """
    index = read_index(directory)
    shards = dataset_shards(directory)
    tally = _Tally()
    for shard in shards:
        for sample in read_shard(shard):
            tally.add(sample.meta, sample.arrays["boxes"])
    return {
        "directory": str(directory),
        "settings": index["settings"],
        "shards": len(shards),
        "samples": tally.samples,
        "unique_scenes": len(tally.seen),
        "duplicates": tally.duplicates,
        "duplicate_rate": tally.duplicates / tally.samples if tally.samples else 0.0,
        "levels": dict(sorted(tally.levels.items())),
        "kinds": _by_count(tally.kinds),
        "verbs": _by_count(tally.verbs),
        "colors": _by_count(tally.colors),
        "positions": {cell: tally.positions[cell] for cell in CELLS},
        "never_on_screen": tally.never_on_screen,
        "objects_per_scene": dict(sorted(tally.objects_per_scene.items())),
        "steps_per_scene": dict(sorted(tally.steps_per_scene.items())),
    }


def _table(title: str, counts: dict[Any, int], label: str) -> list[str]:
    """A Markdown table of counts with their share of the total."""
    total = sum(counts.values())
    lines = [f"## {title}", "", f"| {label} | count | share |", "|---|---:|---:|"]
    for key, count in counts.items():
        share = count / total if total else 0.0
        lines.append(f"| {key} | {count} | {share:.1%} |")
    if not counts:
        lines.append("| (none) | 0 | - |")
    return [*lines, ""]


def _grid(positions: dict[str, int], never: int) -> list[str]:
    """The position histogram as a 3x3 Markdown table laid out like the frame."""
    total = sum(positions.values())
    lines = [
        "## Positions (first on-screen box centre, 3x3 grid)",
        "",
        "| | " + " | ".join(COLUMNS) + " |",
        "|---|---:|---:|---:|",
    ]
    for row in ROWS:
        cells = []
        for column in COLUMNS:
            count = positions.get(f"{row}-{column}", 0)
            cells.append(f"{count} ({count / total:.0%})" if total else "0")
        lines.append(f"| **{row}** | " + " | ".join(cells) + " |")
    lines += ["", f"Objects never on screen: {never}.", ""]
    return lines


def format_stats(stats: dict[str, Any]) -> str:
    """A Markdown report of ``dataset_stats``.

    Examples
    --------
    >>> report = format_stats(dataset_stats(Path("data/l2")))   # doctest: +SKIP
    >>> report.splitlines()[0]                                  # doctest: +SKIP
    '# Dataset data/l2'
    """
    settings = stats["settings"]
    header = [
        f"# Dataset {stats['directory']}",
        "",
        f"- samples: {stats['samples']} in {stats['shards']} shards",
        f"- generated with: level {settings.get('level')}, seed {settings.get('seed')}, "
        f"{settings.get('width')}x{settings.get('height')}, {settings.get('length')} frames, "
        f"curriculum {settings.get('curriculum')}",
        f"- unique scenes: {stats['unique_scenes']}; duplicates: {stats['duplicates']} "
        f"(duplicate rate {stats['duplicate_rate']:.2%}, samples whose scene hash occurred earlier)",
        "",
    ]
    body = (
        _table("Object kinds", stats["kinds"], "kind")
        + _table("Animation verbs", stats["verbs"], "verb")
        + _table("Colours", stats["colors"], "colour")
        + _grid(stats["positions"], stats["never_on_screen"])
        + _table("Objects per scene", stats["objects_per_scene"], "objects")
        + _table("Steps per scene", stats["steps_per_scene"], "steps")
    )
    return "\n".join(header + body).rstrip() + "\n"
