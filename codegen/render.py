"""In-process rendering of compiled scenes with Manim's Cairo renderer, writing no movie.

Frames are captured by a ``CairoRenderer`` subclass (see ``codegen.trace``) that keeps them in memory instead of
handing them to the file writer.

Examples
--------
>>> frames = render_frames(parse(text), width=64, height=36, fps=10)   # doctest: +SKIP
>>> frames.shape, frames.dtype                                          # doctest: +SKIP
((T, 36, 64, 3), dtype('uint8'))
"""

from __future__ import annotations

import numpy as np

from codegen.runtime import RenderError
from codegen.trace import trace_scene
from dsl import ir

__all__ = ["DEFAULT_FPS", "DEFAULT_HEIGHT", "DEFAULT_WIDTH", "RenderError", "render_frames"]

DEFAULT_WIDTH = 128
DEFAULT_HEIGHT = 72
DEFAULT_FPS = 15


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
    trace = trace_scene(
        scene, mode="frames", width=width, height=height, fps=fps, media_dir=media_dir, frame_boxes=False
    )
    frames = trace.frames
    assert frames is not None, "frames mode always returns frames"
    return frames
