"""Training targets for the scene decoder, from a clip's labels: the object set and the timeline tokens.

Objects are the leaf objects the object-set head can name (``vocab.KINDS``) that show in some frame, in
declaration order. Each has a kind, a colour, a fill, its box once the step that brings it in has finished (at
its first frame a growing object is still a point), and its first frame as a share of the clip. The timeline
refers to them by their index in that list (``timeline.encode_timeline``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import torch

from codegen.runtime import FRAME_HEIGHT, FRAME_WIDTH
from dsl import ir
from dsl.parser import parse
from jepa_planner.decoder.timeline import Vocabulary, encode_timeline
from jepa_planner.decoder.vocab import COLORS, FILLS, IGNORE, KINDS


@dataclass(frozen=True)
class SceneTargets:
    """One scene's targets: ``kind``, ``color``, ``fill`` ``[M]`` int64 (``IGNORE``: unknown), ``box`` ``[M, 4]``
    and ``appear`` ``[M]`` float32, ``settled`` ``[M]`` int64 (the frame the box is from), and ``tokens``
    (vocabulary ids, pointers in object order)."""

    kind: torch.Tensor
    color: torch.Tensor
    fill: torch.Tensor
    box: torch.Tensor
    appear: torch.Tensor
    tokens: list[int]
    settled: torch.Tensor


def box_features(box: Sequence[float]) -> tuple[float, float, float, float]:
    """Left, bottom, right, top in Manim units → centre in half-frame units, size in frame units."""
    left, bottom, right, top = box
    return (
        (left + right) / FRAME_WIDTH,
        (bottom + top) / FRAME_HEIGHT,
        (right - left) / FRAME_WIDTH,
        (top - bottom) / FRAME_HEIGHT,
    )


def _settled_frame(visible: np.ndarray, active_step: np.ndarray, first: int) -> int:
    """The last frame of the step playing at frame ``first`` in which the object still shows."""
    step = active_step[first]
    same = np.flatnonzero((active_step == step) & visible)
    return int(same[-1]) if step >= 0 and len(same) else first


def scene_targets(
    scene: ir.Scene,
    boxes: np.ndarray,
    visible: np.ndarray,
    active_step: np.ndarray,
    vocab: Vocabulary,
    *,
    max_steps: int = 8,
) -> SceneTargets:
    """Targets of ``scene`` from its clip labels: ``boxes`` ``[T, N, 4]`` and ``visible`` ``[T, N]`` for the leaf
    objects in declaration order, and ``active_step`` ``[T]`` (as ``ClipDataModule`` batches them)."""
    objects = scene.object_map()
    names = [o.name for o in scene.objects if o.kind != "Group"]
    kept: list[tuple[str, ir.ObjectBase, int]] = []
    for column, name in enumerate(names[: boxes.shape[1]]):
        shown = np.flatnonzero(visible[:, column])
        if objects[name].kind in KINDS and len(shown) and len(kept) < vocab.pointers:
            kept.append((name, objects[name], column))
    kind, color, fill, box, appear, settled_frames = [], [], [], [], [], []
    frames = len(visible)
    for _, obj, column in kept:
        first = int(np.flatnonzero(visible[:, column])[0])
        kind.append(KINDS.index(obj.kind))
        color.append(COLORS.index(obj.color) if obj.color in COLORS else IGNORE)
        opacity = getattr(obj, "fill_opacity", None)
        fill.append(FILLS.index(opacity) if opacity in FILLS else IGNORE)
        settled = _settled_frame(visible[:, column], active_step, first)
        box.append(box_features(boxes[settled, column].tolist()))
        settled_frames.append(settled)
        appear.append(first / max(frames - 1, 1))
    # Steps on anything else (a group, an axes) cannot be said, and encode_timeline leaves them out.
    slots = {name: i for i, (name, _, _) in enumerate(kept)}
    kinds: list[str | None] = [obj.kind for _, obj, _ in kept] + [None] * (vocab.pointers - len(kept))
    tokens = encode_timeline(vocab, scene, slots, kinds, max_steps=max_steps)
    return SceneTargets(
        kind=torch.tensor(kind, dtype=torch.long),
        color=torch.tensor(color, dtype=torch.long),
        fill=torch.tensor(fill, dtype=torch.long),
        box=torch.tensor(box, dtype=torch.float32).reshape(-1, 4),
        appear=torch.tensor(appear, dtype=torch.float32),
        tokens=tokens,
        settled=torch.tensor(settled_frames, dtype=torch.long),
    )


def object_tokens(target: SceneTargets, grid: tuple[int, int, int], frames: int) -> torch.Tensor:
    """``[M]`` index (raster order over the ``(T', H', W')`` token grid) of the token holding each object's box
    centre in the frame its box is from: what the objectness score should find."""
    slots, rows, cols = grid
    x = ((target.box[:, 0] + 1.0) / 2.0 * cols).long().clamp(0, cols - 1)  # the centre is in half-frame units
    y = ((1.0 - target.box[:, 1]) / 2.0 * rows).long().clamp(0, rows - 1)  # rows count down from the top
    t = (target.settled * slots // frames).clamp(0, slots - 1)
    return (t * rows + y) * cols + x


def batch_targets(batch: dict[str, object], vocab: Vocabulary, *, max_steps: int = 8) -> list[SceneTargets]:
    """Targets for every sample of a labelled ``ClipDataModule`` batch (``dsl``, ``boxes``, ``visible``,
    ``active_step``)."""
    texts, boxes, visible, active = batch["dsl"], batch["boxes"], batch["visible"], batch["active_step"]
    assert isinstance(texts, list)
    assert isinstance(boxes, torch.Tensor) and isinstance(visible, torch.Tensor) and isinstance(active, torch.Tensor)
    return [
        scene_targets(parse(text), boxes[i].numpy(), visible[i].numpy(), active[i].numpy(), vocab, max_steps=max_steps)
        for i, text in enumerate(texts)
    ]
