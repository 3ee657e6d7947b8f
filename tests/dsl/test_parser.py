"""Parser fixtures: what the grammar accepts, the IR it builds, and the errors it gives."""

from __future__ import annotations

import pytest

from dsl import ir
from dsl.errors import DSLInputError, DSLSyntaxError, DSLTypeError
from dsl.parser import parse, parse_with_spans, read_source
from dsl.printer import to_text


def test_declarations_relations_and_steps_build_the_ir() -> None:
    scene = parse(
        """
        # leading comments and blank lines are fine
        scene Demo
        c = Circle(radius=1.5, color=BLUE, fill_opacity=0.25)   # trailing comment
        t = Text("hi \\"there\\"", font_size=30)
        t.next_to(c, UP, buff=0.3)
        intro: play(Create(c), FadeIn(t, shift=DOWN), run_time=2, rate_func=linear)
        wait(0.5)
        """
    )
    assert scene.name == "Demo"
    assert scene.objects == (
        ir.Circle(name="c", radius=1.5, color="BLUE", fill_opacity=0.25),
        ir.TextObj(name="t", text='hi "there"', font_size=30.0),
    )
    assert scene.relations == (ir.NextTo(subject="t", target="c", direction="UP", buff=0.3),)
    assert scene.timeline == (
        ir.Play(
            label="intro",
            animations=(ir.Create(target="c"), ir.FadeIn(target="t", shift="DOWN")),
            run_time=2.0,
            rate_func="linear",
        ),
        ir.Wait(duration=0.5),
    )


def test_calls_may_span_lines_inside_brackets() -> None:
    scene = parse("scene A\nc = Circle(\n    radius=1.0,\n    color=RED,\n)\nplay(\n  Create(c),\n)\n")
    assert scene.objects[0] == ir.Circle(name="c", radius=1.0, color="RED")


def test_lagged_start_becomes_lag_ratio() -> None:
    scene = parse("scene A\na = Dot()\nb = Dot()\nplay(LaggedStart(FadeIn(a), FadeIn(b), lag_ratio=0.3), run_time=2)\n")
    step = scene.timeline[0]
    assert isinstance(step, ir.Play) and step.lag_ratio == 0.3 and step.run_time == 2.0
    assert "LaggedStart(FadeIn(a), FadeIn(b), lag_ratio=0.3)" in to_text(scene)


def test_raw_strings_keep_backslashes_and_print_raw() -> None:
    scene = parse('scene A\neq = MathTex(r"\\frac{a}{b}")\n')
    assert scene.objects[0] == ir.MathTex(name="eq", tex="\\frac{a}{b}")
    assert 'MathTex(r"\\frac{a}{b}")' in to_text(scene)


def test_plot_functions_parse_with_precedence() -> None:
    scene = parse("scene A\nax = Axes()\np = Plot(ax, -x ^ 2 + 2 * sin(pi * x), x_range=(-2, 2))\n")
    plot = scene.objects[1]
    assert isinstance(plot, ir.Plot)
    assert plot.function == ir.BinOp(
        op="+",
        left=ir.Neg(operand=ir.BinOp(op="^", left=ir.Var(), right=ir.Num(value=2.0))),
        right=ir.BinOp(
            op="*",
            left=ir.Num(value=2.0),
            right=ir.Call(func="sin", arg=ir.BinOp(op="*", left=ir.Const(name="pi"), right=ir.Var())),
        ),
    )


def test_source_map_points_at_each_part() -> None:
    _, spans = parse_with_spans("scene A\nc = Circle()\n\nplay(Create(c), FadeOut(c))\n")
    assert spans.get("objects", 0) == spans.get("objects", 0, "radius")  # falls back to the declaration
    declaration, animation = spans.get("objects", 0), spans.get("timeline", 0, "animations", 1)
    assert declaration is not None and declaration.line == 2
    assert animation is not None and animation.column == 17


