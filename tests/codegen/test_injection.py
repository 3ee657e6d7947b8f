"""Injection safety for every string field: payloads and arbitrary strings reach the emitted module only as string
constants, or are refused by the IR; the emitted AST is asserted node by node."""

from __future__ import annotations

import ast

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from codegen.compiler import compile_scene
from dsl import ir
from tests.codegen.test_compiler import PAYLOADS

MORE_PAYLOADS = [*PAYLOADS, "\\", "\\\\'", "'\"'\"", "\\x27); exec(1) #", "\\N{QUOTATION MARK}", "a\\\nb", "\r", "\t"]
#: What the compiled module may call, and the only names it may load.
CALLS = {"Text", "MathTex", "Circle", "self.play", "self.wait", "Write", "Create", "FadeIn"}
NAMES = {"Scene", "self", "t", "m", "c", "BLUE", "Text", "MathTex", "Circle", "Write", "Create", "FadeIn"}


def scene_with(
    text: str = "words",
    tex: str = "x",
    label: str = "intro",
    color: str = "BLUE",
    name: str = "Inject",
    object_name: str = "c",
) -> ir.Scene:
    """A scene with one value of every string field: scene name, object names, text, formula, colour, step label."""
    return ir.Scene(
        name=name,
        objects=(
            ir.TextObj(name="t", text=text),
            ir.MathTex(name="m", tex=tex),
            ir.Circle(name=object_name, color=color),
        ),
        timeline=(
            ir.Play(animations=(ir.Write(target="t"), ir.Create(target="m")), label=label),
            ir.Play(animations=(ir.FadeIn(target=object_name),)),
        ),
    )


def assert_literals_only(source: str, strings: set[str], names: set[str] = NAMES) -> None:
    """The module is a docstring, ``from manim import *`` and one Scene class; strings appear only as constants."""
    module = ast.parse(source)
    docstring, star_import, class_def = module.body
    assert isinstance(docstring, ast.Expr) and isinstance(docstring.value, ast.Constant)
    assert isinstance(star_import, ast.ImportFrom) and [a.name for a in star_import.names] == ["*"]
    assert isinstance(class_def, ast.ClassDef)
    for node in ast.walk(class_def):
        assert not isinstance(node, ast.Import | ast.ImportFrom | ast.Lambda | ast.JoinedStr), ast.dump(node)
        if isinstance(node, ast.Call):
            assert ast.unparse(node.func) in CALLS, ast.unparse(node)
        elif isinstance(node, ast.Name):
            assert node.id in names, node.id
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            assert node.value in strings, repr(node.value)
    (construct,) = class_def.body
    assert isinstance(construct, ast.FunctionDef)
    text_call, tex_call = (statement.value for statement in construct.body[:2])  # type: ignore[attr-defined]
    assert isinstance(text_call, ast.Call) and isinstance(tex_call, ast.Call)
    found = {text_call.args[0].value, tex_call.args[0].value}  # type: ignore[attr-defined]
    assert found <= strings


@pytest.mark.parametrize("payload", MORE_PAYLOADS)
@pytest.mark.parametrize("field", ["text", "tex"])
def test_free_text_fields_compile_payloads_as_literals(field: str, payload: str) -> None:
    scene = scene_with(**{field: payload})
    assert_literals_only(compile_scene(scene), {payload, "words", "x"})


@pytest.mark.parametrize("payload", MORE_PAYLOADS)
@pytest.mark.parametrize("field", ["label", "color", "name", "object_name"])
def test_closed_string_fields_refuse_payloads(field: str, payload: str) -> None:
    with pytest.raises(ValidationError):
        scene_with(**{field: payload})


_anything = st.text(st.characters(exclude_categories=["Cs"], exclude_characters="\x00"), min_size=1, max_size=40)
_tricky = st.lists(
    st.sampled_from(["'", '"', "\\", '"""', "'''", "\n", "\r", "{", "}", "#", ")", "(", ";", "x"]),
    min_size=1,
    max_size=20,
).map("".join)


_identifier = st.from_regex(r"[a-z][A-Za-z0-9_]{0,8}", fullmatch=True)


@given(
    text=_anything | _tricky,
    tex=_anything | _tricky,
    label=_anything | _tricky | _identifier,
    color=_anything | _tricky | st.from_regex(r"#[0-9A-Fa-f]{6}", fullmatch=True),
    name=_anything | _tricky | st.from_regex(r"[A-Z][A-Za-z0-9_]{0,8}", fullmatch=True),
    object_name=_anything | _tricky | _identifier,
)
def test_arbitrary_strings_in_every_field_stay_literals(
    text: str, tex: str, label: str, color: str, name: str, object_name: str
) -> None:
    fields = {"text": text, "tex": tex, "label": label, "color": color, "name": name, "object_name": object_name}
    accepted: dict[str, str] = {}
    for field, value in fields.items():  # the closed fields take only identifiers, palette names and hex colours
        if field == "object_name" and value in ("t", "m"):
            continue  # taken by the text and the formula
        try:
            scene_with(**{field: value})
            accepted[field] = value
        except ValidationError:
            pass
    scene = scene_with(**accepted)
    source = compile_scene(scene)
    circle = scene.objects[2]
    assert isinstance(circle, ir.Circle) and circle.color is not None
    assert_literals_only(
        source,
        {accepted.get("text", "words"), accepted.get("tex", "x"), circle.color},
        NAMES | {circle.name, circle.color},
    )
    assert f"class {scene.name}(Scene):" in source
