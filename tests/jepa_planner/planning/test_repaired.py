"""A plan that ``decode_scene`` had to repair says so, and the harness counts it as a failure, not a valid plan."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from dsl.checks import check
from jepa_planner.data.sampler import SceneSampler
from jepa_planner.decoder import decode
from jepa_planner.evaluation.methods import PlannerMethod, RepairedPlan
from jepa_planner.planning.model import Planner, PlannerConfig
from jepa_planner.planning.plan import Spec, plan, render_scene


@pytest.fixture(scope="module")
def planner() -> Planner:
    torch.manual_seed(0)
    return Planner(PlannerConfig(decoder_width=32, decoder_depth=1, max_tokens=48, max_steps=3))


@pytest.fixture(scope="module")
def frames() -> np.ndarray:
    clip, _ = render_scene(SceneSampler().sample(level=1, seed=3, index=0), length=16, size=(64, 36))
    return clip


def test_a_masked_decode_needs_no_repair(planner: Planner, frames: np.ndarray) -> None:
    graph = plan(Spec(clip=frames), planner=planner)
    assert not graph.repaired and not any("repaired" in note for note in graph.notes)
    assert PlannerMethod(planner).predict(frames, name="Planned") == graph.dsl


def test_a_timeline_that_never_parses_is_reported_as_repaired(planner: Planner, frames: np.ndarray,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(decode, "render_tokens", lambda *args, **kwargs: "play(Nonsense(\n")
    graph = plan(Spec(clip=frames), planner=planner)
    assert graph.repaired
    assert any(note.startswith("repaired:") for note in graph.notes)
    assert check(graph.scene) == [], "the repaired fallback is still a valid scene"
    with pytest.raises(RepairedPlan):
        PlannerMethod(planner).predict(frames, name="Planned")
