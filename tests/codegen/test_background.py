"""The scene's background colour: parsed from the header, printed back, checked, compiled and rendered."""

from __future__ import annotations

import ast

import numpy as np
import pytest

from codegen.compiler import compile_scene
from codegen.render import render_frames
from dsl.errors import DSLError
from dsl.parser import parse
from dsl.printer import to_text

TEXT = 'scene Cream(background="#FDF6E3")\n\nc = Circle(radius=1.0, color="#073642")\n\nplay(Create(c))\n'


def test_the_header_sets_the_background_and_prints_it_back() -> None:
    scene = parse(TEXT)
    assert scene.background == "#FDF6E3"
    assert to_text(scene) == TEXT
    assert parse("scene Dark(background=BLUE_E)\n").background == "BLUE_E"
    assert parse("scene Plain\n").background is None


def test_a_bad_background_is_an_error_at_its_place() -> None:
    with pytest.raises(DSLError, match="unknown colour 'BLUEISH'") as info:
        parse("scene Odd(background=BLUEISH)\n")
    assert info.value.line == 1
    with pytest.raises(DSLError, match="no attribute 'colour'"):
        parse('scene Odd(colour="#000000")\n')


def test_it_compiles_to_the_camera_and_renders() -> None:
    module = ast.parse(compile_scene(parse(TEXT)))
    assigned = [ast.unparse(node) for node in ast.walk(module) if isinstance(node, ast.Assign)]
    assert "self.camera.background_color = '#FDF6E3'" in assigned
    frames = render_frames(parse(TEXT), 64, 36, 5)
    assert np.array_equal(frames[-1, 0, 0], [253, 246, 227])
