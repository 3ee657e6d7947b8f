"""Semantic checks: names, types, relations and the timeline, each with the position it reports."""

from __future__ import annotations

import pytest

from dsl.checks import check, validate
from dsl.errors import DSLErrorGroup, DSLNameError, DSLRelationError, DSLTimelineError, DSLTypeError
from dsl.order import layout_order
from dsl.parser import parse, parse_with_spans

HEADER = "scene A\n"


def errors_of(body: str) -> list[tuple[type, str, int | None]]:
    scene, spans = parse_with_spans(HEADER + body)
    return [(type(error), error.message, error.line) for error in check(scene, spans)]


def test_the_bundled_example_is_clean() -> None:
    with open("experiments/examples/demo.mscene", encoding="utf-8") as handle:
        scene, spans = parse_with_spans(handle.read())
    assert check(scene, spans) == []


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ("c = Circle()\nc = Square()\n", (DSLNameError, "'c' is defined twice", 3)),
        ("c = Circle()\nplay(Create(d))\n", (DSLNameError, "'d' is not defined", 3)),
        ("c = Circle()\nb = Brace(cc)\n", (DSLNameError, "'cc' is not defined", 3)),
        ("c = Circle()\nintro: play(Create(c))\nb = Brace(intro)\n", (DSLTypeError, "'intro' is a step", 4)),
        ("c = Circle()\nc: play(Create(c))\n", (DSLNameError, "already an object's name", 3)),
        ("c = Circle()\nplay(GrowArrow(c))\n", (DSLTypeError, "GrowArrow needs an Arrow", 3)),
        ("c = Circle()\np = Plot(c, x)\n", (DSLTypeError, "Plot needs an Axes", 3)),
        ("ax = Axes()\np = Plot(ax, log(x))\n", (DSLTypeError, "undefined", 3)),
        ("ax = Axes()\np = Plot(ax, 1 / x, x_range=(-1, 1))\n", (DSLTypeError, "undefined", 3)),
        ("c = Circle()\nc.arrange(RIGHT)\n", (DSLTypeError, "arrange needs a Group", 3)),
        ("a = Dot()\ng = Group(a)\nh = Group(a)\n", (DSLTypeError, "already in group g", 4)),
        ("c = Circle()\nc.next_to(c, UP)\n", (DSLRelationError, "relative to itself", 3)),
        ('m = MathTex(r"\\frac{a}{b")\n', (DSLTypeError, "do not balance", 2)),
        ('m = MathTex(r"\\input{/etc/passwd}")\n', (DSLTypeError, "not allowed", 2)),
        ('t = Text("   ")\n', (DSLTypeError, "visible character", 2)),
        ("a = Circle()\nb = Square()\nplay(Transform(a, a))\n", (DSLTypeError, "two different objects", 4)),
    ],
)
def test_names_and_types(body: str, expected: tuple[type, str, int]) -> None:
    found = errors_of(body)
    assert found, "expected an error"
    kind, message, line = found[0]
    assert (kind, line) == (expected[0], expected[2])
    assert expected[1] in message


def test_relation_cycles_are_reported_with_the_loop() -> None:
    found = errors_of("a = Dot()\nb = Dot()\nc = Dot()\na.next_to(b)\nb.next_to(c)\nc.align_to(a, LEFT)\n")
    assert len(found) == 1
    kind, message, _ = found[0]
    assert kind is DSLRelationError
    assert "a → b" not in message and "→" in message and {"a", "b", "c"} <= set(message.replace("→", " ").split())


def test_member_placed_against_its_own_group_is_a_cycle() -> None:
    found = errors_of("a = Dot()\ng = Group(a)\na.next_to(g, UP)\n")
    assert found and found[0][0] is DSLRelationError


@pytest.mark.parametrize(
    ("body", "message", "line"),
    [
        ("c = Circle()\nplay(FadeOut(c))\n", "FadeOut removes c, which is not on screen yet", 3),
        ("c = Circle()\nplay(Create(c))\nplay(Create(c))\n", "already on screen", 4),
        ("c = Circle()\nplay(Create(c))\nplay(FadeOut(c))\nplay(Indicate(c))\n", "which was removed on line 4", 5),
        ("a = Circle()\nb = Square()\nadd(a)\nplay(ReplacementTransform(a, b))\nplay(Rotate(a, 90))\n", "removed", 6),
        ("a = Circle()\nb = Square()\nadd(a, b)\nplay(Transform(a, b))\n", "morphs into b, which is already", 5),
        ("a = Circle()\nplay(Create(a), Indicate(a))\n", "animated twice in one step", 3),
        ("a = Dot()\nb = Dot()\ng = Group(a, b)\nadd(a)\nplay(FadeIn(g))\n", "FadeIn brings in g", 6),
        ("a = Dot()\nb = Dot()\ng = Group(a, b)\nadd(g)\nplay(FadeOut(a))\nplay(Indicate(g))\n", "removed", 7),
    ],
)
def test_timeline_state(body: str, message: str, line: int) -> None:
    found = errors_of(body)
    assert found, "expected a timeline error"
    kind, text, where = found[0]
    assert kind is DSLTimelineError
    assert message in text
    assert where == line


def test_valid_timeline_with_groups_and_transforms_passes() -> None:
    body = (
        "a = Circle()\nb = Square()\nc = Triangle()\ng = Group(a, b)\ng.arrange(RIGHT)\n"
        "play(FadeIn(g))\nplay(Transform(a, c))\nplay(Indicate(g))\nplay(ReplacementTransform(b, c))\n"
        "play(FadeOut(a), FadeOut(c))\n"
    )
    assert errors_of(body) == []


def test_validate_raises_a_group_for_several_errors() -> None:
    text = HEADER + "c = Circle()\nplay(Create(d), Create(f))\n"
    scene, spans = parse_with_spans(text)
    with pytest.raises(DSLErrorGroup) as caught:
        validate(scene, spans, source=text, filename="g.mscene")
    assert [error.line for error in caught.value.errors] == [3, 3]
    assert str(caught.value).count("g.mscene:3:") == 2


def test_layout_order_places_dependencies_first_and_keeps_declaration_order() -> None:
    scene = parse(
        HEADER
        + 'label = Text("l")\nb = Brace(a)\na = Dot()\nc = Dot()\ng = Group(a, c)\n'
        + "label.next_to(a, UP)\ng.arrange(RIGHT)\ng.to_edge(LEFT)\n"
    )
    order = layout_order(scene)
    # a, c come before their group; the label and the brace wait for the group, which moves a.
    assert order == ["a", "c", "g", "label", "b"]
