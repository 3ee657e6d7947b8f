"""In-process rendering of compiled scenes with Manim's Cairo renderer, writing no movie.

Manim's global config is set once per process (``tempconfig`` per clip costs ~20 ms), and each process gets its
own media dir, because processes sharing one race on the Pango and TeX caches. Frames are captured by a
``CairoRenderer`` subclass that keeps them in memory instead of handing them to the file writer.

The compiled source is executed to get the Scene class. That is the compiler's own output, never user text:
scene strings reach it only as literals (see ``codegen.compiler``), exactly as when ``manim`` imports the file.

Examples
--------
>>> frames = render_frames(parse(text), width=64, height=36, fps=10)   # doctest: +SKIP
>>> frames.shape, frames.dtype                                          # doctest: +SKIP
((T, 36, 64, 3), dtype('uint8'))
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from codegen.compiler import compile_scene
from dsl import ir
from dsl.errors import DSLError

if TYPE_CHECKING:
    from manim import Scene

DEFAULT_WIDTH = 128
DEFAULT_HEIGHT = 72
DEFAULT_FPS = 15


class RenderError(DSLError):
    """Manim failed on a scene, for example on a LaTeX formula that does not compile."""

    code = "render error"


@dataclass(frozen=True)
class RenderSettings:
    """The process-wide Manim settings that rendering depends on."""

    width: int
    height: int
    fps: float
    media_dir: str


_current: RenderSettings | None = None


def default_media_dir() -> str:
    """A media dir private to this process (``DSL2MANIM_MEDIA`` overrides the parent folder)."""
    root = os.environ.get("DSL2MANIM_MEDIA") or tempfile.gettempdir()
    return str(Path(root) / f"dsl2manim-media-{os.getpid()}")


def configure(width: int, height: int, fps: float, media_dir: str | None = None) -> None:
    """Set Manim's global config for rendering; cheap when nothing changes, so call it before every render."""
    global _current
    settings = RenderSettings(width, height, fps, media_dir or default_media_dir())
    if settings == _current:
        return
    from manim import config

    config.pixel_width = width
    config.pixel_height = height
    config.frame_rate = fps
    config.format = "none"
    config.disable_caching = True
    config.media_dir = settings.media_dir
    config.verbosity = "ERROR"
    config.progress_bar = "none"
    _current = settings


def scene_class(source: str, name: str) -> type[Scene]:
    """Execute compiled source (the compiler's output only) and return its Scene class."""
    namespace: dict[str, Any] = {"__name__": f"dsl2manim_{name}"}
    exec(compile(source, f"<dsl2manim:{name}>", "exec"), namespace)  # noqa: S102 - compiler output, see module doc
    cls: type[Scene] = namespace[name]
    return cls


def _capturing_renderer(on_frame: Callable[[np.ndarray, int], None]) -> Any:
    from manim.renderer.cairo_renderer import CairoRenderer

    class CapturingRenderer(CairoRenderer):
        """Hands each frame to ``on_frame`` instead of the movie writer."""

        def add_frame(self, frame: np.ndarray, num_frames: int = 1) -> None:
            if self.skip_animations:
                return
            self.time += num_frames / self.camera.frame_rate
            on_frame(frame, num_frames)

    return CapturingRenderer()


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
    except DSLError:
        raise
    except Exception as exc:  # Manim raises plain exceptions (LaTeX, Pango); the user gets one typed error.
        message = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise RenderError(
            f"Manim failed on scene {scene.name}: {type(exc).__name__}: {message}",
            hint="run `dsl2manim check` on the scene; a checked scene that fails here is a bug in dsl2manim",
        ) from exc
    return instance


def render_frames(
    scene: ir.Scene,
    width: int = DEFAULT_WIDTH,
    height: int = DEFAULT_HEIGHT,
    fps: float = DEFAULT_FPS,
    *,
    media_dir: str | None = None,
) -> np.ndarray:
    """Render a scene in-process and return its frames as uint8 ``[T, H, W, 3]``.

    A scene without steps gives one frame of its final layout.

    Examples
    --------
    DSL ``c = Circle()`` and ``play(Create(c), run_time=1.0)`` at ``fps=10`` gives 10 frames.
    """
    configure(width, height, fps, media_dir)
    frames: list[np.ndarray] = []

    def keep(frame: np.ndarray, repeat: int) -> None:
        rgb = np.ascontiguousarray(frame[..., :3])
        frames.extend([rgb] * repeat)

    renderer = _capturing_renderer(keep)
    run_scene(scene, renderer)
    if not frames:
        # With no play or wait, Manim draws the final layout once at the end and adds no frame.
        frames.append(np.ascontiguousarray(renderer.get_frame()[..., :3]))
    return np.stack(frames)
