"""L0 validity on random scenes: every scene that passes the checks compiles, is valid Python, and renders.

Also holds the compiler's promise that its output is already ``ruff format``-ted, on a fixed sample of scenes, and
regression tests for the bugs the random scenes found.
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
from codegen.render import render_frames
from dsl import ir
from dsl.checks import check
from tests.strategies import valid_scenes

_SLOW_DRAWS = [HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much]


def _assert_frames(frames: np.ndarray, height: int, width: int) -> None:
    assert frames.dtype == np.uint8
    assert frames.ndim == 4 and frames.shape[1:] == (height, width, 3), frames.shape
    assert frames.shape[0] >= 1


@settings(max_examples=200, deadline=None, suppress_health_check=_SLOW_DRAWS)
@given(valid_scenes())
def test_valid_scenes_compile_and_render(scene: ir.Scene) -> None:
    source = compile_scene(scene)
    compile(source, f"<{scene.name}>", "exec")
    _assert_frames(render_frames(scene, 32, 18, 5), 18, 32)


@pytest.fixture(scope="module")
def text_media_dir(tmp_path_factory: pytest.TempPathFactory) -> str:
    """A media dir of its own: Manim caches Text SVGs by content only, so a render at another size could poison it."""
    return str(tmp_path_factory.mktemp("media-64x36"))


@settings(max_examples=50, deadline=None, suppress_health_check=_SLOW_DRAWS)
@given(valid_scenes())
def test_valid_scenes_with_text_render_at_64x36(text_media_dir: str, scene: ir.Scene) -> None:
    """The same scenes at the storage size of the data engine, each in one shared media dir."""
    _assert_frames(render_frames(scene, 64, 36, 5, media_dir=text_media_dir), 36, 64)


def _ruff() -> str:
    found = shutil.which("ruff") or shutil.which("ruff", path=str(Path(sys.executable).parent))
    assert found is not None, "ruff is a dev dependency: pip install -e '.[dev]'"
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


# --- bugs the random scenes found, now fixed -------------------------------------------------------------------


def _play(*animations: ir.AnimationBase) -> ir.Play:
    return ir.Play(animations=animations)


def test_grow_arrow_on_a_plain_line_is_a_type_error() -> None:
    """Manim's GrowArrow scales the tips, which a Line lacks: the checks reject it instead of Manim failing."""
    scene = ir.Scene(
        objects=(ir.Line(name="l", start=(0.0, 0.0), end=(1.0, 0.0)),), timeline=(_play(ir.GrowArrow(target="l")),)
    )
    assert [error.message for error in check(scene)] == ["GrowArrow needs an Arrow or DoubleArrow, but l is a Line"]


def test_text_renders_at_32x18(tmp_path: Path) -> None:
    """Pango draws on the global canvas, which no longer shrinks with the output."""
    scene = ir.Scene(
        objects=(ir.Circle(name="c"), ir.TextObj(name="t", text="small frames")),
        relations=(ir.AlignTo(subject="t", target="c", edge="UP"),),
        timeline=(_play(ir.Create(target="c"), ir.Write(target="t")),),
    )
    assert check(scene) == []
    frames = render_frames(scene, 32, 18, 5, media_dir=str(tmp_path))
    _assert_frames(frames, 18, 32)
    assert frames[-1].max() > 0


@pytest.mark.parametrize("name", ["None", "True", "Circle", "Create"])
def test_scene_names_that_python_or_manim_use_are_rejected(name: str) -> None:
    with pytest.raises(ValueError, match="cannot name a scene"):
        ir.Scene(name=name)


def test_text_keeps_every_glyph_at_64x36(tmp_path: Path) -> None:
    from codegen.runtime import configure

    configure(5, media_dir=str(tmp_path))
    from manim import Text

    assert len(Text("hello world").family_members_with_points()) == len("helloworld")
