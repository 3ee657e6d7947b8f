"""L2 render log: the entries a small scene logs, and the F1 between two logs."""

from __future__ import annotations

import math

import pytest
from manim import BLUE, GREEN, RED

from dsl import ir
from dsl.parser import parse
from jepa_planner.evaluation.render_log import LogEntry, render_log, render_log_f1

SCENE = """scene Log
c = Circle(radius=1.0, color=BLUE)
s = Square(side_length=1.0, color=RED)
s.move_to((3, 0))
play(Create(c), run_time=2)
add(s)
wait(0.5)
play(Rotate(s, 45), SetColor(c, GREEN))
play(FadeOut(c))
"""


@pytest.fixture(scope="module")
def scene() -> ir.Scene:
    return parse(SCENE)


@pytest.fixture(scope="module")
def log(scene: ir.Scene) -> list[LogEntry]:
    return render_log(scene)


def test_entries_of_a_small_scene(log: list[LogEntry]) -> None:
    blue, red, green = (color.to_hex().upper() for color in (BLUE, RED, GREEN))
    expected = [
        ("add", "Circle", None, blue, 0.0, 0.0),
        ("play", "Circle", "Create", blue, 0.0, 2.0),
        ("add", "Square", None, red, 2.0, 0.0),
        ("play", "Square", "Rotate", red, 2.5, 1.0),
        ("play", "Circle", "animate.set_color", green, 2.5, 1.0),
        ("play", "Circle", "FadeOut", green, 3.5, 1.0),
    ]
    assert [(e.event, e.mobject, e.animation, e.color, e.start, e.run_time) for e in log] == expected


def test_boxes_are_read_when_added_and_after_playing(log: list[LogEntry]) -> None:
    assert log[0].box == pytest.approx((-1.0, -1.0, 1.0, 1.0), abs=1e-3)
    assert log[2].box == pytest.approx((2.5, -0.5, 3.5, 0.5), abs=1e-3)
    half_diagonal = math.sqrt(0.5)
    assert log[3].box == pytest.approx((3 - half_diagonal, -half_diagonal, 3 + half_diagonal, half_diagonal), abs=1e-3)


def test_lagged_start_logs_each_member_at_its_own_time() -> None:
    scene = parse(
        "scene Lag\na = Circle(radius=0.5)\nb = Square(side_length=1.0)\nb.move_to((2, 0))\n"
        "play(Create(a), Create(b), lag_ratio=0.5, run_time=1.5)\n"
    )
    plays = [(e.mobject, e.start, e.run_time) for e in render_log(scene) if e.event == "play"]
    assert plays == [("Circle", 0.0, 1.0), ("Square", 0.5, 1.0)]


def test_identical_logs_score_one(log: list[LogEntry]) -> None:
    scores = render_log_f1(log, log)
    for key in ("precision", "recall", "f1", "class_f1", "color_agreement", "box_agreement", "time_agreement"):
        assert scores[key] == 1.0, key


def test_a_colour_change_lowers_f1_but_not_class_f1(log: list[LogEntry]) -> None:
    changed = render_log(parse(SCENE.replace("color=BLUE", "color=TEAL")))
    scores = render_log_f1(log, changed)
    assert scores["class_f1"] == 1.0
    assert scores["f1"] == pytest.approx(4 / 6)  # the circle's add and Create entries change colour
    assert scores["color_agreement"] == pytest.approx(4 / 6)
    assert scores["box_agreement"] == scores["time_agreement"] == 1.0


def test_an_object_change_lowers_both_f1s(log: list[LogEntry]) -> None:
    changed = render_log(parse(SCENE.replace("Circle(radius=1.0", "Triangle(radius=1.0")))
    scores = render_log_f1(log, changed)
    assert scores["class_f1"] == pytest.approx(2 / 6)
    assert scores["f1"] == pytest.approx(2 / 6)


def _entry(color: str, left: float, start: float = 0.0) -> LogEntry:
    return LogEntry("play", "Circle", "Create", color, (left, 0.0, left + 1.0, 1.0), start, 1.0)


def test_matching_is_one_to_one_and_order_free() -> None:
    target = [_entry("#FF0000", 0.0), _entry("#0000FF", 2.0)]
    assert render_log_f1(target, target[::-1])["f1"] == 1.0
    scores = render_log_f1(target, [_entry("#FF0000", 0.0)] * 2)
    assert (scores["precision"], scores["recall"]) == (0.5, 0.5)


def test_tolerances() -> None:
    target = [_entry("#FF0000", 0.0, start=1.0)]
    assert render_log_f1(target, [_entry("#FF0000", 0.2, start=1.05)])["f1"] == 1.0
    assert render_log_f1(target, [_entry("#FF0000", 0.3)], box_tol=0.25)["box_agreement"] == 0.0
    assert render_log_f1(target, [_entry("#FF0000", 0.0, start=1.5)])["time_agreement"] == 0.0


def test_empty_logs() -> None:
    assert render_log_f1([], [])["f1"] == 1.0
    scores = render_log_f1([_entry("#FF0000", 0.0)], [])
    assert scores["f1"] == 0.0
    assert math.isnan(scores["color_agreement"])
