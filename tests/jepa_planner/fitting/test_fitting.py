"""Fitting: perception's proposal is a checked scene, render and compare only lowers the loss, and plan() uses it."""

from __future__ import annotations

import numpy as np
import pytest

from codegen.render import render_frames
from dsl import ir
from dsl.parser import parse
from jepa_planner.evaluation.fidelity import fidelity_scores
from jepa_planner.fitting import fit
from jepa_planner.fitting.proposal import Choices, propose
from jepa_planner.fitting.search import Scorer, search
from jepa_planner.perception import perceive, read_clip
from jepa_planner.perception.shapes import Shape
from jepa_planner.planning.plan import Spec, plan

SCENE = """scene Truth

c = Circle(radius=1.2, color=BLUE)
r = Rectangle(width=3.0, height=1.0, color=YELLOW, fill_opacity=0.5)
c.move_to((-3, 0.5))
r.move_to((3, -1))

play(Create(c), run_time=1.0)
play(FadeIn(r), run_time=1.0)
wait(0.5)
"""


@pytest.fixture(scope="module")
def clip() -> np.ndarray:
    return render_frames(parse(SCENE), 320, 180, 10)


def test_proposal_is_a_checked_scene_with_the_clips_objects(clip: np.ndarray) -> None:
    result = fit(perceive(read_clip(clip, fps=10)), effort="fast")
    kinds = [obj.kind for obj in result.scene.objects]
    assert kinds == ["Circle", "Rectangle"]
    assert result.rendered == 0 and np.isnan(result.loss)


def test_search_never_ends_worse_than_the_proposal(clip: np.ndarray) -> None:
    perception = perceive(read_clip(clip, fps=10))
    scorer = Scorer(perception, name="Planned", texts=(), formulas=())
    proposal = scorer(Choices())
    assert proposal is not None
    fitted = search(scorer, budget=2.0)
    assert fitted.loss <= proposal[1]


def test_dropping_every_object_leaves_a_valid_empty_scene(clip: np.ndarray) -> None:
    perception = perceive(read_clip(clip, fps=10))
    choices = Choices(dropped=frozenset(range(len(perception.objects))))
    scene = propose(perception, choices)
    assert scene.objects == () and scene.timeline


def test_plan_reproduces_the_clip(clip: np.ndarray) -> None:
    graph = plan(Spec(clip=clip, fps=10, effort="fast"))
    rendered = render_frames(graph.scene, 320, 180, 10)
    assert fidelity_scores(clip, rendered)["dice"] >= 0.9
    assert any("perception: 2 objects" in note for note in graph.notes)


def test_a_coloured_background_is_planned_too() -> None:
    cream = 'scene Cream(background="#FDF6E3")\nc = Circle(radius=1.0, color="#073642")\nplay(Create(c))\n'
    clip = render_frames(parse(cream), 320, 180, 10)
    scene = fit(perceive(read_clip(clip, fps=10)), effort="fast").scene
    assert scene.background is not None and scene.background.startswith("#F")
    assert [obj.kind for obj in scene.objects] == ["Circle"]


def test_an_object_the_checks_refuse_is_left_out_not_the_plan(
    clip: np.ndarray, monkeypatch: pytest.MonkeyPatch
) -> None:
    from jepa_planner.fitting import proposal

    perception = perceive(read_clip(clip, fps=10))
    real = proposal._object

    def refused_circle(name: str, shape: Shape, *args: object) -> object:
        if shape.kind == "Circle":  # a reading the checks refuse: a colour that is not one
            return ir.Circle.model_construct(name=name, color="NOT_A_COLOUR")
        return real(name, shape, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(proposal, "_object", refused_circle)
    result = fit(perception, effort="fast")
    assert [obj.kind for obj in result.scene.objects] == ["Rectangle"]
