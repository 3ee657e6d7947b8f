"""The layout checker reads real Manim geometry after each step."""

from __future__ import annotations

from codegen.layout import check_layout
from dsl.parser import parse_with_spans


def findings(body: str) -> list[str]:
    scene, spans = parse_with_spans("scene A\n" + body)
    return [error.message for error in check_layout(scene, spans)]


def test_clean_layout_has_no_findings() -> None:
    assert findings("a = Circle()\nb = Square()\nb.next_to(a, RIGHT, buff=0.5)\nadd(a, b)\n") == []


def test_overlap_is_reported_once_with_its_size_and_step() -> None:
    found = findings("a = Circle()\nb = Square()\nplay(Create(a))\nplay(Create(b))\nplay(Indicate(a))\n")
    assert found == ["after step 2 (line 5): a overlaps b by 2.00 x 2.00 units"]


def test_off_frame_is_reported_after_the_move_that_causes_it() -> None:
    found = findings("d = Dot()\nadd(d)\nplay(Shift(d, (7, 0)))\n")
    assert len(found) == 1 and found[0].startswith("after step 2 (line 4): d reaches")


def test_intended_overlaps_are_not_reported() -> None:
    body = (
        "sq = Square()\nb = Brace(sq, direction=DOWN)\nr = SurroundingRectangle(sq)\n"
        "ax = Axes(x_range=(-2, 2, 1), y_range=(-1, 1, 1), x_length=4, y_length=2)\nax.to_edge(LEFT)\n"
        "p = Plot(ax, x ^ 2 / 4)\narrow = Arrow((-1, 0), (1, 0))\nplane = NumberPlane()\n"
        "add(plane, sq, b, r, ax, p, arrow)\n"
    )
    assert findings(body) == []


def test_objects_not_on_screen_are_not_checked() -> None:
    assert findings("a = Circle()\nb = Square()\nadd(a)\n") == []


def test_replacement_moves_the_target_on_screen_and_a_trailing_add_is_checked_at_the_end() -> None:
    body = (
        "a = Circle()\nb = Square()\nb.move_to((3, 0))\nc = Dot()\nc.move_to((3, 0))\n"
        "add(a)\nplay(ReplacementTransform(a, b))\nadd(c)\n"
    )
    found = findings(body)
    assert len(found) == 1
    assert found[0].startswith("at the end of the scene: b overlaps c")
