"""Every name the DSL lets through must exist in Manim under the same spelling."""

from __future__ import annotations

import manim
from manim.utils import rate_functions

from dsl import ir
from dsl.manim_names import MANIM_NAMES
from dsl.vocabulary import COLOR_NAMES, DIRECTIONS, RATE_FUNCS, RATE_FUNCS_EXPORTED


def test_colours_directions_and_rate_functions_exist_in_manim() -> None:
    assert all(hasattr(manim, name) for name in COLOR_NAMES)
    for name, (x, y) in DIRECTIONS.items():
        assert tuple(getattr(manim, name)) == (x, y, 0.0)
    assert all(callable(getattr(rate_functions, name)) for name in RATE_FUNCS)
    exported: dict[str, object] = {}
    exec("from manim import *", exported)  # what the compiled module sees
    assert {name for name in RATE_FUNCS if name in exported} == set(RATE_FUNCS_EXPORTED)
    assert "rate_functions" in exported, "the others are emitted as rate_functions.NAME"


def test_object_and_animation_kinds_exist_in_manim() -> None:
    renamed = {"Group": "VGroup", "Plot": "Axes"}
    assert all(hasattr(manim, renamed.get(kind, kind)) for kind in ir.OBJECT_KINDS)
    animation_classes = set(ir.ANIMATION_KINDS) - {"MoveTo", "Shift", "Scale", "SetColor"}  # emitted as .animate
    assert all(hasattr(manim, kind) for kind in animation_classes)


def test_manim_names_match_the_installed_manim() -> None:
    exported: dict[str, object] = {}
    exec("from manim import *", exported)
    # ManimMagic exists only where IPython is installed; a scene must not take its name either way.
    assert {name for name in exported if name[:1].isupper()} | {"ManimMagic"} == MANIM_NAMES
