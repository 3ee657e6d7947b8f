"""Fuzzing the front end: whatever the input, ``parse`` and ``check`` fail only with a ``DSLError``.

Inputs are random bytes, random text over the grammar's alphabet, token soup, and valid canonical texts with a few
characters, tokens or lines deleted, inserted or swapped. Explicit cases pin down the errors users meet most: bad
encodings, non-finite or huge numbers, oversized input, misspelt names (with a did-you-mean), runaway nesting,
and how an error renders (``file:line:col``, the source line and a caret).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dsl import ir
from dsl.checks import check
from dsl.errors import DSLError, DSLInputError, DSLSyntaxError, DSLTypeError
from dsl.expr import evaluate
from dsl.parser import MAX_NESTING, MAX_SOURCE_BYTES, parse, parse_with_spans, read_source
from dsl.printer import to_text
from tests.strategies import exprs, scenes, valid_scenes

DEMO_TEXT = (Path(__file__).resolve().parents[2] / "experiments" / "examples" / "demo.mscene").read_text("utf-8")
FUZZ = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])

ALPHABET = "scenABCxyz_019 .,:=()+-*/^\"'\\#r\n\t"
TOKENS = (
    *("scene", "Demo", "c", "d", "g", "ax", "x", "pi", "e", "sin", "exp"),
    *("=", "(", ")", ",", ".", ":", "\n", " ", "+", "-", "*", "/", "^", "#"),
    *("0", "1", "2.5", "-1", "1e999", "1e308", "nan", "inf", '"hi"', '"', 'r"\\frac"', "\\"),
    *ir.OBJECT_KINDS,
    *ir.RELATION_KINDS,
    *ir.ANIMATION_KINDS,
    *ir.STEP_KINDS,
    *("LaggedStart", "lag_ratio", "run_time", "radius", "color", "members", "target", "into", "shift", "buff"),
    *("BLUE", "#1f77b4", "UP", "LEFT", "UL", "linear"),
)
_TOKEN_RE = re.compile(r'r"[^"\n]*"|"(?:[^"\\\n]|\\.)*"|\d+(?:\.\d*)?(?:[eE][+-]?\d+)?|\w+|\s+|.', re.S)


def assert_only_dsl_errors(text: str) -> None:
    """Parse and check ``text``; anything but a ``DSLError`` (or a crash while rendering one) fails the test."""
    try:
        scene, spans = parse_with_spans(text, filename="fuzz.mscene")
    except DSLError as parse_error:
        assert str(parse_error).startswith("fuzz.mscene")
        return
    errors = check(scene, spans)
    assert all(isinstance(error, DSLError) for error in errors)
    for error in errors:
        assert str(error.with_context(source=text, filename="fuzz.mscene"))


# --- random input ----------------------------------------------------------------------------------------------


@FUZZ
@given(st.binary(max_size=300), st.booleans(), st.sampled_from(("replace", "surrogateescape", "ignore")))
def test_random_bytes(data: bytes, with_header: bool, errors: str) -> None:
    if with_header:
        data = b"scene A\n" + data
    assert_only_dsl_errors(data.decode("utf-8", errors=errors))


@FUZZ
@given(st.binary(max_size=300), st.booleans())
def test_random_bytes_from_a_file(tmp_path_factory: pytest.TempPathFactory, data: bytes, with_header: bool) -> None:
    path = tmp_path_factory.getbasetemp() / "random.mscene"
    path.write_bytes(b"scene A\n" + data if with_header else data)
    try:
        text = read_source(path)
    except DSLInputError as error:
        assert error.line is not None and error.column is not None
        return
    assert_only_dsl_errors(text)


@FUZZ
@given(st.text(ALPHABET, max_size=200), st.booleans())
def test_random_text_over_the_grammar_alphabet(text: str, with_header: bool) -> None:
    assert_only_dsl_errors(("scene A\n" if with_header else "") + text)


@FUZZ
@given(st.lists(st.sampled_from(TOKENS), max_size=60), st.sampled_from(("", " ")))
def test_token_soup(tokens: list[str], separator: str) -> None:
    assert_only_dsl_errors("scene A\n" + separator.join(tokens))


# --- mutations of valid texts -------------------------------------------------------------------------------------


def _lines_mutation(data: st.DataObject, text: str) -> str:
    lines = text.split("\n")
    i = data.draw(st.integers(0, len(lines) - 1))
    j = data.draw(st.integers(0, len(lines) - 1))
    op = data.draw(st.sampled_from(("delete", "duplicate", "swap", "move")))
    if op == "delete":
        del lines[i]
    elif op == "duplicate":
        lines.insert(j, lines[i])
    elif op == "swap":
        lines[i], lines[j] = lines[j], lines[i]
    else:
        lines.insert(j, lines.pop(i))
    return "\n".join(lines)


def _tokens_mutation(data: st.DataObject, text: str) -> str:
    tokens = _TOKEN_RE.findall(text)
    if not tokens:
        return text
    i = data.draw(st.integers(0, len(tokens) - 1))
    j = data.draw(st.integers(0, len(tokens) - 1))
    op = data.draw(st.sampled_from(("delete", "duplicate", "swap", "replace", "borrow")))
    if op == "delete":
        del tokens[i]
    elif op == "duplicate":
        tokens.insert(j, tokens[i])
    elif op == "swap":
        tokens[i], tokens[j] = tokens[j], tokens[i]
    elif op == "replace":
        tokens[i] = data.draw(st.sampled_from(TOKENS))
    else:
        tokens[i] = tokens[j]
    return "".join(tokens)


def _chars_mutation(data: st.DataObject, text: str) -> str:
    if not text:
        return data.draw(st.text(ALPHABET, max_size=3))
    i = data.draw(st.integers(0, len(text) - 1))
    op = data.draw(st.sampled_from(("delete", "insert", "swap", "replace")))
    if op == "delete":
        return text[:i] + text[i + 1 :]
    if op == "swap" and i + 1 < len(text):
        return text[:i] + text[i + 1] + text[i] + text[i + 2 :]
    char = data.draw(st.sampled_from(ALPHABET) | st.characters(exclude_categories=["Cs"]))
    return text[:i] + char + text[i + (op == "replace") :]


_MUTATIONS = (_chars_mutation, _tokens_mutation, _lines_mutation)
_canonical_texts = st.one_of(
    valid_scenes(max_objects=5, max_steps=5).map(to_text),
    scenes(max_objects=3, max_relations=2, max_steps=2).map(to_text),
    st.just(DEMO_TEXT),
)


@settings(FUZZ, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(_canonical_texts, st.data())
def test_mutated_valid_texts(text: str, data: st.DataObject) -> None:
    for _ in range(data.draw(st.integers(1, 4))):
        text = data.draw(st.sampled_from(_MUTATIONS))(data, text)
    assert_only_dsl_errors(text)


@settings(FUZZ, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(scenes())
def test_check_on_any_ir_scene(scene: ir.Scene) -> None:
    """The checks accept any IR-valid scene (dangling names, cycles, bad timelines) and only report errors."""
    assert all(isinstance(error, DSLError) for error in check(scene))


@FUZZ
@given(exprs, st.floats(-1e3, 1e3, allow_nan=False))
def test_evaluate_is_total(expr: ir.Node, x: float) -> None:
    y = evaluate(expr, x)
    assert y is None or isinstance(y, float | int)


# --- explicit bad input ---------------------------------------------------------------------------------------


def test_non_utf8_file_reports_line_and_column(tmp_path: Path) -> None:
    path = tmp_path / "latin1.mscene"
    path.write_bytes(b'scene A\nt = Text("caf\xe9")\n')
    with pytest.raises(DSLInputError) as caught:
        read_source(path)
    assert (caught.value.line, caught.value.column) == (2, 14)
    assert f"{path}:2:14" in str(caught.value)


@pytest.mark.parametrize(
    "value",
    ["1e999", "-1e999", "nan", "inf", "-inf", "1e308", "9" * 400, "1" + "0" * 5000 + ".0"],
)
def test_non_finite_and_huge_numbers(value: str) -> None:
    with pytest.raises(DSLError):
        parse(f"scene A\nc = Circle(radius={value})\n")


@pytest.mark.parametrize("function", ["x * 1e999", "x ^ 1e999", "x + 1e7", "nan * x", "inf"])
def test_non_finite_and_huge_numbers_in_functions(function: str) -> None:
    with pytest.raises(DSLError):
        parse(f"scene A\nax = Axes()\np = Plot(ax, {function})\n")


def test_huge_rotation_is_a_type_error() -> None:
    with pytest.raises(DSLTypeError):
        parse("scene A\nc = Circle()\nplay(Create(c))\nplay(Rotate(c, 1e300))\n")


def test_oversized_file(tmp_path: Path) -> None:
    path = tmp_path / "big.mscene"
    path.write_bytes(b"scene A\n" + b"# padding\n" * (MAX_SOURCE_BYTES // 10 + 1))
    with pytest.raises(DSLInputError, match="limit"):
        read_source(path)


def test_oversized_text() -> None:
    with pytest.raises(DSLInputError, match="limit"):
        parse("scene A\n" + "#" * MAX_SOURCE_BYTES)


@pytest.mark.parametrize(
    ("source", "suggestion"),
    [
        ("scene A\nc = Circel(radius=1.0)\n", "Circle"),
        ("scene A\nc = Circle(radus=1.0)\n", "radius"),
        ("scene A\nc = Circle()\nplay(Creat(c))\n", "Create"),
        ("scene A\nc = Circle()\nc.next_too(c, UP)\n", "next_to"),
        ("scene A\nc = Circle(color=ORANGEE)\n", "ORANGE"),
        ("scene A\nc = Circle()\nplay(FadeIn(c, shift=UPP))\n", "UP"),
    ],
)
def test_unknown_names_suggest_the_closest(source: str, suggestion: str) -> None:
    with pytest.raises(DSLTypeError) as caught:
        parse(source)
    assert caught.value.hint == f"did you mean {suggestion!r}?"
    assert f"did you mean {suggestion!r}?" in str(caught.value)


@pytest.mark.parametrize("closed", [True, False])
def test_deep_bracket_nesting_is_a_syntax_error(closed: bool) -> None:
    depth = MAX_NESTING + 5
    value = "(" * depth + "1" + (")" * depth if closed else "")
    with pytest.raises(DSLSyntaxError, match="nest"):
        parse(f"scene A\nc = Circle(radius={value})\n")


def test_very_deep_bracket_nesting_is_a_syntax_error() -> None:
    with pytest.raises(DSLSyntaxError):
        parse("scene A\nc = Circle(radius=" + "(" * 100_000 + ")\n")


@pytest.mark.parametrize("chain", ["-" * 1000 + "x", "x+" * 1000 + "x", "x ^ " * 1000 + "x"])
def test_long_operator_chains_are_dsl_errors(chain: str) -> None:
    """A plot function 1000 operators long is a DSLSyntaxError, never a RecursionError."""
    with pytest.raises(DSLSyntaxError, match="operators"):
        parse(f"scene A\nax = Axes()\np = Plot(ax, {chain})\n")


def test_operator_chains_up_to_the_limit_parse() -> None:
    parse("scene A\nax = Axes()\np = Plot(ax, " + "x + " * 99 + "x)\n")


def test_error_renders_file_line_column_and_caret() -> None:
    source = "scene A\nc = Circle()\nsq = Sqare(side_length=1.0)\n"
    with pytest.raises(DSLTypeError) as caught:
        parse(source, filename="demo.mscene")
    rendered = str(caught.value).splitlines()
    assert rendered[0].startswith("demo.mscene:3:6: type error: unknown object kind 'Sqare'")
    assert rendered[1] == "    sq = Sqare(side_length=1.0)"
    assert rendered[2] == "    " + " " * 5 + "^"
    assert rendered[3] == "  hint: did you mean 'Square'?"


@pytest.mark.parametrize(
    "source",
    [
        "scene A\nc = Circle(radius=1\n",
        "scene A\nc = \n",
        'scene A\nt = Text("hi)\n',
        "scene A\nc = Circle() d = Circle()\n",
        "c = Circle()\n",
        "scene A\nc = Circle(radius=1.0, 2.0)\n",
        "scene A\nc = Circle(radius=@)\n",
    ],
)
def test_syntax_errors_point_into_the_source(source: str) -> None:
    with pytest.raises(DSLError) as caught:
        parse(source)
    error = caught.value
    assert error.line is not None and error.column is not None
    assert 1 <= error.line <= source.count("\n") + 1
    rendered = str(error)
    assert f"<scene>:{error.line}:{error.column}:" in rendered
    if error.line <= len(source.splitlines()):
        assert rendered.splitlines()[2].strip() == "^"


def test_a_syntax_error_lark_cannot_match_to_an_example_is_still_a_dsl_error() -> None:
    # Found by experiments/fuzz_scenes.py: Lark's match_examples raised a TypeError on this mutated scene.
    text = "scene Main\n\na ( Axes()\nb = Arrow((-61.418, -52.982), (2.71, -40.596))\n\nwait=1.108)\nadd(b)\n"
    with pytest.raises(DSLSyntaxError) as caught:
        parse(text)
    assert caught.value.line == 4  # inside the bracket opened on line 3, newlines do not end the statement
