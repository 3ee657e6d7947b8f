"""Violation of expectation: JEPA surprise on clips, physics-breaking injectors, and ROC AUC.

*Surprise* is the world model's prediction error on the future. The token grid of a clip is ``S x H x W`` (time
slots of ``tubelet[0]`` frames, rows, columns). With ``context_slots = c`` (half the slots by default):

- the **context** is every token of time slots ``0 .. c-1`` (frames ``0 .. c * tubelet[0] - 1``): the context
  encoder sees only these tokens (``CausalMask``), as in pretraining it sees only the context of a mask;
- the **predicted** tokens are every token of slots ``c .. S-1``: the predictor fills them from the context;
- they are compared, by the mean absolute error over features, with the EMA target encoder's layer-normed
  tokens of the **whole** clip at those places, exactly as ``JEPAPretraining.jepa_loss`` compares them.

A clip whose future breaks what the model learned should be harder to predict. The injectors break the future of a
real clip in three ways (each from a frame ``start`` in the second half, drawn with the caller's numpy
``Generator``, so the same generator state gives the same violation):

- ``teleport``: one object's pixels jump to a far place and stay there;
- ``off_frame``: one object slides past the nearest border within two frames and is gone;
- ``collision``: one object moves onto another that the normal clip keeps apart, and overlaps it.

Each moves an object by cutting its (one-pixel padded) box region out of the frame, filling the hole with the
black background, and pasting the region's lit pixels at the shifted place (pixels pushed past the border are
dropped). Boxes are the clip's ``[T, N, 4]`` (left, bottom, right, top) in Manim units, NaN while an object is
not shown; the frame is ``FRAME_HEIGHT`` units high and centred on the origin.

Another object's pixels inside that region move along with it. ``still_frame_errors`` is a reference without
learning on the same token grid (predict every future frame as the last context frame, in pixels), and
``roc_auc`` asks how well a score ranks violated clips above normal ones.

Axis key: b batch, s time slots, n tokens, k context tokens, m predicted tokens, d features; c channels, t frames
of a tubelet, y and x token rows and columns, h and w pixels of a tubelet.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import torch
import torch.nn.functional as F
from einops import rearrange, reduce

from codegen.runtime import FRAME_HEIGHT
from jepa_planner.masks import CausalMask, apply_masks
from jepa_planner.systems.jepa import JEPAPretraining

#: Pixel region ``(top, bottom, left, right)``: rows ``top:bottom`` and columns ``left:right``.
Region = tuple[int, int, int, int]


# --- surprise ------------------------------------------------------------------------------------------------------


def future_errors(system: JEPAPretraining, clips: torch.Tensor, *, context_slots: int | None = None) -> torch.Tensor:
    """Per-token prediction errors on the future of each clip.

    Parameters
    ----------
    system
        A ``JEPAPretraining``; it runs in eval mode without gradients and is put back in its former mode.
    clips
        ``[B, T, 3, H, W]`` in [0, 1], of the system's clip size.
    context_slots
        Time slots given as context (see the module docstring); None: the first half, ``S // 2``.

    Returns
    -------
    torch.Tensor
        ``[B, S - context_slots, H' * W']``: the L1 error (mean over features) of each predicted token, by future
        time slot and by spatial token in raster order.
    """
    grid = system.encoder.grid
    slots = grid[0] // 2 if context_slots is None else context_slots
    context_index, target_index = CausalMask(grid=grid, context_slots=slots)(batch_size=clips.shape[0])
    context_index, target_index = context_index.to(clips.device), target_index.to(clips.device)
    was_training = system.training
    system.eval()
    try:
        with torch.no_grad():
            targets = system.target_encoder(clips)  # [B, N, D]
            targets = F.layer_norm(targets, targets.shape[-1:])
            context = system.encoder(clips, context_index)  # [B, K, D]
            predicted = system.predictor(context, context_index, target_index)  # [B, M, D]
            error = (predicted - apply_masks(targets, target_index)).abs().mean(dim=-1)  # [B, M]
    finally:
        system.train(was_training)
    by_slot: torch.Tensor = rearrange(error, "b (s n) -> b s n", s=grid[0] - slots)
    return by_slot


def still_frame_errors(clips: torch.Tensor, *, tubelet: tuple[int, int, int], context_slots: int) -> torch.Tensor:
    """A reference without learning: predict every future frame as the last context frame, in pixels.

    Parameters
    ----------
    clips
        ``[B, T, 3, H, W]`` in [0, 1].
    tubelet
        ``(t, h, w)`` pixels per token, to pool the errors onto the same grid as ``future_errors``.
    context_slots
        Time slots of context: frames ``0 .. context_slots * t - 1``.

    Returns
    -------
    torch.Tensor
        ``[B, S - context_slots, H' * W']``: the mean absolute pixel difference from the last context frame, per
        future token.
    """
    t, h, w = tubelet
    last = context_slots * t
    error = (clips[:, last:] - clips[:, last - 1 : last]).abs()  # [B, T - last, 3, H, W]
    pooled: torch.Tensor = reduce(error, "b (s t) c (y h) (x w) -> b s (y x)", "mean", t=t, h=h, w=w)
    return pooled


def surprise(system: JEPAPretraining, clips: torch.Tensor, *, context_slots: int | None = None) -> torch.Tensor:
    """``[B]`` mean L1 error of the predicted future tokens of each clip ``[B, T, 3, H, W]`` (see ``future_errors``).

    Examples
    --------
    >>> system = JEPAPretraining()
    >>> surprise(system, torch.rand(2, 16, 3, 36, 64)).shape
    torch.Size([2])
    """
    return future_errors(system, clips, context_slots=context_slots).mean(dim=(1, 2))


def surprise_per_slot(
    system: JEPAPretraining, clips: torch.Tensor, *, context_slots: int | None = None
) -> torch.Tensor:
    """``[B, S - context_slots]`` mean error per predicted time slot: surprise should rise from the violation on."""
    return future_errors(system, clips, context_slots=context_slots).mean(dim=2)


# --- ROC AUC -------------------------------------------------------------------------------------------------------


def roc_auc(normal_scores: npt.ArrayLike, violated_scores: npt.ArrayLike) -> float:
    """The chance that a violated clip scores above a normal one, ties counted half (Mann–Whitney U / (n m)).

    Examples
    --------
    >>> roc_auc([0.1, 0.2], [0.3, 0.4]), roc_auc([1.0, 1.0], [1.0]), roc_auc([0.3], [0.1, 0.3])
    (1.0, 0.5, 0.25)
    """
    normal = np.asarray(normal_scores, dtype=np.float64).ravel()
    violated = np.asarray(violated_scores, dtype=np.float64).ravel()
    if normal.size == 0 or violated.size == 0:
        raise ValueError("roc_auc needs at least one normal and one violated score")
    above = (violated[:, None] > normal[None, :]).sum()
    ties = (violated[:, None] == normal[None, :]).sum()
    return float((above + 0.5 * ties) / (normal.size * violated.size))


# --- injectors -----------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Violation:
    """A clip with an injected violation.

    Attributes
    ----------
    frames
        ``[T, H, W, 3]`` uint8, the violated clip (a new array; the input is untouched).
    start
        The first frame that differs from the normal clip by construction.
    description
        What was done, in a few words.
    """

    frames: np.ndarray
    start: int
    description: str


#: An injector: ``(frames [T, H, W, 3] uint8, boxes [T, N, 4], rng) -> Violation | None``.
Injector = Callable[[np.ndarray, np.ndarray, np.random.Generator], Violation | None]


def pixel_region(box: np.ndarray, height: int, width: int, pad: int = 1) -> Region | None:
    """The pixels of a Manim box ``(left, bottom, right, top)``, padded and clipped to the frame; None if empty.

    Examples
    --------
    >>> pixel_region(np.array([-1.0, -1.0, 1.0, 1.0]), 36, 64, pad=0)
    (13, 23, 27, 37)
    """
    if not np.all(np.isfinite(box)):
        return None
    scale = height / FRAME_HEIGHT  # pixels per unit, the same on both axes
    left, bottom, right, top = (float(v) for v in box)
    region = (
        max(int(np.floor(height / 2 - top * scale)) - pad, 0),
        min(int(np.ceil(height / 2 - bottom * scale)) + pad, height),
        max(int(np.floor(width / 2 + left * scale)) - pad, 0),
        min(int(np.ceil(width / 2 + right * scale)) + pad, width),
    )
    return region if region[0] < region[1] and region[2] < region[3] else None


def _regions(frames: np.ndarray, boxes: np.ndarray, obj: int, start: int) -> list[Region] | None:
    """The object's region in each frame from ``start`` on, or None unless it is shown in all and lit at ``start``."""
    height, width = frames.shape[1:3]
    found = [pixel_region(boxes[t, obj], height, width) for t in range(start, len(frames))]
    regions = [region for region in found if region is not None]
    if len(regions) < len(found):
        return None
    top, bottom, left, right = regions[0]
    return regions if frames[start, top:bottom, left:right].any() else None


