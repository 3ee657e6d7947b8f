"""Tolerant space-time Dice and its companions: the definitions' anchor cases, and a clip's own DSL scoring 1."""

from __future__ import annotations

import numpy as np
import pytest

from codegen.render import render_frames
from dsl.parser import parse
from jepa_planner.evaluation.fidelity import (
    background_colour,
    colour_dice,
    fidelity_scores,
    strict_iou,
    to_grid,
    tolerant_dice,
)

SCENE = """scene Truth

c = Circle(radius=1.0, color=BLUE)
t = Text("area", font_size=36)
t.next_to(c, DOWN, buff=0.3)

play(Create(c), run_time=1.0)
play(Write(t), Shift(c, (1, 0)), run_time=1.0)
"""


def _square_clip(colour: tuple[int, int, int] = (255, 255, 255)) -> np.ndarray:
    clip = np.zeros((16, 72, 128, 3), np.uint8)
    clip[:, 20:30, 40:41] = colour  # a one-pixel stroke, the case strict IoU punishes
    clip[:, 20:21, 40:60] = colour
    return clip


def test_identical_and_one_pixel_shift_score_one_while_strict_iou_drops() -> None:
    clip = _square_clip()
    shifted = np.roll(clip, 1, axis=2)
    assert tolerant_dice(clip, clip) == 1.0
    assert tolerant_dice(clip, shifted) == 1.0
    assert strict_iou(clip, shifted) < 0.6


def test_empty_plan_scores_zero_and_two_empty_clips_agree() -> None:
    clip, empty = _square_clip(), np.zeros((16, 72, 128, 3), np.uint8)
    assert tolerant_dice(clip, empty) == 0.0
    assert tolerant_dice(empty, empty) == 1.0


def test_colour_dice_needs_the_colour_too() -> None:
    white, red = _square_clip(), _square_clip((255, 0, 0))
    assert tolerant_dice(white, red) == 1.0
    assert colour_dice(white, red) == 0.0
    assert colour_dice(white, white) == 1.0


def test_background_is_estimated_not_assumed_black() -> None:
    clip = _square_clip((20, 20, 20))
    clip[:] = clip + np.array([200, 180, 160], np.uint8) * (clip.max(axis=-1, keepdims=True) == 0)
    assert tuple(background_colour(clip)) == (200, 180, 160)
    assert tolerant_dice(clip, clip) == 1.0


def test_grid_is_sixteen_frames_at_128x72() -> None:
    assert to_grid(np.zeros((5, 180, 320, 3), np.uint8)).shape == (16, 72, 128, 3)
    with pytest.raises(ValueError, match="frames"):
        to_grid(np.zeros((72, 128, 3), np.uint8))


@pytest.mark.parametrize("size", [(128, 72), (320, 180), (854, 480)])
def test_rerendering_the_clips_own_dsl_scores_one_at_every_size(size: tuple[int, int]) -> None:
    scene = parse(SCENE)
    truth = render_frames(scene, size[0], size[1], 10)
    again = render_frames(scene, size[0], size[1], 10)
    assert fidelity_scores(truth, again) == {"dice": 1.0, "colour_dice": 1.0, "strict_iou": 1.0}
