"""Highlighting the DSL: the Pygments lexer and the TextMate grammar, on the README's example."""

from __future__ import annotations

import importlib
import json
import re
import tomllib
from pathlib import Path

from pygments import lex
from pygments.token import Comment, Name, Number, String, Text

from dsl import ir
from dsl.lexer import MsceneLexer, textmate_grammar, textmate_text
from dsl.parser import parse

REPO = Path(__file__).resolve().parents[2]


def readme_example() -> str:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    section = readme.split("## The DSL in one example", 1)[1]
    return section.split("```text\n", 1)[1].split("```", 1)[0]


def test_the_readme_example_is_a_scene() -> None:
    assert parse(readme_example()).name == "Demo"


def test_pygments_highlights_every_part_of_the_readme_example() -> None:
    tokens = [(kind, text) for kind, text in lex(readme_example(), MsceneLexer()) if text.strip()]
    assert not [text for kind, text in tokens if kind is Text], "every character is a known token"
    classes = {text for kind, text in tokens if kind is Name.Class}
    assert classes == {"Demo"} | {kind for kind in ir.OBJECT_KINDS if re.search(rf"\b{kind}\(", readme_example())}
    functions = {text for kind, text in tokens if kind is Name.Function}
    assert {"Create", "LaggedStart", "Shift", "arrange", "next_to"} <= functions
    assert sum(kind in Comment for kind, _ in tokens) == readme_example().count("#")
    assert {text for kind, text in tokens if kind in String} >= {'"circle"', 'r"e^{i\\pi} + 1 = 0"'}
    assert ("1.5", Number) in {(text, kind) for kind, text in tokens if kind in Number}
    assert (Name.Label, "intro") in tokens and (Name.Constant, "BLUE") in tokens


def _textmate_tokens(text: str) -> list[tuple[str, str]]:
    """Scope every match of the grammar's patterns, TextMate's way: at each point, the earliest match, first rule."""
    rules = [(re.compile(p["match"], re.M), p) for p in textmate_grammar()["patterns"]]
    scoped: list[tuple[str, str]] = []
    for line in text.splitlines():
        position = 0
        while position < len(line):
            found = [
                (m.start(), i, m, p)
                for i, (regex, p) in enumerate(rules)
                if (m := regex.search(line, position)) and m.end() > m.start()
            ]
            if not found:
                break
            _, _, match, pattern = min(found, key=lambda item: (item[0], item[1]))
            if "name" in pattern:
                scoped.append((pattern["name"], match.group()))
            for group, capture in pattern.get("captures", {}).items():
                scoped.append((capture["name"], match.group(int(group))))
            position = match.end()
    return scoped


def test_the_textmate_grammar_scopes_the_readme_example() -> None:
    scoped = _textmate_tokens(readme_example())
    kinds = {text for scope, text in scoped if scope.startswith("support.class")}
    assert kinds == {kind for kind in ir.OBJECT_KINDS if re.search(rf"\b{kind}\(", readme_example())}
    assert sum(scope.startswith("comment") for scope, _ in scoped) == readme_example().count("#")
    assert ("entity.name.label.mscene", "intro") in scoped
    assert ("support.function.animation.mscene", "DrawBorderThenFill") in scoped
    assert ("entity.name.function.mscene", "to_corner") in scoped
    assert ("string.quoted.raw.mscene", 'r"e^{i\\pi} + 1 = 0"') in scoped
    assert ("variable.parameter.mscene", "run_time") in scoped


def test_the_grammar_file_is_generated_from_the_token_table() -> None:
    path = REPO / "editors" / "mscene.tmLanguage.json"
    assert path.read_text(encoding="utf-8") == textmate_text(), "regenerate it from dsl.lexer.textmate_text()"
    grammar = json.loads(path.read_text(encoding="utf-8"))
    assert grammar["scopeName"] == "source.mscene" and grammar["fileTypes"] == ["mscene"]


def test_the_lexer_is_registered_as_a_pygments_plugin() -> None:
    project = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    module, _, attribute = project["entry-points"]["pygments.lexers"]["mscene"].partition(":")
    assert getattr(importlib.import_module(module), attribute) is MsceneLexer
    assert MsceneLexer.aliases == ["mscene"] and MsceneLexer.filenames == ["*.mscene"]
