"""Pixel fidelity of a plan: does its render look like the clip? Tolerant space-time Dice and its companions.

Both clips are first brought to one grid (``to_grid``: the same ``FIDELITY_FRAMES`` frames, picked as the
training data picks them, at ``FIDELITY_SIZE``), and each clip's background is estimated from the clip itself.
Foreground is any pixel more than ``FOREGROUND_LEVELS`` from it in some channel.

- ``tolerant_dice`` (the headline, ``shared/DESIGN.md``): a foreground pixel of either clip is matched when the
  other clip has foreground within one pixel in the same frame (the DAVIS boundary measure's idea); the score is
  the matched pixels of both over all foreground pixels of both. Strict IoU punishes a one-pixel shift of a
  one-pixel stroke as a miss; this does not.
- ``colour_dice``: the same, but the neighbour must also be close in colour (``COLOUR_LEVELS``).
- ``strict_iou``: plain space-time IoU of the two foregrounds, reported beside it.

Timing is judged apart (``jepa_planner.evaluation.timing``), on the objects perception finds in each clip.

Examples
--------
>>> clip = np.zeros((16, 72, 128, 3), np.uint8); clip[:, 30:40, 60:70] = 255
>>> tolerant_dice(clip, clip), tolerant_dice(clip, np.roll(clip, 1, axis=2))
(1.0, 1.0)
"""

from __future__ import annotations

import numpy as np
from PIL import Image
from scipy import ndimage  # type: ignore[import-untyped, unused-ignore]

from jepa_planner.data.clips import resample_indices

#: The grid every fidelity figure is measured on: frames, and (width, height).
FIDELITY_FRAMES = 16
FIDELITY_SIZE = (128, 72)
#: A pixel is foreground when some channel is more than this many levels (of 255) from the background.
FOREGROUND_LEVELS = 25
#: For ``colour_dice``: the largest channel difference at which two foreground pixels count as the same colour.
COLOUR_LEVELS = 48
#: The spatial tolerance, in pixels of the grid.
TOLERANCE = 1


def to_grid(frames: np.ndarray, *, length: int = FIDELITY_FRAMES, size: tuple[int, int] = FIDELITY_SIZE) -> np.ndarray:
    """``[F, H, W, 3]`` uint8 → ``[length, size[1], size[0], 3]``: evenly spaced frames, area-averaged in space."""
    if frames.ndim != 4 or frames.shape[-1] != 3 or len(frames) == 0:
        raise ValueError(f"expected [F, H, W, 3] frames, got shape {frames.shape}")
    picked = frames[resample_indices(len(frames), length)]
    if (picked.shape[2], picked.shape[1]) == size:
        return np.ascontiguousarray(picked)
    resample = Image.Resampling.BOX if picked.shape[2] >= size[0] else Image.Resampling.BILINEAR
    return np.stack([np.asarray(Image.fromarray(frame).resize(size, resample)) for frame in picked])


def background_colour(frames: np.ndarray) -> np.ndarray:
    """The clip's background: the most common colour (binned to 32 levels a channel), as the median of its bin.

    Returns ``[3]`` uint8. Manim's background is one flat colour that covers most of every frame, so the mode
    finds it even when objects fill a large part of the picture.
    """
    step = max(1, len(frames) // 8)
    pixels = frames[::step].reshape(-1, 3)
    binned = pixels >> 3
    codes = (binned[:, 0].astype(np.int32) << 10) | (binned[:, 1].astype(np.int32) << 5) | binned[:, 2]
    mode = int(np.bincount(codes).argmax())
    result: np.ndarray = np.median(pixels[codes == mode], axis=0).astype(np.uint8)
    return result


def foreground_mask(frames: np.ndarray, background: np.ndarray, levels: int = FOREGROUND_LEVELS) -> np.ndarray:
    """``[T, H, W]`` bool: some channel differs from ``background`` by more than ``levels``."""
    difference = np.abs(frames.astype(np.int16) - background.astype(np.int16))
    result: np.ndarray = difference.max(axis=-1) > levels
    return result


def _near(mask: np.ndarray, radius: int = TOLERANCE) -> np.ndarray:
    """``mask`` dilated by ``radius`` pixels in space only (a (2r+1)² square, frame by frame)."""
    size = 2 * radius + 1
    result: np.ndarray = ndimage.binary_dilation(mask, structure=np.ones((1, size, size), dtype=bool))
    return result


def _masks(a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    if a.shape != b.shape:
        raise ValueError(f"the clips differ in shape: {a.shape} and {b.shape}; bring both to_grid first")
    return foreground_mask(a, background_colour(a)), foreground_mask(b, background_colour(b))


def tolerant_dice(a: np.ndarray, b: np.ndarray) -> float:
    """Space-time foreground Dice with a one-pixel tolerance, in [0, 1]; 1.0 when both clips are empty.

    ``a`` and ``b`` are ``[T, H, W, 3]`` uint8 of one shape (see ``to_grid``).
    """
    fa, fb = _masks(a, b)
    total = int(fa.sum() + fb.sum())
    if total == 0:
        return 1.0
    matched = int((fa & _near(fb)).sum() + (fb & _near(fa)).sum())
    return matched / total


def strict_iou(a: np.ndarray, b: np.ndarray) -> float:
    """Space-time IoU of the two foregrounds, in [0, 1]; 1.0 when both clips are empty."""
    fa, fb = _masks(a, b)
    union = int((fa | fb).sum())
    return 1.0 if union == 0 else int((fa & fb).sum()) / union


def _colour_matched(mine: np.ndarray, own: np.ndarray, other: np.ndarray, theirs: np.ndarray) -> np.ndarray:
    """Pixels of ``mine`` with a foreground pixel of ``theirs`` within one pixel whose colour is close."""
    height, width = mine.shape[1:]
    pad = TOLERANCE
    other_p = np.pad(other.astype(np.int16), ((0, 0), (pad, pad), (pad, pad), (0, 0)))
    theirs_p = np.pad(theirs, ((0, 0), (pad, pad), (pad, pad)))
    own16 = own.astype(np.int16)
    matched = np.zeros_like(mine)
    for dy in range(2 * pad + 1):
        for dx in range(2 * pad + 1):
            near = theirs_p[:, dy : dy + height, dx : dx + width]
            close = np.abs(other_p[:, dy : dy + height, dx : dx + width] - own16).max(axis=-1) <= COLOUR_LEVELS
            matched |= near & close
    result: np.ndarray = mine & matched
    return result


def colour_dice(a: np.ndarray, b: np.ndarray) -> float:
    """``tolerant_dice`` where a neighbour counts only if its colour is within ``COLOUR_LEVELS``; 1.0 if both empty."""
    fa, fb = _masks(a, b)
    total = int(fa.sum() + fb.sum())
    if total == 0:
        return 1.0
    return int(_colour_matched(fa, a, b, fb).sum() + _colour_matched(fb, b, a, fa).sum()) / total


def fidelity_scores(target: np.ndarray, predicted: np.ndarray) -> dict[str, float]:
    """Tolerant Dice, colour-aware Dice and strict IoU of two clips of any sizes and lengths, on the common grid."""
    a, b = to_grid(target), to_grid(predicted)
    return {"dice": tolerant_dice(a, b), "colour_dice": colour_dice(a, b), "strict_iou": strict_iou(a, b)}
