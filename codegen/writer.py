"""A tiny Python source writer that tracks indentation and wraps calls the way ``ruff format`` does.

The compiler builds each statement as a small tree of ``PyCall`` nodes and atoms (plain strings), and the writer
lays it out: on one line when it fits in 88 columns; otherwise the outermost brackets are split and their
contents go on one indented line; and when that is still too long, one argument per line with a trailing comma,
each argument laid out the same way. A test runs ``ruff format --check`` on compiled scenes to hold this true.
"""

from __future__ import annotations

from dataclasses import dataclass

LINE_LENGTH = 88
INDENT = "    "


@dataclass(frozen=True)
class PyCall:
    """``func(arg, ...)``; each argument is a source atom (str), a nested call, or ``(keyword, value)``."""

    func: str
    args: tuple[PyArg, ...] = ()
    brackets: str = "()"


PyValue = str | PyCall
PyArg = PyValue | tuple[str, PyValue]


def flat(value: PyArg) -> str:
    """The one-line form of a value or argument."""
    if isinstance(value, tuple):
        keyword, inner = value
        return f"{keyword}={flat(inner)}"
    if isinstance(value, str):
        return value
    opening, closing = value.brackets[0], value.brackets[1]
    return f"{value.func}{opening}{', '.join(flat(arg) for arg in value.args)}{closing}"


def layout(prefix: str, value: PyArg, suffix: str, indent: int) -> list[str]:
    """Lines for ``prefix + value + suffix`` at ``indent`` levels, wrapped to fit ``LINE_LENGTH``."""
    pad = INDENT * indent
    line = pad + prefix + flat(value) + suffix
    if len(line) <= LINE_LENGTH:
        return [line]
    if isinstance(value, tuple):
        keyword, inner = value
        return layout(f"{prefix}{keyword}=", inner, suffix, indent)
    if isinstance(value, str) or not value.args:
        return [line]
    opening, closing = value.brackets[0], value.brackets[1]
    head = pad + prefix + value.func + opening
    tail = pad + closing + suffix
    body = INDENT * (indent + 1) + ", ".join(flat(arg) for arg in value.args)
    if len(body) <= LINE_LENGTH:
        return [head, body, tail]
    lines = [head]
    for arg in value.args:
        lines.extend(layout("", arg, ",", indent + 1))
    lines.append(tail)
    return lines


class CodeWriter:
    """Collects lines of source with the current indentation."""

    def __init__(self) -> None:
        self.lines: list[str] = []
        self.level = 0

    def line(self, text: str = "") -> None:
        """Write one line at the current indentation (an empty string writes a blank line)."""
        self.lines.append(INDENT * self.level + text if text else "")

    def statement(self, prefix: str, value: PyArg, suffix: str = "") -> None:
        """Write ``prefix + value + suffix``, wrapped like ``ruff format`` would."""
        self.lines.extend(layout(prefix, value, suffix, self.level))

    def indent(self) -> None:
        self.level += 1

    def dedent(self) -> None:
        assert self.level > 0, "dedent below column 0"
        self.level -= 1

    def source(self) -> str:
        """The text written so far, ending in exactly one newline."""
        return "\n".join(self.lines).rstrip("\n") + "\n"
