"""Text that Pango cannot draw is refused at check time: control characters, separators, glyphs no font has."""

from __future__ import annotations

import pytest

from dsl import glyphs
from dsl.checks import check
from dsl.errors import DSLTypeError
from dsl.parser import parse_with_spans


@pytest.mark.parametrize(
    ("text", "needle"),
    [
        ("bell\x07", "control character U+0007"),
        ("tab\tstop", "control character U+0009"),
        ("a\u2028b", "line separator U+2028"),
        ("a\u2029b", "paragraph separator U+2029"),
        ("private\ue000", "private-use character U+E000"),
        ("unassigned\U000e0080", "unassigned code point U+E0080"),
    ],
)
def test_characters_pango_cannot_shape_are_refused(text: str, needle: str) -> None:
    problem = glyphs.problem(text)
    assert problem is not None and needle in problem


@pytest.mark.parametrize("text", ["hello", "two\nlines", "café ünïcödé", 'say "hi" \\ back'])
def test_ordinary_text_is_accepted(text: str) -> None:
    assert glyphs.problem(text) is None


def test_a_character_no_installed_font_covers_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(glyphs, "_coverage", lambda: ((0x20,), (0x7E,)))
    assert glyphs.problem("abc") is None
    assert glyphs.problem("abc\u00e9") == "no installed font has a glyph for U+00E9 LATIN SMALL LETTER E WITH ACUTE"


def test_fontconfig_charsets_are_parsed_into_ranges() -> None:
    assert glyphs._parse_charset("20-7e a0 1f600-1f64f") == [(0x20, 0x7E), (0xA0, 0xA0), (0x1F600, 0x1F64F)]


def test_the_check_points_at_the_text() -> None:
    scene, spans = parse_with_spans('scene A\nt = Text("ok\\u0007")\n')
    (error,) = check(scene, spans, latex=False)
    assert isinstance(error, DSLTypeError) and (error.line, error.column) == (2, 10)
    assert "U+0007" in error.message
