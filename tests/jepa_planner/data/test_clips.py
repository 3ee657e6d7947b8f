"""Clips skip drawing scenes whose opening layout already fails, and keep exactly the attempt a full check keeps."""

from __future__ import annotations

import functools
from collections.abc import Sequence
from pathlib import Path

import pytest

from codegen.layout import layout_findings
from codegen.trace import trace_scene
from dsl import ir
from dsl.parser import parse
from jepa_planner.data.clips import MIN_FPS, doomed_by_layout, opening_leaves, render_clip, scene_duration
from jepa_planner.data.sampler import SceneSampler

SHAPES = "a = Circle()\nb = Square()\nb.move_to((3, 0))\nc = Dot()\nc.move_to((-3, 0))\ng = Group(b, c)\n"


@pytest.mark.parametrize(
    ("timeline", "expected"),
    [
        ("play(Create(a))\nadd(g)\nplay(Shift(a, (1, 0)))\n", ("a",)),
        ("play(Create(a))\nadd(g)\nwait(1)\nplay(Shift(a, (1, 0)))\n", ("a", "b", "c")),
        ("add(a)\nplay(FadeIn(g))\n", ("a", "b", "c")),
        ("play(Create(a))\nadd(g)\n", ("a", "b", "c")),
        ("play(Indicate(a))\n", ()),
    ],
)
def test_opening_leaves_end_at_the_first_step_that_may_move_something(timeline: str, expected: tuple[str, ...]) -> None:
    scene = parse("scene A\n" + SHAPES + timeline)
    assert opening_leaves(scene) == expected


def full_check_fails(scene: ir.Scene, media: str) -> bool:
    """The layout check of a fully drawn attempt, at the rate ``render_clip`` draws it, without the preflight."""
    duration = scene_duration(scene)
    fps = max(MIN_FPS, 16 / duration) if duration > 0 else MIN_FPS
    return bool(layout_findings(trace_scene(scene, mode="frames", fps=fps, media_dir=media)))


@pytest.mark.parametrize(("level", "indices"), [(2, range(4)), (3, (1, 7))])
def test_the_kept_attempt_is_the_first_whose_full_render_passes(
    level: int, indices: Sequence[int], tmp_path: Path
) -> None:
    sampler, media = SceneSampler(), str(tmp_path / "media")
    skipped = 0
    for index in indices:
        clip = render_clip(sampler, level=level, seed=0, index=index, media_dir=media)
        assert not full_check_fails(clip.scene, media)
        for attempt in range(clip.attempt):
            scene = sampler.sample(level=level, seed=0, index=index, attempt=attempt)
            assert full_check_fails(scene, media), f"index {index} attempt {attempt} passes, yet it was skipped"
            trace = trace_scene(scene, mode="geometry", preflight=functools.partial(doomed_by_layout, scene))
            skipped += trace.stopped
    assert skipped, "no attempt was stopped before drawing: the test saw no doomed layout"
