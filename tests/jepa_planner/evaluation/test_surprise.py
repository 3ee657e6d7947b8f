"""Violation of expectation: the injectors on drawn clips, ROC AUC, surprise shapes, and an end-to-end experiment."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import torch

from experiments.violation_of_expectation import main
from jepa_planner.evaluation.surprise import (
    INJECTORS,
    collision,
    future_errors,
    off_frame,
    pixel_region,
    roc_auc,
    still_frame_errors,
    surprise,
    surprise_per_slot,
    teleport,
)
from jepa_planner.systems.jepa import JEPAPretraining
from jepa_planner.systems.weights import save_weights
from tests.jepa_planner.data.datasets import make_dataset

T, H, W = 16, 36, 64
#: Manim boxes (left, bottom, right, top) of two objects of the same size, far apart.
LEFT_BOX = (-5.0, 1.0, -4.0, 2.0)
RIGHT_BOX = (3.0, -2.0, 4.0, -1.0)


def drawn_clip(boxes: list[tuple[float, float, float, float]]) -> tuple[np.ndarray, np.ndarray]:
    """A still clip ``[T, H, W, 3]`` uint8 of filled boxes (object ``i`` in colour channel ``i``), and its boxes."""
    frames = np.zeros((T, H, W, 3), dtype=np.uint8)
    for i, box in enumerate(boxes):
        region = pixel_region(np.array(box), H, W, pad=0)
        assert region is not None, "the test boxes are on screen"
        top, bottom, left, right = region
        frames[:, top:bottom, left:right, i] = 200
    return frames, np.tile(np.array(boxes, dtype=np.float32), (T, 1, 1))


def lit(frames: np.ndarray) -> np.ndarray:
    """``[T]`` lit pixels per frame."""
    return np.asarray(frames.any(axis=-1).sum(axis=(1, 2)))


@pytest.mark.parametrize("name", list(INJECTORS))
def test_injectors_keep_shape_and_the_past(name: str) -> None:
    frames, boxes = drawn_clip([LEFT_BOX, RIGHT_BOX])
    violation = INJECTORS[name](frames, boxes, np.random.default_rng(0))

    assert violation is not None and violation.description.startswith(name)
    assert violation.frames.shape == frames.shape and violation.frames.dtype == np.uint8
    assert T // 2 <= violation.start <= 3 * T // 4
    changed = (violation.frames != frames).any(axis=(1, 2, 3))
    assert not changed[: violation.start].any() and changed[violation.start :].all()
    assert frames[:, :, :, 2].max() == 0, "the input is untouched"
    again = INJECTORS[name](frames, boxes, np.random.default_rng(0))
    assert again is not None and np.array_equal(again.frames, violation.frames)
    assert again.description == violation.description


def test_teleport_moves_the_object_whole_and_far() -> None:
    frames, boxes = drawn_clip([LEFT_BOX])
    violation = teleport(frames, boxes, np.random.default_rng(1))

    assert violation is not None
    after = violation.frames[violation.start :]
    assert np.array_equal(lit(after), lit(frames[violation.start :])), "nothing is lost or added"
    region = pixel_region(np.array(LEFT_BOX), H, W, pad=0)
    assert region is not None
    top, bottom, left, right = region
    assert not after[:, top:bottom, left:right].any(), "the hole is background"
    rows, cols = np.nonzero(after[-1, :, :, 0])
    assert np.hypot(rows.mean() - (top + bottom - 1) / 2, cols.mean() - (left + right - 1) / 2) >= 0.25 * W


def test_off_frame_leaves_the_frame() -> None:
    frames, boxes = drawn_clip([(-6.0, -0.5, -5.0, 0.5)])
    violation = off_frame(frames, boxes, np.random.default_rng(2))

    assert violation is not None and "left border" in violation.description  # the nearest border
    counts = lit(violation.frames)
    assert 0 < counts[violation.start] < counts[0], "half way out in the first violated frame"
    assert (counts[violation.start + 1 :] == 0).all(), "gone after two frames"


def test_collision_puts_one_object_on_the_other() -> None:
    frames, boxes = drawn_clip([LEFT_BOX, RIGHT_BOX])
    violation = collision(frames, boxes, np.random.default_rng(3))

    assert violation is not None
    after = violation.frames[violation.start :]
    assert np.array_equal(lit(after), lit(frames[violation.start :]) // 2), "same-sized boxes overlap exactly"
    assert not (after[..., 0].any(axis=(1, 2)) & after[..., 1].any(axis=(1, 2))).any(), "the moved one is on top"


def test_injectors_skip_clips_without_a_suitable_object() -> None:
    frames, boxes = drawn_clip([LEFT_BOX])
    nothing_shown = np.full_like(boxes, np.nan)
    rng = np.random.default_rng(0)
    assert all(injector(frames, nothing_shown, rng) is None for injector in INJECTORS.values())
    assert collision(frames, boxes, rng) is None, "one object cannot collide"
    full_frame = np.tile(np.array([-7.0, -4.0, 7.0, 4.0], dtype=np.float32), (T, 1, 1))
    assert teleport(np.full_like(frames, 100), full_frame, rng) is None, "no room to jump"


def test_overlapping_objects_do_not_collide() -> None:
    frames, boxes = drawn_clip([LEFT_BOX, (-4.5, 1.5, -3.5, 2.5)])
    assert collision(frames, boxes, np.random.default_rng(0)) is None


def test_roc_auc() -> None:
    assert roc_auc([0.1, 0.2, 0.3], [0.4, 0.5]) == 1.0
    assert roc_auc([0.3, 0.3], [0.3, 0.3, 0.3]) == 0.5
    assert roc_auc([0.4, 0.5], [0.1, 0.2, 0.3]) == 0.0
    assert roc_auc(np.array([0.1, 0.3]), np.array([0.2, 0.3])) == pytest.approx((1 + 0.5 + 1) / 4)
    with pytest.raises(ValueError, match="at least one"):
        roc_auc([], [0.1])


def test_surprise_scores_every_clip() -> None:
    torch.manual_seed(0)
    system = JEPAPretraining()
    clips = torch.rand(3, 16, 3, 36, 64)

    scores = surprise(system, clips)
    assert scores.shape == (3,) and torch.isfinite(scores).all()
    assert system.training, "the system's mode is put back"
    per_slot = surprise_per_slot(system, clips)  # 4 time slots, the first 2 as context
    assert per_slot.shape == (3, 2)
    torch.testing.assert_close(per_slot.mean(dim=1), scores)
    assert future_errors(system, clips, context_slots=1).shape == (3, 3, 6 * 8)


def test_still_frame_reference_sees_only_change_after_the_context() -> None:
    frames, boxes = drawn_clip([LEFT_BOX])
    violation = teleport(frames, boxes, np.random.default_rng(0))
    assert violation is not None
    clips = torch.from_numpy(np.stack([frames, violation.frames])).permute(0, 1, 4, 2, 3).float() / 255

    errors = still_frame_errors(clips, tubelet=(4, 6, 8), context_slots=2)

    assert errors.shape == (2, 2, 6 * 8)
    assert errors[0].sum() == 0, "a still clip is predicted perfectly"
    assert errors[1].sum() > 0


def test_experiment_writes_its_report(tmp_path: Path) -> None:
    data = make_dataset(tmp_path / "data", level=2, n=6, shard_size=6, seed=5)
    torch.manual_seed(1)
    weights = save_weights(JEPAPretraining(), tmp_path / "weights.safetensors")
    out = tmp_path / "violation"

    results = main(["--data", str(data), "--jepa", str(weights), "--n", "6", "--random-seeds", "0", "--out", str(out)])

    assert results["n_clips"] == 6 and results["clips"]["from_split"] + results["clips"]["topped_up"] == 6
    written = json.loads(out.with_suffix(".json").read_text(encoding="utf-8"))
    assert set(written["encoders"]["jepa"]) <= set(INJECTORS) and written["encoders"]["jepa"]
    for metrics in written["encoders"]["jepa"].values():
        assert 0.0 <= metrics["mean"]["auc"] <= 1.0 and len(metrics["per_slot"]["auc"]) == 2
    report = out.with_suffix(".md").read_text(encoding="utf-8")
    assert "Command: `python -m experiments.violation_of_expectation --data" in report
    assert "| teleport |" in report and "still frame (pixels)" in report
