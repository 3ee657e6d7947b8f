"""The validity guarantee at scale: the shipped planner's output parses, checks, compiles and renders, for 200
held-out clips of every curriculum level (drawn with a seed the training data did not use)."""

from __future__ import annotations

import pytest

from codegen.compiler import compile_scene
from dsl.checks import check
from dsl.parser import parse
from jepa_planner.data.clips import render_clip
from jepa_planner.data.sampler import SceneSampler
from jepa_planner.planning.model import load_planner
from jepa_planner.planning.plan import Spec, plan

CLIPS_PER_LEVEL = 200
HELD_OUT_SEED = 20_261_129


@pytest.mark.parametrize("level", [1, 2, 3, 4])
def test_every_plan_is_valid_on_held_out_clips(level: int) -> None:
    planner = load_planner()
    sampler = SceneSampler()
    for index in range(CLIPS_PER_LEVEL):
        clip = render_clip(sampler, level=level, seed=HELD_OUT_SEED, index=index)
        graph = plan(Spec(clip=clip.frames), planner=planner)  # renders the plan in-process to score it
        assert check(graph.scene) == [], f"L{level} clip {index}"
        assert parse(graph.dsl) == graph.scene
        compile(compile_scene(graph.scene), f"<L{level} clip {index}>", "exec")
        assert graph.energy == graph.energy  # a number: the render and the encoder ran
