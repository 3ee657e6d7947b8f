"""Whether Pango can draw a ``Text`` string: no control characters, and a glyph for every character.

Pango draws a character no installed font covers as a box with its code point (tofu), and Manim then miscounts
the text's glyphs; control characters and line or paragraph separators break its line handling. The checks
refuse both, before rendering. Font coverage comes from fontconfig (``fc-list``), which is what Pango asks, read
once per process. Where fontconfig is missing the coverage test is skipped: Pango cannot run there either, and
the control-character test still applies.

Examples
--------
>>> problem("hello")
>>> problem("bell\\x07")
'the text contains the control character U+0007; only a line break (\\\\n) is allowed'
"""

from __future__ import annotations

import bisect
import functools
import shutil
import subprocess
import unicodedata

#: Unicode categories Pango cannot shape into visible text: controls, line/paragraph separators, surrogates,
#: private use and unassigned code points.
_REFUSED = {
    "Cc": "control character",
    "Zl": "line separator",
    "Zp": "paragraph separator",
    "Cs": "surrogate",
    "Co": "private-use character",
    "Cn": "unassigned code point",
}


def _parse_charset(charset: str) -> list[tuple[int, int]]:
    """Parse fontconfig's ``%{charset}`` (hex code points and ``lo-hi`` ranges) into inclusive ranges."""
    ranges: list[tuple[int, int]] = []
    for item in charset.split():
        low, _, high = item.partition("-")
        ranges.append((int(low, 16), int(high or low, 16)))
    return ranges


@functools.cache
def _coverage() -> tuple[tuple[int, ...], tuple[int, ...]] | None:
    """Every installed font's code points as sorted, merged ranges (starts, ends); None without fontconfig."""
    if shutil.which("fc-list") is None:
        return None
    listing = subprocess.run(
        ["fc-list", "--format", "%{charset}\n"], capture_output=True, text=True, check=False, timeout=60
    ).stdout
    merged: list[list[int]] = []
    for low, high in sorted(r for line in listing.splitlines() for r in _parse_charset(line)):
        if merged and low <= merged[-1][1] + 1:
            merged[-1][1] = max(merged[-1][1], high)
        else:
            merged.append([low, high])
    if not merged:
        return None
    return tuple(r[0] for r in merged), tuple(r[1] for r in merged)


def covered(char: str) -> bool:
    """Whether some installed font has a glyph for ``char`` (True when fontconfig cannot say)."""
    coverage = _coverage()
    if coverage is None:
        return True
    starts, ends = coverage
    index = bisect.bisect_right(starts, ord(char)) - 1
    return index >= 0 and ord(char) <= ends[index]


def visible(text: str) -> bool:
    """Whether ``text`` has a character that draws a mark: not blank, not only format or combining characters.

    Examples
    --------
    >>> visible(" a "), visible(" \u200b\t")
    (True, False)
    """
    return any(not char.isspace() and unicodedata.category(char) not in ("Cf", "Mn", "Me", "Cc") for char in text)


def problem(text: str) -> str | None:
    """Why Pango cannot draw ``text`` as Manim's ``Text``, or None when it can.

    Examples
    --------
    ``Text("a\\u2028b")`` is refused (a line separator); ``Text("two\\nlines")`` is accepted.
    """
    for char in text:
        if char == "\n":
            continue
        category = unicodedata.category(char)
        if category in _REFUSED:
            hint = "; only a line break (\\n) is allowed" if category in ("Cc", "Zl", "Zp") else ""
            return f"the text contains the {_REFUSED[category]} U+{ord(char):04X}{hint}"
        if not char.isspace() and category != "Cf" and not covered(char):
            name = unicodedata.name(char, "")
            return f"no installed font has a glyph for U+{ord(char):04X} {name}".rstrip()
    return None
