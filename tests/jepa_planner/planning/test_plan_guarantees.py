"""Two guarantees of ``plan``: a plan that ``decode_scene`` had to repair says so (and the harness counts it as a
failure), and the user's ``Spec.texts``/``Spec.formulas`` reach the Manim code only as string literals."""

from __future__ import annotations

import ast
from types import SimpleNamespace

import numpy as np
import pytest
import torch

from dsl.checks import check
from jepa_planner.data.sampler import SceneSampler
from jepa_planner.decoder import decode
from jepa_planner.evaluation.harness import _predict
from jepa_planner.evaluation.methods import DecoderMethod, PlannerMethod, RepairedPlan
from jepa_planner.planning.model import Planner, PlannerConfig
from jepa_planner.planning.plan import Spec, plan, plan_with_decoder, render_scene


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


def test_a_timeline_that_never_parses_is_reported_as_repaired(
    planner: Planner, frames: np.ndarray, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(decode, "render_tokens", lambda *args, **kwargs: "play(Nonsense(\n")
    graph = plan_with_decoder(Spec(clip=frames), planner=planner)
    assert graph.repaired
    assert any(note.startswith("repaired:") for note in graph.notes)
    assert check(graph.scene) == [], "the repaired fallback is still a valid scene"
    with pytest.raises(RepairedPlan):
        DecoderMethod(planner).predict(frames, name="Planned")
    clip = SimpleNamespace(frames=frames)  # all the harness reads of a held-out clip here
    text, _, error = _predict(DecoderMethod(planner), clip, "Planned")  # type: ignore[arg-type]
    assert text == "" and error is not None and error.startswith("predict: RepairedPlan"), "an L0 failure"


PAYLOAD = '"); import os; os.system("echo pwned"); ("'


@pytest.mark.parametrize(("kind", "field"), [("Text", "texts"), ("MathTex", "formulas")])
def test_spec_texts_and_formulas_reach_the_code_only_as_literals(
    planner: Planner, frames: np.ndarray, kind: str, field: str
) -> None:
    spec = Spec.model_validate({"clip": frames, "objects": [kind], field: [PAYLOAD]})
    graph = plan_with_decoder(spec, planner=planner)
    first = graph.scene.objects[0]
    assert first.kind == kind and PAYLOAD in (getattr(first, "text", None), getattr(first, "tex", None))
    module = ast.parse(graph.manim())
    constants = {node.value for node in ast.walk(module) if isinstance(node, ast.Constant)}
    assert PAYLOAD in constants
    called = {ast.unparse(node.func) for node in ast.walk(module) if isinstance(node, ast.Call)}
    assert not any("system" in name or "import" in name for name in called), called
