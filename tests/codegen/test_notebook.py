"""The rich display of a scene, through ``_repr_mimebundle_``: the rendered clip beside the highlighted DSL."""

from __future__ import annotations

import base64
import io
import re

from PIL import Image

from dsl import ir
from dsl.display import scene_mimebundle
from dsl.parser import parse


def _image(page: str) -> Image.Image:
    match = re.search(r'src="data:image/(gif|png);base64,([^"]+)"', page)
    assert match is not None, page[:200]
    return Image.open(io.BytesIO(base64.b64decode(match[2])))


def test_a_scene_displays_its_animated_clip_and_its_dsl() -> None:
    scene = parse("scene A\nc = Circle(color=RED)\nplay(Create(c), run_time=0.5)\n")
    bundle = scene._repr_mimebundle_()
    assert bundle["text/plain"] == "scene A\n\nc = Circle(color=RED)\n\nplay(Create(c), run_time=0.5)\n"
    clip = _image(bundle["text/html"])
    assert clip.format == "GIF" and getattr(clip, "n_frames", 1) == 5 and clip.size == (256, 144)
    assert bundle["text/html"].index("<img") < bundle["text/html"].index("Circle"), "the clip comes first"
    assert re.search(r'<span style="[^"]+">Circle</span>', bundle["text/html"]), "kinds are highlighted"


def test_a_still_scene_displays_a_picture() -> None:
    assert _image(scene_mimebundle(parse("scene A\nc = Circle()\nadd(c)\n"))["text/html"]).format == "PNG"


def test_a_scene_that_does_not_render_shows_why_instead_of_raising() -> None:
    scene = ir.Scene(
        name="Bad",
        objects=(ir.MathTex(name="m", tex="\\undefinedcontrolsequence"),),
        timeline=(ir.Add(targets=("m",)),),
    )
    page = scene._repr_mimebundle_()["text/html"]
    assert "<img" not in page and "<pre>Manim failed on scene Bad" in page
