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
    r"\quad",
    r"a & b",
    "\u200b",
    "e\u0301",
]


def _scene(obj: ir.ObjectBase) -> ir.Scene:
    """The object placed relative to a circle (an empty mobject fails there) and shown."""
    return ir.Scene(
        name="Payload",
        objects=(obj, ir.Circle(name="c")),
        relations=(ir.NextTo(subject=obj.name, target="c", direction="UP"),),
        timeline=(ir.Add(targets=(obj.name, "c")),),
    )


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
