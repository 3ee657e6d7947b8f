"""Stored labels agree with the stored pixels: boxes cover everything drawn, and each shown object draws something.

Boxes are in Manim units; a pixel column/row is ``x_px = (x + 14.222/2) / 14.222 * W`` and
``y_px = (4 - y) / 8 * H``. Antialiasing spills a pixel past a box, so boxes are dilated by ``DILATE`` pixels.
Circumscribe draws a helper rectangle that is no object of the scene, so frames playing it are left out.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from dsl import ir
from jepa_planner.data.shards import Sample
from tests.jepa_planner.data.datasets import all_samples

FRAME_WIDTH, FRAME_HEIGHT = 8.0 * 16 / 9, 8.0
DILATE = 2
#: A channel above this counts as drawn (the background is black).
INK = 8


def pixel_box(box: np.ndarray, width: int, height: int, dilate: int) -> tuple[int, int, int, int]:
    """Columns and rows ``(c0, r0, c1, r1)`` (exclusive ends) covered by a box in Manim units, dilated."""
    left, bottom, right, top = box.tolist()
    c0 = int(np.floor((left + FRAME_WIDTH / 2) / FRAME_WIDTH * width)) - dilate
    c1 = int(np.ceil((right + FRAME_WIDTH / 2) / FRAME_WIDTH * width)) + dilate
    r0 = int(np.floor((FRAME_HEIGHT / 2 - top) / FRAME_HEIGHT * height)) - dilate
    r1 = int(np.ceil((FRAME_HEIGHT / 2 - bottom) / FRAME_HEIGHT * height)) + dilate
    return max(c0, 0), max(r0, 0), min(c1, width), min(r1, height)


def helper_drawn(scene: ir.Scene, step: int) -> bool:
    """Whether the step draws something that is not an object of the scene."""
    if step < 0:
        return False
    played = scene.timeline[step]
    return isinstance(played, ir.Play) and any(isinstance(a, ir.Circumscribe) for a in played.animations)


def check_sample(sample: Sample) -> int:
    """Assert the label/pixel agreement of one sample; returns the number of frames checked."""
    frames, boxes, active = sample.arrays["frames"], sample.arrays["boxes"], sample.arrays["active_step"]
    scene = sample.scene
    height, width = frames.shape[1:3]
    checked = 0
    for t, frame in enumerate(frames):
        if helper_drawn(scene, int(active[t])):
            continue
        ink = frame.max(axis=-1) > INK
        covered = np.zeros_like(ink)
        for box in boxes[t]:
            if np.isnan(box).any():
                continue
            c0, r0, c1, r1 = pixel_box(box, width, height, DILATE)
            covered[r0:r1, c0:c1] = True
        stray = ink & ~covered
        assert not stray.any(), f"sample {sample.key} frame {t}: {int(stray.sum())} drawn pixels outside every box"
        checked += 1
    # Once the clip has ended, every object still on screen has ink inside its (undilated) box.
    for n, box in enumerate(boxes[-1]):
        if np.isnan(box).any():
            continue
        c0, r0, c1, r1 = pixel_box(box, width, height, 0)
        assert frames[-1][r0:r1, c0:c1].max() > 0, f"sample {sample.key}: object {n} shows nothing in its box"
    return checked


@pytest.mark.parametrize("dataset", ["l1_dataset", "l2_dataset"])
def test_boxes_cover_every_drawn_pixel(dataset: str, request: pytest.FixtureRequest) -> None:
    directory: Path = request.getfixturevalue(dataset)
    checked = sum(check_sample(sample) for sample in all_samples(directory))
    assert checked > 100, "enough frames were compared"


def test_a_box_that_misses_an_object_is_caught(l2_dataset: Path) -> None:
    sample = all_samples(l2_dataset)[0]
    moved = sample.arrays["boxes"].copy()
    moved[..., [0, 2]] += 3.0  # shift every box 3 units right: ink is left outside
    with pytest.raises(AssertionError, match="outside every box"):
        check_sample(Sample(sample.key, {**sample.arrays, "boxes": moved}, sample.meta))
