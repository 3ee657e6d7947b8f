"""L0 validity on random scenes: every scene that passes the checks compiles, is valid Python, and renders.

Also holds the compiler's promise that its output is already ``ruff format``-ted, on a fixed sample of scenes, and
minimal reproductions of the bugs the random scenes found (marked ``xfail(strict=True)``: when a fix lands they
start passing, which fails the run until the marker and the matching exclusion in ``_clear_of_known_bugs`` go).
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, Phase, given, seed, settings

from codegen.compiler import compile_scene
from codegen.render import RenderError, render_frames
from dsl import ir
from dsl.checks import check
from tests.strategies import valid_scenes

_SLOW_DRAWS = [HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much]


def _clear_of_known_bugs(scene: ir.Scene, *, text: bool) -> bool:
    """False for scenes that hit a known, reproduced bug (see the xfail tests below)."""
    kinds = {obj.name: obj.kind for obj in scene.objects}
    for step in scene.timeline:
        if isinstance(step, ir.Play) and any(
            isinstance(animation, ir.GrowArrow) and kinds[animation.target] == "Line" for animation in step.animations
        ):
            return False
    return text or "Text" not in kinds.values()


def _assert_frames(frames: np.ndarray, height: int, width: int) -> None:
    assert frames.dtype == np.uint8
    assert frames.ndim == 4 and frames.shape[1:] == (height, width, 3), frames.shape
    assert frames.shape[0] >= 1


@settings(max_examples=200, deadline=None, suppress_health_check=_SLOW_DRAWS)
@given(valid_scenes().filter(lambda scene: _clear_of_known_bugs(scene, text=False)))
def test_valid_scenes_compile_and_render(scene: ir.Scene) -> None:
    source = compile_scene(scene)
    compile(source, f"<{scene.name}>", "exec")
    _assert_frames(render_frames(scene, 32, 18, 5), 18, 32)


@pytest.fixture(scope="module")
def text_media_dir(tmp_path_factory: pytest.TempPathFactory) -> str:
    """A media dir of its own: Manim caches Text SVGs by content only, so a render at another size could poison it."""
    return str(tmp_path_factory.mktemp("media-64x36"))


@settings(max_examples=50, deadline=None, suppress_health_check=_SLOW_DRAWS)
@given(valid_scenes().filter(lambda scene: _clear_of_known_bugs(scene, text=True)))
def test_valid_scenes_with_text_render_at_64x36(text_media_dir: str, scene: ir.Scene) -> None:
    """Text only renders where the frame is tall enough for Pango's canvas (see the xfail test below)."""
    _assert_frames(render_frames(scene, 64, 36, 5, media_dir=text_media_dir), 36, 64)


def _ruff() -> str:
    found = shutil.which("ruff") or shutil.which("ruff", path=str(Path(sys.executable).parent))
    if found is None:
        pytest.skip("ruff is not installed")
    return found


def _tricky_strings_scene() -> ir.Scene:
    texts = ['say "hi"', "it's", 'it\'s "both"', "a\\b", "tab\there", "é ∑ 😀", "line\nbreak", "x" * 120]
    objects = tuple(ir.TextObj(name=f"t{i}", text=text) for i, text in enumerate(texts))
    return ir.Scene(name="Strings", objects=(*objects, ir.MathTex(name="m", tex=r"\frac{a}{b} + \sqrt{2}")))


def test_compiled_sources_are_ruff_formatted(tmp_path: Path) -> None:
    """The compiler promises ``ruff format --line-length 88`` output; check 50 fixed random scenes in one run."""
    sources: list[str] = []

    @seed(20261124)
    @settings(max_examples=50, database=None, deadline=None, phases=[Phase.generate], suppress_health_check=_SLOW_DRAWS)
    @given(valid_scenes(max_objects=8, max_steps=8))
    def collect(scene: ir.Scene) -> None:
        sources.append(compile_scene(scene))

    collect()
    sources.append(compile_scene(_tricky_strings_scene()))
    assert len(sources) >= 50
    for index, source in enumerate(sources):
        (tmp_path / f"scene_{index:02d}.py").write_text(source, encoding="utf-8")
    command = [_ruff(), "format", "--isolated", "--check", "--diff", "--line-length", "88", str(tmp_path)]
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout + result.stderr


# --- known bugs, reproduced -----------------------------------------------------------------------------------


def _play(*animations: ir.AnimationBase) -> ir.Play:
    return ir.Play(animations=animations)


@pytest.mark.xfail(
    strict=True,
    raises=RenderError,
    reason="BUG: check accepts GrowArrow on a Line (ir.ARROW_KINDS), but Manim's GrowArrow calls "
    "scale(..., scale_tips=True), which only Arrow has",
)
def test_grow_arrow_on_a_line_renders() -> None:
    scene = ir.Scene(
        objects=(ir.Line(name="l", start=(0.0, 0.0), end=(1.0, 0.0)),), timeline=(_play(ir.GrowArrow(target="l")),)
    )
    assert check(scene) == []
    _assert_frames(render_frames(scene, 32, 18, 5), 18, 32)


@pytest.mark.xfail(
    strict=True,
    raises=RenderError,
    reason="BUG: Manim draws Text with Pango on a config.pixel_width x pixel_height canvas from y=20, so below "
    "~20 px high a Text has no points (it renders blank, and align_to on it raises IndexError)",
)
def test_text_renders_at_32x18(tmp_path: Path) -> None:
    scene = ir.Scene(
        objects=(ir.Circle(name="c"), ir.TextObj(name="t", text="small frames")),
        relations=(ir.AlignTo(subject="t", target="c", edge="UP"),),
        timeline=(_play(ir.Create(target="c"), ir.Write(target="t")),),
    )
    assert check(scene) == []
    _assert_frames(render_frames(scene, 32, 18, 5, media_dir=str(tmp_path)), 18, 32)


@pytest.mark.xfail(
    strict=True,
    raises=(SyntaxError, RenderError),
    reason="BUG: scene names that are Python keywords or Manim names pass the checks but break the compiled class",
)
@pytest.mark.parametrize("name", ["None", "True", "Circle", "Create"])
def test_any_checked_scene_name_compiles_and_renders(name: str) -> None:
    scene = ir.Scene(name=name, objects=(ir.Circle(name="c"),), timeline=(_play(ir.Create(target="c")),))
    assert check(scene) == []
    compile(compile_scene(scene), f"<{name}>", "exec")
    _assert_frames(render_frames(scene, 32, 18, 5), 18, 32)


@pytest.mark.xfail(
    strict=True,
    raises=AssertionError,
    reason="BUG: the Pango canvas is the output frame, so at 64x36 Text keeps only the glyphs within 64 px of x=30",
)
def test_text_keeps_every_glyph_at_64x36(tmp_path: Path) -> None:
    from codegen.runtime import configure

    configure(64, 36, 5, media_dir=str(tmp_path))
    from manim import Text

    assert len(Text("hello world").family_members_with_points()) == len("helloworld")
