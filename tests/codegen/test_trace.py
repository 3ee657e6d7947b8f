"""Tracing: a preflight check sees the laid-out boxes before the first step and may stop the run there."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

import numpy as np
import pytest

from codegen.trace import Box, trace_scene
from dsl.parser import parse

SCENE = parse("scene A\na = Circle()\nb = Square()\nb.move_to((3, 0))\nplay(Create(a))\nplay(FadeIn(b))\n")


@pytest.mark.parametrize("mode", ["geometry", "frames"])
def test_preflight_sees_every_leaf_as_laid_out_and_can_stop_the_run(
    mode: Literal["geometry", "frames"], tmp_path: Path
) -> None:
    seen: list[dict[str, Box]] = []

    def stop(boxes: dict[str, Box]) -> bool:
        seen.append(boxes)
        return True

    trace = trace_scene(SCENE, mode=mode, media_dir=str(tmp_path), preflight=stop)
    (boxes,) = seen
    assert sorted(boxes) == ["a", "b"], "b is not on screen yet, but it is laid out"
    assert boxes["b"].as_tuple() == pytest.approx((2.0, -1.0, 4.0, 1.0))
    assert trace.stopped and trace.frames is None and trace.step_boxes == [] and trace.step_frames == []


def test_a_preflight_that_lets_the_run_go_changes_nothing(tmp_path: Path) -> None:
    calls: list[dict[str, Box]] = []

    def go(boxes: dict[str, Box]) -> bool:
        calls.append(boxes)
        return False

    plain = trace_scene(SCENE, mode="frames", media_dir=str(tmp_path))
    checked = trace_scene(SCENE, mode="frames", media_dir=str(tmp_path), preflight=go)
    assert len(calls) == 1 and not checked.stopped
    assert plain.frames is not None and checked.frames is not None
    np.testing.assert_array_equal(checked.frames, plain.frames)
    assert checked.step_boxes == plain.step_boxes and checked.frame_boxes == plain.frame_boxes
