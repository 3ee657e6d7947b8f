"""Rich display of a scene in Jupyter: the rendered clip beside the syntax-highlighted DSL.

``dsl.ir.Scene._repr_mimebundle_`` calls ``scene_mimebundle``. The DSL is highlighted with this package's
Pygments lexer (``dsl.lexer``). The clip needs Manim, which ``dsl`` never imports at import time: it is drawn by
``codegen.notebook`` when that package can be imported, and the display falls back to the DSL alone otherwise
(or when the scene does not render, with the reason).

Examples
--------
>>> from dsl.parser import parse
>>> bundle = scene_mimebundle(parse("scene A\\nc = Circle()\\n"), clip=False)
>>> sorted(bundle), bundle["text/plain"].splitlines()[0]
(['text/html', 'text/plain'], 'scene A')
"""

from __future__ import annotations

import html
import importlib
from typing import TYPE_CHECKING

from pygments import highlight
from pygments.formatters import HtmlFormatter

from dsl.lexer import MsceneLexer
from dsl.printer import to_text

if TYPE_CHECKING:
    from dsl import ir

#: The two panels side by side, wrapping under each other in a narrow output.
_ROW = '<div style="display:flex;flex-wrap:wrap;gap:12px;align-items:flex-start">{}</div>'


def highlighted_html(text: str) -> str:
    """DSL text as HTML with inline colours (no stylesheet needed, so it survives nbconvert and GitHub)."""
    return str(highlight(text, MsceneLexer(), HtmlFormatter(noclasses=True, nobackground=True)))


def clip_html(scene: ir.Scene) -> str:
    """The scene's rendered clip as an ``<img>`` (via ``codegen.notebook``), or a note saying why there is none."""
    try:
        notebook = importlib.import_module("codegen.notebook")
    except ImportError as missing:  # dsl alone, without Manim: the DSL is still shown
        return f"<p><i>no clip: {html.escape(str(missing))}</i></p>"
    rendered: str = notebook.clip_html(scene)
    return rendered


def scene_mimebundle(scene: ir.Scene, *, clip: bool = True) -> dict[str, str]:
    """``text/plain`` (the canonical DSL) and ``text/html`` (the clip, then the highlighted DSL)."""
    text = to_text(scene)
    panels = [clip_html(scene)] if clip else []
    panels.append(f"<div>{highlighted_html(text)}</div>")
    return {"text/plain": text, "text/html": _ROW.format("".join(panels))}
