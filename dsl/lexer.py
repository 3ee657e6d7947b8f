"""Syntax highlighting of ``.mscene`` files: a Pygments lexer and the TextMate grammar, from one token table.

The Pygments lexer is registered under the ``pygments.lexers`` entry point (``mscene``), so Sphinx, Jupyter and
``pygmentize`` highlight the DSL once the package is installed. The TextMate grammar
(``editors/mscene.tmLanguage.json``, for VS Code and Linguist-style highlighters) is written from the same table
by ``textmate_grammar()``; a test keeps the file equal to it. The vocabularies (object kinds, animations,
relations, colours) come from ``dsl.ir`` and ``dsl.vocabulary``, so a new kind is highlighted everywhere at once.

Examples
--------
>>> from pygments import lex
>>> [(str(kind), text) for kind, text in lex("c = Circle()", MsceneLexer())][:3]
[('Token.Name.Variable', 'c'), ('Token.Text.Whitespace', ' '), ('Token.Operator', '=')]
"""

from __future__ import annotations

import json
from typing import Any, ClassVar

from pygments.lexer import RegexLexer, bygroups
from pygments.token import (
    Comment,
    Keyword,
    Name,
    Number,
    Operator,
    Punctuation,
    String,
    Text,
    Whitespace,
    _TokenType,
)

from dsl import ir
from dsl.vocabulary import COLOR_NAMES, DIRECTIONS, EXPR_CONSTS, EXPR_FUNCS, RATE_FUNCS

SCOPE = "source.mscene"


def _words(words: object) -> str:
    """A regex alternation of whole words, longest first so that no word shadows a longer one."""
    ordered = sorted({str(word) for word in words}, key=lambda word: (-len(word), word))  # type: ignore[attr-defined]
    return r"\b(?:" + "|".join(ordered) + r")\b"


#: (regex, TextMate scope of each group or of the match, Pygments token of each group or of the match), in order.
RULES: tuple[tuple[str, tuple[str, ...], tuple[_TokenType, ...]], ...] = (
    (r"#.*$", ("comment.line.number-sign.mscene",), (Comment.Single,)),
    (r'r"[^"\n]*"', ("string.quoted.raw.mscene",), (String,)),
    (r'"(?:[^"\\\n]|\\.)*"', ("string.quoted.double.mscene",), (String,)),
    (
        r"^(scene)(\s+)([A-Za-z_]\w*)",
        ("keyword.other.scene.mscene", "", "entity.name.type.scene.mscene"),
        (Keyword.Declaration, Whitespace, Name.Class),
    ),
    (
        r"^(\s*)([a-z_]\w*)(\s*)(:)(?!:)",
        ("", "entity.name.label.mscene", "", "punctuation.separator.label.mscene"),
        (Whitespace, Name.Label, Whitespace, Punctuation),
    ),
    (
        r"^(\s*)([a-z_]\w*)(\s*)(=)",
        ("", "variable.other.definition.mscene", "", "keyword.operator.assignment.mscene"),
        (Whitespace, Name.Variable, Whitespace, Operator),
    ),
    (
        r"(\.)(" + "|".join(ir.RELATION_KINDS) + r")\b",
        ("punctuation.accessor.mscene", "entity.name.function.mscene"),
        (Punctuation, Name.Function),
    ),
    (_words(ir.STEP_KINDS), ("keyword.control.step.mscene",), (Keyword,)),
    (_words(ir.OBJECT_KINDS), ("support.class.object.mscene",), (Name.Class,)),
    (_words([*ir.ANIMATION_KINDS, "LaggedStart"]), ("support.function.animation.mscene",), (Name.Function,)),
    (_words(EXPR_FUNCS), ("support.function.math.mscene",), (Name.Builtin,)),
    (_words([*DIRECTIONS, *COLOR_NAMES, *RATE_FUNCS, *EXPR_CONSTS]), ("constant.language.mscene",), (Name.Constant,)),
    (
        r"\b([a-z_]\w*)(\s*)(=)",
        ("variable.parameter.mscene", "", "keyword.operator.assignment.mscene"),
        (Name.Attribute, Whitespace, Operator),
    ),
    (r"(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?", ("constant.numeric.mscene",), (Number,)),
    (r"[A-Za-z_]\w*", ("variable.other.mscene",), (Name,)),
    (r"[-+*/^]", ("keyword.operator.arithmetic.mscene",), (Operator,)),
    (r"[(),.:]", ("punctuation.mscene",), (Punctuation,)),
)


def _pygments_rules() -> list[Any]:
    rules: list[Any] = [(r"\s+", Whitespace)]
    for regex, _, tokens in RULES:
        rules.append((regex, tokens[0] if len(tokens) == 1 else bygroups(*tokens)))
    rules.append((r".", Text))  # nothing the grammar accepts reaches this; a typo still prints
    return rules


class MsceneLexer(RegexLexer):  # type: ignore[misc]  # pygments ships no types
    """Pygments lexer for the scene DSL (``.mscene``)."""

    name = "Manim scene DSL"
    aliases: ClassVar[list[str]] = ["mscene"]
    filenames: ClassVar[list[str]] = ["*.mscene"]
    mimetypes: ClassVar[list[str]] = ["text/x-mscene"]
    url = "https://github.com/jepa-planner"
    tokens: ClassVar[dict[str, list[Any]]] = {"root": _pygments_rules()}


def textmate_grammar() -> dict[str, Any]:
    """The TextMate grammar of ``.mscene`` files (the contents of ``editors/mscene.tmLanguage.json``)."""
    patterns: list[dict[str, Any]] = []
    for regex, scopes, _ in RULES:
        if len(scopes) == 1:
            patterns.append({"match": regex, "name": scopes[0]})
        else:
            captures = {str(i): {"name": scope} for i, scope in enumerate(scopes, 1) if scope}
            patterns.append({"match": regex, "captures": captures})
    return {
        "$schema": "https://raw.githubusercontent.com/martinring/tmlanguage/master/tmlanguage.json",
        "name": "Manim scene DSL",
        "scopeName": SCOPE,
        "fileTypes": ["mscene"],
        "patterns": patterns,
    }


def textmate_text() -> str:
    """``textmate_grammar()`` as the text of the editors/ file."""
    return json.dumps(textmate_grammar(), indent=2) + "\n"