@pytest.mark.parametrize(
    ("text", "error", "message", "hint"),
    [
        ("scene A\nc = Circel()\n", DSLTypeError, "unknown object kind 'Circel'", "did you mean 'Circle'?"),
        ("scene A\nc = Circle(radios=1)\n", DSLTypeError, "Circle has no attribute 'radios'", "'radius'"),
        ("scene A\nc = Circle()\nplay(Craete(c))\n", DSLTypeError, "unknown animation 'Craete'", "'Create'"),
        ("scene A\nc = Circle(color=BLEU)\n", DSLTypeError, "unknown colour 'BLEU'", "'BLUE'"),
        ("scene A\nc = Circle()\nc.next_too(c)\n", DSLTypeError, "unknown relation 'next_too'", "'next_to'"),
        ("scene A\nc = Circle()\nCreate(c)\n", DSLTypeError, "unknown step 'Create'", "play(Create(...))"),
        ("scene A\nc = Circle(radius=-1)\n", DSLTypeError, "radius", None),
        ("scene A\nc = Circle(radius=1e999)\n", DSLTypeError, "finite", None),
        ("scene A\nt = Text(hello)\n", DSLTypeError, "expects a string", None),
        ("scene A\nc = Circle(1.0)\n", DSLTypeError, "positional", "keyword"),
        ("scene A\nc = Circle(radius=1, radius=2)\n", DSLTypeError, "given twice", None),
        ("scene A\nax = Axes()\np = Plot(ax, y + 1)\n", DSLTypeError, "unknown name 'y'", None),
        ("scene A\nax = Axes()\np = Plot(ax, sine(x))\n", DSLTypeError, "unknown function 'sine'", "'sin'"),
        ("scene A\nc = Circle(radius=1\n", DSLSyntaxError, "unexpected", None),
        ("c = Circle()\n", DSLSyntaxError, "unexpected", "scene Demo"),
        ("scene A\nc = Circle() d = Circle()\n", DSLSyntaxError, "unexpected", None),
        ("scene A\nc = Circle()\n$\n", DSLSyntaxError, "unexpected character '$'", None),
        ("scene A\nc = Circle(radius=" + "(" * 40 + "1" + ")" * 40 + ")\n", DSLSyntaxError, "nest", None),
        ('scene A\nt = Text("bad \\q escape")\n', DSLSyntaxError, "escape", None),
        ("scene a\n", DSLTypeError, "capital", None),
        ("scene A\nplay = Circle()\n", DSLTypeError, "reserved", None),
    ],
)
def test_bad_input_gets_a_typed_error_with_position(
    text: str, error: type[Exception], message: str, hint: str | None
) -> None:
    with pytest.raises(error) as caught:
        parse(text, filename="bad.mscene")
    rendered = str(caught.value)
    assert message in rendered
    assert rendered.startswith("bad.mscene:")
    assert caught.value.line is not None and caught.value.column is not None  # type: ignore[attr-defined]
    if hint is not None:
        assert hint in rendered


def test_rendered_error_quotes_the_line_with_a_caret() -> None:
    with pytest.raises(DSLTypeError) as caught:
        parse("scene A\nc = Circel()\n", filename="x.mscene")
    lines = str(caught.value).splitlines()
    assert lines[0] == "x.mscene:2:5: type error: unknown object kind 'Circel'"
    assert lines[1] == "    c = Circel()"
    assert lines[2] == "        ^"


def test_read_source_rejects_non_utf8_oversized_and_missing(tmp_path: pytest.TempPathFactory) -> None:
    bad = tmp_path / "bad.mscene"  # type: ignore[operator]
    bad.write_bytes(b'scene A\nt = Text("\xff")\n')
    with pytest.raises(DSLInputError, match="not UTF-8") as caught:
        read_source(bad)
    assert (caught.value.line, caught.value.column) == (2, 11)
    big = tmp_path / "big.mscene"  # type: ignore[operator]
    big.write_bytes(b"#" * 1_000_001)
    with pytest.raises(DSLInputError, match="limit"):
        read_source(big)
    with pytest.raises(DSLInputError, match="no such file"):
        read_source(tmp_path / "missing.mscene")  # type: ignore[operator]