def _shown(frames: np.ndarray, boxes: np.ndarray, start: int) -> dict[int, list[Region]]:
    """Every object that stays on screen from ``start`` to the end, with its regions, by object index."""
    found = {obj: _regions(frames, boxes, obj, start) for obj in range(boxes.shape[1])}
    return {obj: regions for obj, regions in found.items() if regions is not None}


def _move(frame: np.ndarray, region: Region, dy: int, dx: int) -> None:
    """In place: cut ``region`` (leaving black), paste its lit pixels ``dy`` rows and ``dx`` columns away."""
    top, bottom, left, right = region
    patch = frame[top:bottom, left:right].copy()  # [h, w, 3]
    frame[top:bottom, left:right] = 0
    height, width = frame.shape[:2]
    row0, row1 = max(top + dy, 0), min(bottom + dy, height)
    col0, col1 = max(left + dx, 0), min(right + dx, width)
    if row0 >= row1 or col0 >= col1:
        return  # pushed wholly past the border
    source = patch[row0 - top - dy : row1 - top - dy, col0 - left - dx : col1 - left - dx]
    lit = source.any(axis=-1)  # [h, w]
    frame[row0:row1, col0:col1][lit] = source[lit]


def _start(rng: np.random.Generator, length: int) -> int:
    """A start frame in the second half, early enough to leave a quarter of the clip: ``T/2 .. 3T/4``."""
    return int(rng.integers(length // 2, length - length // 4 + 1))


def teleport(
    frames: np.ndarray, boxes: np.ndarray, rng: np.random.Generator, *, min_jump: float = 0.25
) -> Violation | None:
    """From a frame ``start`` on, one object's pixels jump by a fixed offset of at least ``min_jump`` frame widths.

    The object is one shown from ``start`` to the end; the offset keeps all of it inside the frame in every
    later frame. None when no object is shown throughout or none has room for such a jump.
    """
    start = _start(rng, len(frames))
    shown = _shown(frames, boxes, start)
    height, width = frames.shape[1:3]
    for obj in (int(o) for o in rng.permutation(sorted(shown))):
        regions = shown[obj]
        top, bottom = min(r[0] for r in regions), max(r[1] for r in regions)
        left, right = min(r[2] for r in regions), max(r[3] for r in regions)
        dy, dx = np.meshgrid(np.arange(-top, height - bottom + 1), np.arange(-left, width - right + 1), indexing="ij")
        far = np.hypot(dy, dx) >= min_jump * width
        if not far.any():
            continue
        pick = int(rng.integers(int(far.sum())))
        jump_y, jump_x = int(dy[far][pick]), int(dx[far][pick])
        out = frames.copy()
        for t, region in enumerate(regions, start):
            _move(out[t], region, jump_y, jump_x)
        return Violation(out, start, f"teleport: object {obj} jumps by ({jump_x}, {jump_y}) px at frame {start}")
    return None


def off_frame(
    frames: np.ndarray, boxes: np.ndarray, rng: np.random.Generator, *, exit_frames: int = 2
) -> Violation | None:
    """From a frame ``start`` on, one object slides past its nearest border, wholly gone after ``exit_frames``.

    In the ``k``-th violated frame (from 1) it is shifted by ``min(k / exit_frames, 1)`` of the distance that puts
    all of its box past that border. None when no object is shown from ``start`` to the end.
    """
    start = _start(rng, len(frames))
    shown = _shown(frames, boxes, start)
    if not shown:
        return None
    obj = int(rng.choice(sorted(shown)))
    regions = shown[obj]
    height, width = frames.shape[1:3]
    top, bottom, left, right = regions[0]
    # (distance to the border at ``start``, its name, row sign, column sign of the slide)
    borders = [
        (left, "left", 0, -1),
        (width - right, "right", 0, 1),
        (top, "top", -1, 0),
        (height - bottom, "bottom", 1, 0),
    ]
    _, name, sy, sx = min(borders, key=lambda border: border[0])
    out = frames.copy()
    for k, (t, region) in enumerate(zip(range(start, len(frames)), regions, strict=True), 1):
        r_top, r_bottom, r_left, r_right = region
        leave = {"left": r_right, "right": width - r_left, "top": r_bottom, "bottom": height - r_top}[name]
        shift = int(np.ceil(min(k / exit_frames, 1.0) * leave))
        _move(out[t], region, sy * shift, sx * shift)
    return Violation(out, start, f"off_frame: object {obj} slides out past the {name} border from frame {start}")


def _apart(a: np.ndarray, b: np.ndarray) -> bool:
    """Whether two Manim boxes ``[T, 4]`` are disjoint in every frame."""
    overlap_x = np.minimum(a[:, 2], b[:, 2]) - np.maximum(a[:, 0], b[:, 0])
    overlap_y = np.minimum(a[:, 3], b[:, 3]) - np.maximum(a[:, 1], b[:, 1])
    return bool(np.all((overlap_x <= 0) | (overlap_y <= 0)))


def collision(frames: np.ndarray, boxes: np.ndarray, rng: np.random.Generator) -> Violation | None:
    """From a frame ``start`` on, one object sits centred on another that the normal clip keeps apart.

    Both objects are shown from ``start`` to the end, and their boxes are disjoint in all of those frames of the
    normal clip. The moved object follows the other's centre frame by frame and is drawn on top of it. None when
    no such pair exists.
    """
    start = _start(rng, len(frames))
    shown = _shown(frames, boxes, start)
    objects = sorted(shown)
    pairs = [(a, b) for a in objects for b in objects if a != b and _apart(boxes[start:, a], boxes[start:, b])]
    if not pairs:
        return None
    a, b = pairs[int(rng.integers(len(pairs)))]
    out = frames.copy()
    for t, region, onto in zip(range(start, len(frames)), shown[a], shown[b], strict=True):
        dy = round((onto[0] + onto[1] - region[0] - region[1]) / 2)
        dx = round((onto[2] + onto[3] - region[2] - region[3]) / 2)
        _move(out[t], region, dy, dx)
    return Violation(out, start, f"collision: object {a} moves onto object {b} from frame {start}")


#: The violation injectors by name, in report order.
INJECTORS: dict[str, Injector] = {"teleport": teleport, "off_frame": off_frame, "collision": collision}
