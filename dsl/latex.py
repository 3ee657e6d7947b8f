"""Compile a ``MathTex`` formula with the real LaTeX toolchain, exactly as the renderer will, and cache the verdict.

The balanced-brace and forbidden-command checks catch the obvious mistakes, but only LaTeX knows whether a
formula typesets, so ``dsl.checks`` runs it. The document is the one Manim CE writes for ``MathTex(tex)``: its
default template (standalone, babel, amsmath, amssymb), the ``align*`` environment, the ``{{ ... }}`` split into
parts, the filler for dangling ``^``/``_``, and the ``\\special`` group markers around each part. A test in
``tests/dsl/test_latex.py`` writes the same formulas through Manim itself and asserts byte-identical documents,
so this copy cannot drift from the renderer unnoticed. ``dsl`` still never imports Manim.

A formula must also draw something: an empty one (``&``, ``\\quad``) makes a mobject without points, which
Manim cannot place relative to another. The verdict (empty for success, otherwise LaTeX's first error line or
why the output is unusable) is cached on disk by the SHA-256 of the document and ``CHECK_VERSION``,
so each formula is compiled once per machine: ``$DSL2MANIM_CACHE`` or ``$XDG_CACHE_HOME/dsl2manim`` (default
``~/.cache/dsl2manim``), in ``latex/``. Like Manim's own TeX cache, it is keyed by the document alone: after an
upgrade of TeX Live, delete the folder.

Examples
--------
>>> print(document("x^2").splitlines()[-3])
\\special{dvisvgm:raw <g id='unique000'>}x^2\\special{dvisvgm:raw </g>}
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

#: Manim CE's default ``TexTemplate`` (``config.tex_template``) around an ``align*`` environment.
_PREAMBLE = (
    "\\documentclass[preview]{standalone}\n\\usepackage[english]{babel}\n\\usepackage{amsmath}\n"
    "\\usepackage{amssymb}\n\\begin{document}\n"
)
_ENVIRONMENT = "align*"
_OPEN = "\\special{{dvisvgm:raw <g id='unique{index:03d}'>}}"
_CLOSE = "\\special{dvisvgm:raw </g>}"
#: A formula that LaTeX has not finished in this long is refused rather than waited for.
TIMEOUT_S = 30.0
#: Part of every cache key: bump it when what counts as a failure changes, so old verdicts are not reused.
CHECK_VERSION = "2"
#: SVG elements that draw something; a formula whose SVG has none (``&``, ``\quad``) is an empty mobject, which
#: Manim cannot place (``align_to`` and ``next_to`` fail on it).
_DRAWN = ("<path", "<use", "<rect", "<line", "<polygon", "<polyline", "<circle", "<ellipse")


class LatexUnavailable(RuntimeError):
    """No ``latex`` or ``dvisvgm`` on PATH, so formulas cannot be checked (nor rendered)."""


def _split_double_braces(tex: str) -> list[str]:
    """Split at Manim's ``{{ ... }}`` part notation: ``{{`` opens a part at the start or after whitespace only."""
    parts: list[str] = []
    current = ""
    i, inside, depth = 0, False, 0
    while i < len(tex):
        pair = tex[i : i + 2]
        if tex[i] == "\\" and i + 1 < len(tex) and tex[i + 1] in "\\{}":
            current += pair  # an escaped brace or backslash never opens or closes a part
            i += 2
        elif not inside and pair == "{{" and (i == 0 or tex[i - 1].isspace()):
            parts.append(current)
            current, inside, depth = "", True, 0
            i += 2
        elif inside and pair == "}}" and depth == 0:
            parts.append(current)
            current, inside = "", False
            i += 2
        else:
            if inside:
                depth += {"{": 1, "}": -1}.get(tex[i], 0)
            current += tex[i]
            i += 1
    parts.append(current)
    return [part for part in parts if part]


def _filled(tex: str) -> str:
    """Manim's fixes to the whole string: fillers for dangling operators, and unmatched ``\\left``/``\\right``."""
    tex = tex.strip()
    if tex in ("\\over", "\\overline", "\\sqrt", "\\sqrt{") or tex.endswith(("_", "^", "dot")):
        tex += "{\\quad}"
    if tex in ("\\substack", ""):
        tex = "\\quad"
    if tex.startswith("\\\\"):
        tex = tex.replace("\\\\", "\\quad\\\\")
    lefts, rights = (
        len([s for s in tex.split(word)[1:] if s and s[0] in "(){}[]|.\\"]) for word in ("\\left", "\\right")
    )
    if lefts != rights:
        tex = tex.replace("\\left", "\\big").replace("\\right", "\\big")
    return tex


