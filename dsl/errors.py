"""Typed user errors for the scene DSL.

Every error a user can cause carries the file, the line and column, the offending source line with a caret under
it, and where one fits a hint such as a did-you-mean. Internal invariants use ``assert`` instead.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class Span:
    """A 1-based line and column in a source text."""

    line: int
    column: int


def did_you_mean(word: str, choices: Iterable[str]) -> str | None:
    """Return a ``did you mean 'x'?`` hint for the closest choice, or None when nothing is close.

    Examples
    --------
    >>> did_you_mean("Circel", ["Circle", "Square"])
    "did you mean 'Circle'?"
    """
    close = difflib.get_close_matches(word, sorted(choices), n=1, cutoff=0.6)
    return f"did you mean {close[0]!r}?" if close else None


def json_path(path: tuple[str | int, ...]) -> str:
    """An IR path in JSONPath notation.

    Examples
    --------
    >>> json_path(("objects", 2, "tex"))
    '$.objects[2].tex'
    """
    return "$" + "".join(f"[{part}]" if isinstance(part, int) else f".{part}" for part in path)


class DSLError(Exception):
    """Base class of every error caused by a user's scene text or IR.

    Parameters
    ----------
    message
        One line saying what is wrong.
    span
        Where in the source it is, when known.
    hint
        What to do about it, for example a did-you-mean.
    source
        The source text, used to quote the offending line.
    filename
        The file the source came from, for the message.
    path
        Where in the IR it is (``("objects", 2, "tex")``); a scene read from JSON has no lines, so the message
        names this path instead, as ``$.objects[2].tex``.
    """

    code = "error"

    def __init__(
        self,
        message: str,
        *,
        span: Span | None = None,
        hint: str | None = None,
        source: str | None = None,
        filename: str | None = None,
        path: tuple[str | int, ...] | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.span = span
        self.hint = hint
        self.source = source
        self.filename = filename
        self.path = path

    def with_context(self, *, source: str | None, filename: str | None) -> DSLError:
        """Attach the source text and file name if they are not set yet, and return self."""
        if self.source is None:
            self.source = source
        if self.filename is None:
            self.filename = filename
        return self

    @property
    def line(self) -> int | None:
        """The 1-based line of the error, if known."""
        return self.span.line if self.span else None

    @property
    def column(self) -> int | None:
        """The 1-based column of the error, if known."""
        return self.span.column if self.span else None

    def render(self) -> str:
        """Format the error as ``file:line:col: kind: message``, the quoted line, a caret and the hint."""
        where = self.filename or "<scene>"
        if self.span:
            where += f":{self.span.line}:{self.span.column}"
        elif self.path is not None:
            where += ": " + json_path(self.path)
        lines = [f"{where}: {self.code}: {self.message}"]
        if self.span and self.source is not None:
            source_lines = self.source.splitlines()
            if 0 < self.span.line <= len(source_lines):
                text = source_lines[self.span.line - 1]
                lines.append(f"    {text}")
                lines.append("    " + " " * (max(self.span.column, 1) - 1) + "^")
        if self.hint:
            lines.append(f"  hint: {self.hint}")
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.render()


class DSLSyntaxError(DSLError):
    """The text does not match the grammar."""

    code = "syntax error"


class DSLInputError(DSLError):
    """The input cannot be read at all: not UTF-8, too large, or not a file."""

    code = "input error"


class DSLNameError(DSLError):
    """A name is undefined or defined twice."""

    code = "name error"


class DSLTypeError(DSLError):
    """A value, attribute, object kind or animation does not fit where it is used."""

    code = "type error"


class DSLLatexError(DSLTypeError):
    """LaTeX cannot typeset a formula the way the renderer will (or LaTeX is not there to ask)."""

    code = "latex error"


class DSLRelationError(DSLError):
    """Layout relations form a cycle or refer to something they cannot."""

    code = "relation error"


class DSLTimelineError(DSLError):
    """The timeline animates something that is not on screen, or brings back what was removed."""

    code = "timeline error"


class DSLLayoutError(DSLError):
    """An object leaves the frame or overlaps another one unintentionally (an error only with ``--strict``)."""

    code = "layout"


class DSLErrorGroup(DSLError):
    """Several errors found in one pass; ``errors`` keeps them in source order."""

    def __init__(self, errors: list[DSLError]) -> None:
        assert errors, "an error group needs at least one error"
        super().__init__(f"{len(errors)} errors", span=errors[0].span)
        self.errors = errors

    def with_context(self, *, source: str | None, filename: str | None) -> DSLError:
        for error in self.errors:
            error.with_context(source=source, filename=filename)
        return self

    def render(self) -> str:
        return "\n".join(error.render() for error in self.errors)
