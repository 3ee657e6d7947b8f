"""L3 visual metrics: SSIM, foreground IoU, DTW alignment and the temporal score, on synthetic and rendered clips."""

from __future__ import annotations

import numpy as np
import pytest

from dsl.parser import parse
from jepa_planner.evaluation.scoring import render_clip
from jepa_planner.evaluation.visual import (
    align,
    foreground_iou,
    frame_distances,
    ssim,
    temporal_score,
    visual_scores,
)

T, H, W = 16, 36, 64


def moving_square(frames: int = T, size: int = 8) -> np.ndarray:
    """A white square crossing a black frame left to right, one position per frame: ``[T, H, W, 3]`` uint8."""
    clip = np.zeros((frames, H, W, 3), dtype=np.uint8)
    for t in range(frames):
        left = 2 + t * (W - size - 4) // max(frames - 1, 1)
        clip[t, 10 : 10 + size, left : left + size] = 255
    return clip


def test_ssim_of_identical_frames_is_one() -> None:
    clip = np.random.default_rng(0).integers(0, 256, (3, H, W, 3), dtype=np.uint8)
    np.testing.assert_allclose(ssim(clip, clip), 1.0)


def test_ssim_of_uniform_frames_matches_the_formula() -> None:
    # With no variance, SSIM reduces to its luminance term (2 x y + C1) / (x^2 + y^2 + C1).
    a, b = np.full((1, H, W, 3), 100, np.uint8), np.full((1, H, W, 3), 150, np.uint8)
    c1 = (0.01 * 255) ** 2
    np.testing.assert_allclose(ssim(a, b), (2 * 100 * 150 + c1) / (100**2 + 150**2 + c1))


def test_ssim_of_different_frames_is_below_one() -> None:
    clip = moving_square()
    scores = ssim(clip[:-1], clip[1:])
    assert scores.shape == (T - 1,)
    assert np.all(scores < 1.0)
    np.testing.assert_allclose(scores, ssim(clip[1:], clip[:-1]))  # symmetric


def test_foreground_iou() -> None:
    a = np.zeros((2, H, W, 3), np.uint8)
    b = a.copy()
    a[0, 0:10, 0:10] = 200
    b[0, 0:10, 5:15] = 200
    np.testing.assert_allclose(foreground_iou(a, b, threshold=16), [50 / 150, 1.0])  # frame 1: both empty
    gray = np.full((1, H, W, 3), 40, np.uint8)
    assert foreground_iou(gray, gray, threshold=16, background=(40, 40, 40))[0] == 1.0


def test_dtw_aligns_a_clip_with_its_stretched_copy() -> None:
    clip = moving_square()
    stretched = np.repeat(clip, 2, axis=0)
    assert align(clip, stretched) == [(j // 2, j) for j in range(2 * T)]
    assert align(clip, clip) == [(t, t) for t in range(T)]
    assert frame_distances(clip, stretched).shape == (T, 2 * T)


def test_temporal_score_orders_identical_reversed_and_static() -> None:
    clip = moving_square()
    static = np.repeat(clip[:1], T, axis=0)
    assert temporal_score(clip, clip) == 1.0
    assert temporal_score(clip, clip[::-1]) < 0.5
    assert temporal_score(clip, static) == 0.0
    assert temporal_score(static, static) == 1.0


def test_visual_scores_of_a_rendered_clip() -> None:
    scene = parse("scene V\nc = Circle(radius=1.5, color=BLUE)\nplay(Create(c))\n")
    clip, _ = render_clip(scene, size=(W, H), frames=T)
    same = visual_scores(clip, clip)
    assert same == {"ssim": 1.0, "fg_iou": 1.0, "temporal": 1.0, "dtw_distance": 0.0}
    reversed_ = visual_scores(clip, clip[::-1].copy())
    static = visual_scores(clip, np.repeat(clip[-1:], T, axis=0))
    assert reversed_["temporal"] < 0.5
    assert static["temporal"] == 0.0
    assert reversed_["ssim"] < 1.0 and reversed_["fg_iou"] < 1.0


def test_shapes_are_checked() -> None:
    clip = moving_square()
    with pytest.raises(ValueError, match="differ in shape"):
        ssim(clip, clip[:, :20])
    with pytest.raises(ValueError, match=r"\[T, H, W, 3\]"):
        temporal_score(clip[..., 0], clip[..., 0])
