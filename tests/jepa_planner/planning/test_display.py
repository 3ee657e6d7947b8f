"""The rich display of a plan, through ``_repr_mimebundle_``: the compare strip, the DSL and the notes."""

from __future__ import annotations

import base64
import io
import re

import torch
from PIL import Image

from jepa_planner.data.sampler import SceneSampler
from jepa_planner.planning.model import Planner, PlannerConfig
from jepa_planner.planning.plan import Spec, plan, render_scene


def test_a_plan_displays_the_input_beside_its_render_and_its_dsl() -> None:
    torch.manual_seed(0)
    planner = Planner(PlannerConfig(decoder_width=32, decoder_depth=1, max_tokens=48, max_steps=3))
    clip, _ = render_scene(SceneSampler().sample(level=1, seed=3, index=0), length=16, size=(64, 36))
    graph = plan(Spec(clip=clip), planner=planner)
    bundle = graph._repr_mimebundle_()
    assert bundle["text/plain"] == graph.dsl
    page = bundle["text/html"]
    match = re.search(r'src="data:image/gif;base64,([^"]+)"', page)
    assert match is not None
    strip = Image.open(io.BytesIO(base64.b64decode(match[1])))
    assert getattr(strip, "n_frames", 1) == 16, "every frame of the clip"
    assert strip.size[0] > 2 * strip.size[1], "two panels side by side"
    assert "perception: " in page, "the notes are shown"
    assert re.search(r'<span style="[^"]+">scene</span>', page), "the DSL is highlighted"
