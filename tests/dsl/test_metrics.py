"""L1 symbolic metrics: Hungarian object F1, relation triplet F1, step metrics and graph edit distance."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from dsl import ir
from dsl.metrics import (
    compare,
    exact_up_to_names,
    graph_edit_distance,
    levenshtein,
    object_f1,
    relation_f1,
    relation_triplet,
    rename_objects,
    step_metrics,
    step_signature,
    values_agree,
)
from dsl.parser import parse

DEMO = Path(__file__).resolve().parents[2] / "experiments" / "examples" / "demo.mscene"


@pytest.fixture(scope="module")
def demo() -> ir.Scene:
    return parse(DEMO.read_text(encoding="utf-8"))


def _four() -> ir.Scene:
    return ir.Scene(
        objects=(
            ir.Circle(name="c", radius=1.0, color="BLUE"),
            ir.Square(name="s", side_length=2.0),
            ir.TextObj(name="t", text="hello"),
            ir.Dot(name="d"),
        ),
        relations=(
            ir.ToEdge(subject="c", edge="LEFT"),
            ir.NextTo(subject="t", target="c", direction="DOWN"),
            ir.NextTo(subject="s", target="c", direction="RIGHT"),
            ir.MoveToRel(subject="d", point=(2.0, 1.0)),
        ),
        timeline=(
            ir.Play(animations=(ir.Create(target="c"),)),
            ir.Play(animations=(ir.Write(target="t"),)),
            ir.Play(animations=(ir.FadeIn(target="s"), ir.GrowFromCenter(target="d"))),
            ir.Wait(duration=1.0),
        ),
    )


# --- identity and renaming ----------------------------------------------------------------------------------


def test_identity_scores_perfectly(demo: ir.Scene) -> None:
    metrics = compare(demo, demo)
    for key in ("exact_match", "exact_match_names", "object_f1", "object_attr_acc", "relation_f1", "step_accuracy"):
        assert metrics[key] == 1.0, key
    assert metrics["step_edit_distance"] == 0.0
    assert metrics["ged"] == 0.0


def test_renamed_and_shuffled_scene_scores_perfectly(demo: ir.Scene) -> None:
    names = {obj.name: f"n{i}" for i, obj in enumerate(demo.objects)}
    renamed = rename_objects(demo, names)
    shuffled = renamed.model_copy(update={"objects": renamed.objects[::-1]})
    result = object_f1(shuffled, demo)
    assert result.f1 == 1.0
    assert result.mapping == {new: old for old, new in names.items()}
    # Reference fields (Group members, Plot axes, SurroundingRectangle target) agree once renamed.
    assert result.attribute_agreement == 1.0
    assert dict(result.attribute_accuracy)["members"] == 1.0
    metrics = compare(shuffled, demo)
    assert metrics["exact_match"] == 0.0
    assert metrics["exact_match_names"] == 1.0, "only names and declaration order differ"
    assert metrics["relation_f1"] == 1.0
    assert metrics["step_accuracy"] == 1.0
    assert metrics["step_edit_distance"] == 0.0
    assert metrics["ged"] == 0.0


def test_hungarian_matches_on_attributes() -> None:
    # In declaration order the first circles would pair up; the attributes say otherwise.
    pred = ir.Scene(objects=(ir.Circle(name="a", radius=2.0, color="RED"), ir.Circle(name="b", radius=1.0)))
    true = ir.Scene(objects=(ir.Circle(name="u", radius=1.0), ir.Circle(name="v", radius=2.0, color="RED")))
    result = object_f1(pred, true)
    assert result.mapping == {"a": "v", "b": "u"}
    assert result.attribute_agreement == 1.0


# --- objects ------------------------------------------------------------------------------------------------


def test_one_object_removed_gives_the_expected_f1() -> None:
    true = _four()
    pred = true.model_copy(update={"objects": true.objects[:3]})  # the Dot is gone
    result = object_f1(pred, true)
    # 3 true positives of 3 predicted and 4 true: P = 1, R = 3/4, F1 = 2 * 3 / (3 + 4) = 6/7.
    assert result.true_positives == 3
    assert result.precision == 1.0
    assert result.recall == 0.75
    assert result.f1 == pytest.approx(6 / 7)
    assert result.mapping == {"c": "c", "s": "s", "t": "t"}


def test_kind_mismatch_is_no_true_positive() -> None:
    pred = ir.Scene(objects=(ir.Square(name="a"),))
    true = ir.Scene(objects=(ir.Circle(name="a"),))
    result = object_f1(pred, true)
    assert (result.true_positives, result.f1) == (0, 0.0)
    assert result.mapping == {}
    assert dict(result.attribute_accuracy)["kind"] == 0.0
    # Both have the ShapeBase style fields, all None; only Circle has radius and only Square side_length.
    assert dict(result.attribute_accuracy)["radius"] == 0.0
    assert dict(result.attribute_accuracy)["color"] == 1.0


def test_attribute_accuracy_by_hand() -> None:
    pred = ir.Scene(objects=(ir.Circle(name="p", radius=2.0, color="BLUE"), ir.Square(name="q")))
    true = ir.Scene(objects=(ir.Circle(name="c", radius=1.0, color="BLUE"),))
    result = object_f1(pred, true)
    assert (result.precision, result.recall) == (0.5, 1.0)
    assert result.f1 == pytest.approx(2 / 3)
    # Compared fields: kind, color, z_index, fill_opacity, stroke_opacity, stroke_width, radius; radius disagrees.
    accuracy = dict(result.attribute_accuracy)
    assert accuracy["radius"] == 0.0
    assert accuracy["color"] == accuracy["kind"] == 1.0
    assert "name" not in accuracy
    assert result.attribute_agreement == pytest.approx(6 / 7)


def test_numbers_agree_within_tolerance() -> None:
    true = ir.Scene(objects=(ir.Circle(name="c", radius=1.0),))
    close = ir.Scene(objects=(ir.Circle(name="c", radius=1.02),))
    far = ir.Scene(objects=(ir.Circle(name="c", radius=1.2),))
    assert dict(object_f1(close, true).attribute_accuracy)["radius"] == 1.0
    assert dict(object_f1(far, true).attribute_accuracy)["radius"] == 0.0
    assert dict(object_f1(close, true, tol=0.0).attribute_accuracy)["radius"] == 0.0
    assert values_agree(50.0, 51.0)  # relative above 1: 1.0 <= 0.05 * 51
    assert not values_agree(3, 4)
    assert not values_agree(None, 1.0)


def test_empty_scenes() -> None:
    empty = ir.Scene()
    assert object_f1(empty, empty).f1 == 1.0
    missing = object_f1(empty, _four())
    assert (missing.precision, missing.recall, missing.f1) == (0.0, 0.0, 0.0)
    assert math.isnan(missing.attribute_agreement)


# --- relations ----------------------------------------------------------------------------------------------


def test_relation_triplets() -> None:
    assert relation_triplet(ir.NextTo(subject="t", target="c", direction="UP")) == ("t", "next_to", "c")
    assert relation_triplet(ir.MoveToRel(subject="c", point=(1.0, 2.0))) == ("c", "move_to", [1.0, 2.0])
    assert relation_triplet(ir.Arrange(subject="g"), {"g": "h"}) == ("h", "arrange", "RIGHT")
    assert relation_triplet(ir.ToCorner(subject="c", corner="UL"), {}) == ("?c", "to_corner", "UL")


def test_relation_f1_after_removing_an_object() -> None:
    true = _four()
    pred = true.model_copy(update={"objects": true.objects[:3], "relations": true.relations[:2]})
    result = relation_f1(pred, true)
    # 2 of 2 predicted triplets are right, 2 of 4 true ones found: F1 = 2 * 2 / (2 + 4) = 2/3.
    assert (result.true_positives, result.precision, result.recall) == (2, 1.0, 0.5)
    assert result.f1 == pytest.approx(2 / 3)


def test_exact_up_to_names_still_asks_for_everything_else() -> None:
    true = _four()
    names = {"c": "a1", "s": "a2", "t": "a3", "d": "a4"}
    pred = rename_objects(true, names)
    mapping = {new: old for old, new in names.items()}
    assert exact_up_to_names(pred, true, mapping)
    bigger = pred.model_copy(
        update={"objects": (pred.objects[0].model_copy(update={"radius": 1.5}), *pred.objects[1:])}
    )
    assert not exact_up_to_names(bigger, true, mapping), "an attribute differs"
    slower = pred.model_copy(update={"timeline": pred.timeline[:-1]})
    assert not exact_up_to_names(slower, true, mapping), "a step is missing"
    assert not exact_up_to_names(pred, true, {k: v for k, v in mapping.items() if k != "a4"}), "an object unpaired"
    assert compare(bigger, true)["exact_match_names"] == 0.0


def test_relation_f1_renames_through_the_matching() -> None:
    true = _four()
    pred = rename_objects(true, {"c": "circle", "s": "square", "t": "text", "d": "dot"})
    assert relation_f1(pred, true).f1 == 1.0
    # Without the mapping nothing agrees: every predicted name is unmatched.
    assert relation_f1(pred, true, mapping={}).f1 == 0.0


def test_relation_points_and_parameters() -> None:
    true = ir.Scene(
        objects=(ir.Dot(name="d"), ir.Dot(name="f", radius=0.2)),
        relations=(ir.MoveToRel(subject="d", point=(2.0, 1.0)), ir.NextTo(subject="f", target="d", direction="UP")),
    )
    near = true.model_copy(
        update={
            "relations": (
                ir.MoveToRel(subject="d", point=(2.05, 1.0)),
                ir.NextTo(subject="f", target="d", direction="LEFT"),
            )
        }
    )
    assert relation_f1(near, true).f1 == 1.0  # the point is within tolerance, and direction is no part of a triplet
    off = near.model_copy(update={"relations": (ir.MoveToRel(subject="d", point=(3.0, 1.0)),)})
    result = relation_f1(off, true)
    assert (result.true_positives, result.n_pred, result.n_true) == (0, 1, 2)


def test_relation_triplets_are_a_multiset() -> None:
    true = _four()
    doubled = true.model_copy(update={"relations": true.relations + true.relations[:1]})
    result = relation_f1(doubled, true)
    assert (result.true_positives, result.n_pred, result.n_true) == (4, 5, 4)
    assert result.precision == 0.8


# --- timeline -----------------------------------------------------------------------------------------------


def test_reordered_timeline() -> None:
    true = _four()
    steps = true.timeline
    swapped = true.model_copy(update={"timeline": (steps[1], steps[0], steps[2], steps[3])})
    result = step_metrics(swapped, true)
    # Two positions differ; Levenshtein has no transposition, so swapping neighbours costs 2.
    assert result.accuracy == 0.5
    assert result.edit_distance == 2
    assert result.normalized_edit_distance == 0.5
    rotated = true.model_copy(update={"timeline": (*steps[1:], steps[0])})
    result = step_metrics(rotated, true)
    # Every position is shifted by one (accuracy 0), but deleting the first step and appending it costs 2.
    assert (result.accuracy, result.edit_distance) == (0.0, 2)


def test_missing_step() -> None:
    true = _four()
    shorter = true.model_copy(update={"timeline": true.timeline[1:]})
    result = step_metrics(shorter, true)
    assert (result.edit_distance, result.n_pred, result.n_true) == (1, 3, 4)
    assert result.accuracy == 0.0


def test_step_equality_ignores_timing_and_order_within_a_play() -> None:
    base = ir.Play(animations=(ir.FadeIn(target="s"), ir.GrowFromCenter(target="d")))
    variant = ir.Play(
        label="intro",
        animations=(ir.GrowFromCenter(target="d"), ir.FadeIn(target="s", shift="UP")),
        run_time=3.0,
        rate_func="linear",
    )
    assert step_signature(base) == step_signature(variant)
    assert step_signature(ir.Wait(duration=1.0)) == step_signature(ir.Wait(duration=2.0))
    assert step_signature(ir.Add(targets=("a", "b"))) == step_signature(ir.Add(targets=("b", "a")))
    assert step_signature(ir.Play(animations=(ir.Create(target="c"),))) != step_signature(
        ir.Play(animations=(ir.Write(target="c"),))
    )
    into = ir.Play(animations=(ir.Transform(target="a", into="b"),))
    assert step_signature(into, {"a": "x", "b": "y"}) == ("play", (("Transform", ("x", "y")),))


def test_steps_of_unmatched_objects_differ() -> None:
    true = _four()
    pred = true.model_copy(update={"objects": true.objects[:3]})  # the Dot is unmatched, so its GrowFromCenter
    result = step_metrics(pred, true)
    assert (result.accuracy, result.edit_distance) == (0.75, 1)


def test_levenshtein() -> None:
    assert levenshtein("kitten", "sitting") == 3
    assert levenshtein([], [1, 2]) == 2
    assert levenshtein([1, 2, 3], [1, 2, 3]) == 0


# --- graph edit distance ------------------------------------------------------------------------------------


def test_ged_identical_and_renamed(demo: ir.Scene) -> None:
    assert graph_edit_distance(demo, demo) == 0.0
    renamed = rename_objects(demo, {obj.name: f"x{i}" for i, obj in enumerate(demo.objects)})
    assert graph_edit_distance(renamed, demo) == 0.0


def test_ged_counts_edits() -> None:
    one = ir.Scene(objects=(ir.Circle(name="a"),))
    two = ir.Scene(
        objects=(ir.Circle(name="a"), ir.Square(name="b")),
        relations=(ir.NextTo(subject="b", target="a", direction="UP"),),
    )
    assert graph_edit_distance(one, two) == 2.0  # insert the node b and the edge b → a
    relabelled = ir.Scene(objects=(ir.Square(name="a"),))
    assert graph_edit_distance(relabelled, one) == 1.0  # substitute a Square for a Circle
    true = _four()
    # Removing the Dot and its move_to removes a node and its self-loop.
    without_dot = true.model_copy(update={"objects": true.objects[:3], "relations": true.relations[:3]})
    assert graph_edit_distance(without_dot, true) == 2.0
    # Keeping the move_to leaves a placeholder node (kind None) for ``d``: one node substitution.
    assert graph_edit_distance(true.model_copy(update={"objects": true.objects[:3]}), true) == 1.0


def _chain(n: int, offset: int) -> ir.Scene:
    makers = (
        lambda name: ir.Circle(name=name),
        lambda name: ir.Square(name=name),
        lambda name: ir.Dot(name=name),
        lambda name: ir.TextObj(name=name, text=name),
    )
    objects = tuple(makers[(i + offset) % len(makers)](f"o{i}") for i in range(n))
    relations = tuple(
        ir.NextTo(subject=f"o{i}", target=f"o{i - 1}") if i % 2 else ir.ToEdge(subject=f"o{i}", edge="UP")
        for i in range(1, n)
    )
    return ir.Scene(objects=objects, relations=relations)


def test_ged_stops_at_the_timeout_on_a_larger_scene(monkeypatch: pytest.MonkeyPatch) -> None:
    # A clock that advances 1 ms per reading, whatever the machine's speed: the search gives up once 0.5 s have
    # passed on it (then only unwinds, pruning every branch), and still returns the best bound it found. The count
    # of readings is the same on every machine.
    import networkx.algorithms.similarity as similarity

    readings = 0

    def clock() -> float:
        nonlocal readings
        readings += 1
        return readings * 0.001

    monkeypatch.setattr(similarity.time, "perf_counter", clock)
    pred, true = _chain(40, 1), _chain(40, 0)
    distance = graph_edit_distance(pred, true, timeout=0.5)
    assert 0.5 / 0.001 < readings < 5000, f"the search read the clock {readings} times"
    # The exact search cannot finish in 500 readings; what comes back is the best upper bound found so far.
    assert distance is not None and distance > 0


# --- everything ---------------------------------------------------------------------------------------------


def test_compare_is_a_flat_dict_of_floats(demo: ir.Scene) -> None:
    true = _four()
    pred = true.model_copy(update={"objects": true.objects[:3]})
    metrics = compare(pred, true)
    assert all(isinstance(value, float) for value in metrics.values())
    assert metrics["object_f1"] == pytest.approx(6 / 7)
    assert metrics["relation_f1"] == pytest.approx(6 / 8)  # the move_to of the unmatched Dot: 3 of 4 on each side
    assert metrics["step_accuracy"] == 0.75
    assert metrics["step_edit_distance"] == 1.0
    assert metrics["ged"] > 0
    assert list(metrics)[:5] == ["exact_match", "object_precision", "object_recall", "object_f1", "object_attr_acc"]
    assert compare(pred, true) == metrics  # deterministic
    assert "object_attr_acc.function" in compare(demo, demo)


def test_matching_maximises_true_positives_first() -> None:
    # Each object's attributes equal those of the other-kind object on the other side and differ in every field
    # from its own kind's counterpart: two kind mismatches cost as much attribute disagreement as there is, so
    # kind must weigh more than the attributes in total.
    first = {"radius": 1.0, "color": "RED", "fill_opacity": 0.5, "stroke_opacity": 0.5, "stroke_width": 2.0}
    second = {"radius": 2.0, "color": "BLUE", "fill_opacity": 0.1, "stroke_opacity": 0.1, "stroke_width": 4.0}
    pred = ir.Scene(objects=(ir.Circle(name="p1", z_index=1, **first), ir.Dot(name="p2", z_index=2, **second)))
    true = ir.Scene(objects=(ir.Dot(name="t1", z_index=1, **first), ir.Circle(name="t2", z_index=2, **second)))
    result = object_f1(pred, true)
    assert result.mapping == {"p1": "t2", "p2": "t1"}
    assert result.f1 == 1.0
    assert dict(result.attribute_accuracy)["radius"] == 0.0
