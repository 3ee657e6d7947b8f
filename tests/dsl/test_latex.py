"""Formulas are typeset at check time as the renderer will: the same document, LaTeX's own error, a disk cache."""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

import pytest

from dsl import latex
from dsl.checks import check
from dsl.errors import DSLLatexError
from dsl.parser import parse_with_spans

FORMULAS = [
    "x^2",
    r"e^{i\pi} + 1 = 0",
    "{{ a }} + b",
    "{{a}}{{b}}",
    "a^",
    "x_",
    r"\left( x",
    r"\sqrt",
    r"\\ x",
    "  padded  ",
    r"\frac{1}{2} \over 3",
    r"a \{ {{ b }} \} c",
    r"\frac{{{n}}}{k}",
    "\u2028",
]


def manim_document(tex: str) -> str:
    """The document Manim CE writes for ``MathTex(tex)``, built by its own methods without running LaTeX."""
    from manim import MathTex, config

    mobject: Any = MathTex.__new__(MathTex)
    mobject.arg_separator, mobject.substrings_to_isolate, mobject.tex_to_color_map = " ", [], {}
    mobject.brace_notation_split_occurred, mobject.matched_strings_and_ids = False, []
    parts = mobject._prepare_tex_strings([tex])
    joined = mobject._join_tex_strings_with_unique_deliminters(parts, [])
    text: str = config["tex_template"].get_texcode_for_expression_in_env(
        mobject._get_modified_expression(joined), "align*"
    )
    return text


@pytest.mark.parametrize("formula", FORMULAS)
def test_the_checked_document_is_the_one_manim_compiles(formula: str) -> None:
    assert latex.document(formula) == manim_document(formula)


def test_a_formula_latex_rejects_is_an_error_at_its_line_with_latexs_message(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DSL2MANIM_CACHE", str(tmp_path))
    scene, spans = parse_with_spans('scene A\nc = Circle()\nm = MathTex(r"\\frac{1}")\nadd(m)\n')
    (error,) = check(scene, spans)
    assert isinstance(error, DSLLatexError)
    assert (error.line, error.column) == (3, 13)
    assert error.message == "the formula does not typeset: Missing { inserted."
    assert check(scene, spans, latex=False) == [], "the fast mode skips LaTeX"


def test_each_formula_is_compiled_once_then_read_from_the_disk_cache(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DSL2MANIM_CACHE", str(tmp_path))
    assert latex.compile_error("\\undefinedthing") == "Undefined control sequence."
    assert latex.compile_error("x^2") is None
    assert len(list((tmp_path / "latex").glob("*.txt"))) == 2

    def no_latex(*args: object, **kwargs: object) -> subprocess.CompletedProcess[bytes]:
        raise AssertionError("LaTeX ran although the verdict is cached")

    monkeypatch.setattr(subprocess, "run", no_latex)
    assert latex.compile_error("\\undefinedthing") == "Undefined control sequence."
    assert latex.compile_error("x^2") is None


def test_a_missing_toolchain_is_a_located_error_with_a_way_out(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DSL2MANIM_CACHE", str(tmp_path))
    monkeypatch.setattr("dsl.latex.shutil.which", lambda tool: None)
    scene, spans = parse_with_spans('scene A\nm = MathTex("y")\n')
    (error,) = check(scene, spans)
    assert isinstance(error, DSLLatexError) and error.line == 2
    assert "`latex` is not on PATH" in error.message and "--no-latex" in (error.hint or "")


@pytest.mark.parametrize(
    ("log", "first"),
    [
        (
            "junk\n! Undefined control sequence.\n<argument> ...\\foo\nl.8 \\end{align*}\n",
            "Undefined control sequence.",
        ),
        (
            "! LaTeX Error: Unicode character   (U+2028)\n               not set up for use with LaTeX.\n\nSee the",
            "LaTeX Error: Unicode character (U+2028) not set up for use with LaTeX.",
        ),
        ("no error line\nlast words\n", "last words"),
    ],
)
def test_the_message_is_latexs_first_error(log: str, first: str) -> None:
    assert latex._first_error(log) == first


@pytest.mark.parametrize("formula", ["&", r"\quad", r"\,", r"\frac{}{}"])
def test_a_formula_that_draws_nothing_is_refused(formula: str) -> None:
    # Manim makes an empty mobject of it, and placing that next to anything fails (found by experiments/fuzz_scenes).
    assert latex.compile_error(formula) == "it draws nothing"
