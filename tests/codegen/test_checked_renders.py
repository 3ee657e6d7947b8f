"""Checked means it renders: every payload that the checks accept as a Text or a MathTex renders without error."""

from __future__ import annotations

import pytest

from codegen.render import render_frames
from dsl import ir
from dsl.checks import check
from tests.codegen.test_compiler import PAYLOADS

TEX_PAYLOADS = [
    r"\frac{1}",
    r"\\",
    r"a \\ b",
    r"\text{it's \"quoted\"}",
    "x\u2028y",
    r"\mathrm{caf\'e}",
    "café",
    r"\left( x \right.",
    "%comment only",
    r"a^{b^{c}}_",
    r"\verb|x|",
    "#1",
    "$x$",
    "&",
]


def _scene(obj: ir.ObjectBase) -> ir.Scene:
    return ir.Scene(name="Payload", objects=(obj,), timeline=(ir.Add(targets=(obj.name,)),))


@pytest.mark.parametrize(
    "obj",
    [ir.MathTex(name="m", tex=payload) for payload in [*PAYLOADS, *TEX_PAYLOADS]]
    + [ir.TextObj(name="t", text=payload) for payload in [*PAYLOADS, *TEX_PAYLOADS]],
    ids=lambda obj: f"{obj.kind}:{getattr(obj, 'tex', getattr(obj, 'text', ''))!a}"[:40],
)
def test_what_the_checks_accept_renders(obj: ir.ObjectBase) -> None:
    scene = _scene(obj)
    errors = check(scene)
    if errors:
        assert all(error.path == ("objects", 0, "tex" if obj.kind == "MathTex" else "text") for error in errors)
        return
    frames = render_frames(scene, 32, 18, 5)
    assert frames.shape == (1, 18, 32, 3)
