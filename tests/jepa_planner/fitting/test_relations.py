"""Relation inference: absolute positions come back as the relations a person wrote, and nothing moves."""

from __future__ import annotations

import numpy as np
import pytest

from codegen.render import render_frames
from codegen.trace import Box
from dsl import ir
from dsl.checks import check
from dsl.parser import parse
from jepa_planner.data.sampler import SceneSampler
from jepa_planner.evaluation.fidelity import fidelity_scores
from jepa_planner.evaluation.readability import pair_objects, readability
from jepa_planner.fitting.relations import TOLERANCE, infer_relations, layout_boxes

WRITTEN = """scene Written

title = Text("Hello world")
c = Circle(radius=1.0)
label = Text("circle")
sq = Square(side_length=1.0)
corner = Dot()
loose = Triangle()

title.to_edge(UP)
label.next_to(c, DOWN)
sq.next_to(c, RIGHT, buff=0.5)
corner.to_corner(DR)
loose.move_to((-3.3, -1.7))

play(Write(title))
"""


def flattened(scene: ir.Scene) -> ir.Scene:
    """``scene`` with every leaf object placed by ``move_to`` at its laid-out centre, as fitting places them."""
    boxes = layout_boxes(scene)
    relations = tuple(
        ir.MoveToRel(subject=name, point=(round((b.left + b.right) / 2, 2), round((b.bottom + b.top) / 2, 2)))
        for name, b in boxes.items()
    )
    return scene.model_copy(update={"relations": relations})


def moved(a: dict[str, Box], b: dict[str, Box]) -> float:
    return max(abs(x - y) for name in a for x, y in zip(a[name].as_tuple(), b[name].as_tuple(), strict=True))


def test_positions_become_the_relations_that_were_written() -> None:
    written = parse(WRITTEN)
    inferred = infer_relations(flattened(written))
    assert check(inferred) == []
    by_subject = {r.subject: r for r in inferred.relations}
    assert by_subject["title"] == ir.ToEdge(subject="title", edge="UP")
    assert by_subject["label"] == ir.NextTo(subject="label", target="c", direction="DOWN")
    assert by_subject["sq"] == ir.NextTo(subject="sq", target="c", direction="RIGHT", buff=0.5)
    assert by_subject["corner"] == ir.ToCorner(subject="corner", corner="DR")
    assert "c" not in by_subject, "an object at the origin needs no statement"
    assert isinstance(by_subject["loose"], ir.MoveToRel), "a position no relation explains stays absolute"


def test_the_picture_does_not_change() -> None:
    flat = flattened(parse(WRITTEN))
    inferred = infer_relations(flat)
    assert moved(layout_boxes(flat), layout_boxes(inferred)) <= TOLERANCE
    before, after = render_frames(flat, 128, 72, 5), render_frames(inferred, 128, 72, 5)
    assert fidelity_scores(before, after)["dice"] > 0.99


@pytest.mark.parametrize(("level", "index"), [(2, 0), (3, 1), (4, 2)])
def test_sampled_scenes_keep_their_layout(level: int, index: int) -> None:
    truth = SceneSampler().sample(level=level, seed=3, index=index)
    flat = flattened(truth)
    inferred = infer_relations(flat)
    assert check(inferred) == []
    assert moved(layout_boxes(flat), layout_boxes(inferred)) <= TOLERANCE
    per_object = [sum(r.subject == name for r in inferred.relations) for name in layout_boxes(flat)]
    assert max(per_object) <= 2, "next_to and align_to at most"
    assert readability(inferred).by_relation > 0.0


def test_a_relation_whose_errors_add_up_is_given_back() -> None:
    # t is 0.04 from the origin and c 0.04 further than next_to's buff from t: each fits alone, but once t moves
    # to the origin, c would move by 0.08, so c keeps its move_to
    scene = parse(
        "scene S\n\nt = Square(side_length=1.0)\nc = Circle(radius=0.5)\n"
        "t.move_to((0.04, 0.0))\nc.move_to((1.33, 0.0))\n\nwait(0.5)\n"
    )
    inferred = infer_relations(scene)
    assert [r.subject for r in inferred.relations] == ["c"] and isinstance(inferred.relations[0], ir.MoveToRel)
    assert moved(layout_boxes(scene), layout_boxes(inferred)) <= TOLERANCE


def test_readability_pairs_objects_by_place_and_counts_relative_layout() -> None:
    truth = parse(WRITTEN)
    flat = flattened(truth)
    assert readability(flat, truth).relative_share == 0.0
    assert readability(infer_relations(flat), truth).relative_share == 1.0
    assert readability(flat).by_relation == 0.0
    boxes = {"x": Box(0, 0, 1, 1), "y": Box(5, 5, 6, 6)}
    assert pair_objects({"p": Box(0.1, 0, 1.1, 1), "q": Box(-5, -5, -4, -4)}, boxes) == {"p": "x"}
    assert np.isclose(readability(truth).statements, 5 / 6)