def document(tex: str) -> str:
    """The LaTeX document Manim CE compiles for ``MathTex(tex)`` with its default template.

    Examples
    --------
    ``MathTex(r"{{ a }} + b")`` is typeset as two marked parts, ``a`` and ``+ b``, joined by a space.
    """
    parts = _split_double_braces(tex)
    joined = "".join(
        _OPEN.format(index=index) + part + (" " if index < len(parts) - 1 else "") + _CLOSE
        for index, part in enumerate(parts)
    )
    body = _filled(joined)
    return f"{_PREAMBLE}\\begin{{{_ENVIRONMENT}}}\n{body}\n\\end{{{_ENVIRONMENT}}}\n\\end{{document}}"


def cache_dir() -> Path:
    """The folder of cached verdicts (see the module docstring)."""
    root = os.environ.get("DSL2MANIM_CACHE")
    if not root:
        root = os.path.join(os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"), "dsl2manim")
    return Path(root) / "latex"


def _first_error(log: str) -> str:
    """LaTeX's own first error (the ``! ...`` line and its continuation), or the log's last line."""
    lines = log.splitlines()
    for i, line in enumerate(lines):
        if line.startswith("! "):
            message = [line[2:]]
            for later in lines[i + 1 : i + 4]:
                if not later.startswith(" ") or not later.strip():  # a wrapped message is indented; context is not
                    break
                message.append(later)
            return " ".join(" ".join(message).split())
    return next((line for line in reversed(lines) if line.strip()), "LaTeX stopped without a message")


def _run(command: list[str], folder: str) -> int | str:
    """Run one tool of the toolchain quietly in ``folder``: its exit code, or why it did not finish in time."""
    try:
        done = subprocess.run(
            command,
            cwd=folder,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            stdin=subprocess.DEVNULL,
            timeout=TIMEOUT_S,
            check=False,
        )
    except subprocess.TimeoutExpired:
        return f"{command[0]} did not finish within {TIMEOUT_S:.0f} s"
    return done.returncode


def _compile(text: str) -> str:
    """Run latex, then dvisvgm, on one document in a private folder; return '' or the first error."""
    for tool in ("latex", "dvisvgm"):
        if shutil.which(tool) is None:
            raise LatexUnavailable(f"`{tool}` is not on PATH")
    with tempfile.TemporaryDirectory(prefix="dsl2manim-tex-") as folder:
        source = Path(folder) / "formula.tex"
        source.write_text(text, encoding="utf-8")
        command = [
            "latex",
            "-interaction=batchmode",
            "-halt-on-error",
            "-no-shell-escape",
            f"-output-directory={folder}",
            str(source),
        ]
        latex = _run(command, folder)
        if isinstance(latex, str):
            return latex
        log = source.with_suffix(".log")
        if latex != 0 or not source.with_suffix(".dvi").exists():
            return _first_error(log.read_text(encoding="utf-8", errors="replace") if log.exists() else "")
        svg = source.with_suffix(".svg")
        dvisvgm = _run(
            ["dvisvgm", "--no-fonts", "--verbosity=0", f"--output={svg}", str(source.with_suffix(".dvi"))], folder
        )
        if isinstance(dvisvgm, str):
            return dvisvgm
        if not svg.exists():
            return "dvisvgm could not convert LaTeX's output"
        if not any(element in svg.read_text(encoding="utf-8", errors="replace") for element in _DRAWN):
            return "it draws nothing"
        return ""


def compile_error(tex: str, *, cache: Path | None = None) -> str | None:
    """Compile ``MathTex(tex)``'s document (cached on disk); return None when it typesets, else why not.

    The reason is LaTeX's first error line, dvisvgm's failure, or "it draws nothing" for a formula that typesets
    to no visible mark.

    Raises
    ------
    LatexUnavailable
        When ``latex`` or ``dvisvgm`` is not installed and the verdict is not cached.

    Examples
    --------
    ``compile_error(r"\\frac{1}{2}")`` is None; ``compile_error(r"\\frac{1}")`` names LaTeX's complaint.
    """
    text = document(tex)
    folder = cache or cache_dir()
    entry = folder / (hashlib.sha256((CHECK_VERSION + text).encode("utf-8")).hexdigest() + ".txt")
    try:
        verdict = entry.read_text(encoding="utf-8")
    except OSError:
        verdict = _compile(text)
        folder.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile("w", dir=folder, suffix=".tmp", delete=False, encoding="utf-8") as temp:
            temp.write(verdict)
        os.replace(temp.name, entry)  # atomic: a reader sees a whole verdict or none
    return verdict or None
