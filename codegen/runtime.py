"""Running compiled scenes inside this process: Manim's config, the Scene class, and one guarded run.

Manim's global config is set once per process (``tempconfig`` per clip costs ~20 ms), and each process gets its
own media dir, because processes sharing one race on the Pango and TeX caches.

The global pixel size stays at Manim's 1920x1080 whatever the output size: Text is drawn by Pango on a canvas of
the global size, and on a small one it loses glyphs (at 64x36 it keeps about half of "hello world"). The output
size goes to the renderer's own ``Camera`` instead (``camera_factory``).

The compiled source is executed to get the Scene class. That is the compiler's own output, never user text:
scene strings reach it only as literals (see ``codegen.compiler``), exactly as when ``manim`` imports the file.
"""

from __future__ import annotations

import functools
import os
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from codegen.compiler import compile_scene
from dsl import ir
from dsl.errors import DSLError

if TYPE_CHECKING:
    from manim import Scene


class RenderError(DSLError):
    """Manim failed on a scene, for example on a LaTeX formula that does not compile."""

    code = "render error"


class SceneStopped(Exception):
    """Raised inside a running scene by an observer that has seen enough; ``run_scene`` lets it through."""


@dataclass(frozen=True)
class RenderSettings:
    """The process-wide Manim settings that rendering depends on."""

    fps: float
    media_dir: str


_current: RenderSettings | None = None


def default_media_dir() -> str:
    """A media dir private to this process (``DSL2MANIM_MEDIA`` overrides the parent folder)."""
    root = os.environ.get("DSL2MANIM_MEDIA") or tempfile.gettempdir()
    return str(Path(root) / f"dsl2manim-media-{os.getpid()}")


#: The global canvas; see the module docstring for why it never follows the output size.
CANVAS = (1920, 1080)
#: Manim's frame in units at 16:9, the aspect every layout check and label assumes.
FRAME_HEIGHT = 8.0
FRAME_WIDTH = FRAME_HEIGHT * 16 / 9


def configure(fps: float, media_dir: str | None = None) -> None:
    """Set Manim's global config for rendering; cheap when nothing changes, so call it before every render."""
    global _current
    settings = RenderSettings(fps, media_dir or default_media_dir())
    if settings == _current:
        return
    from manim import config

    config.pixel_width, config.pixel_height = CANVAS
    config.frame_rate = fps
    config.format = "none"
    config.disable_caching = True
    config.media_dir = settings.media_dir
    config.verbosity = "ERROR"
    config.progress_bar = "none"
    _current = settings


def camera_factory(width: int, height: int, fps: float) -> Callable[[], Any]:
    """A camera maker for ``CairoRenderer(camera_class=...)`` that draws ``width`` x ``height`` pixels.

    The frame is always 8 units high; its width follows the output's aspect ratio, as Manim's own would.
    """
    from manim.camera.camera import Camera

    return functools.partial(
        Camera,
        pixel_width=width,
        pixel_height=height,
        frame_rate=fps,
        frame_height=FRAME_HEIGHT,
        frame_width=FRAME_HEIGHT * width / height,
    )


def scene_class(source: str, name: str) -> type[Scene]:
    """Execute compiled source (the compiler's output only) and return its Scene class."""
    namespace: dict[str, Any] = {"__name__": f"dsl2manim_{name}"}
    exec(compile(source, f"<dsl2manim:{name}>", "exec"), namespace)  # noqa: S102 - compiler output, see module doc
    cls: type[Scene] = namespace[name]
    return cls


def run_scene(
    scene: ir.Scene,
    renderer: Any,
    *,
    source: str | None = None,
    wrap: Callable[[type[Scene]], type[Scene]] | None = None,
) -> Scene:
    """Build the compiled scene on ``renderer`` and play it; Manim failures become ``RenderError``.

    ``wrap`` may subclass the compiled Scene class first, to observe it (the layout checker does).
    """
    source = source if source is not None else compile_scene(scene)
    cls = scene_class(source, scene.name)
    instance = (wrap(cls) if wrap else cls)(renderer=renderer)
    try:
        instance.render()
    except (DSLError, SceneStopped):
        raise
    except Exception as exc:  # Manim raises plain exceptions (LaTeX, Pango); the user gets one typed error.
        message = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise RenderError(
            f"Manim failed on scene {scene.name}: {type(exc).__name__}: {message}",
            hint="run `dsl2manim check` on the scene; a checked scene that fails here is a bug in dsl2manim",
        ) from exc
    return instance
