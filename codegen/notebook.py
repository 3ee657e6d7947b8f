"""Clips for notebooks: a scene rendered in-process as an animated GIF inside an ``<img>`` tag.

Used by the rich display of ``dsl.ir.Scene`` (``dsl.display``) and of a plan (``jepa_planner.planning.display``).
A scene that Manim cannot render shows the error's message instead, so a display never raises.

Examples
--------
>>> import numpy as np
>>> gif_tag(np.zeros((2, 18, 32, 3), np.uint8), fps=5).startswith('<img src="data:image/gif;base64,')
True
"""

from __future__ import annotations

import base64
import html
import io

import numpy as np
from PIL import Image

from dsl import ir
from dsl.errors import DSLError

#: Notebook clips: small enough to keep the notebook light, big enough to read text.
WIDTH, HEIGHT, FPS = 256, 144, 10.0


def gif_tag(frames: np.ndarray, fps: float, *, alt: str = "clip") -> str:
    """``[T, H, W, 3]`` uint8 frames as an ``<img>`` holding a looping GIF (a still PNG for one frame)."""
    pictures = [Image.fromarray(frame) for frame in frames]
    buffer = io.BytesIO()
    if len(pictures) == 1:
        pictures[0].save(buffer, format="PNG")
        mime = "image/png"
    else:
        pictures[0].save(
            buffer,
            format="GIF",
            save_all=True,
            append_images=pictures[1:],
            duration=max(int(round(1000 / fps)), 20),
            loop=0,
        )
        mime = "image/gif"
    data = base64.b64encode(buffer.getvalue()).decode("ascii")
    return f'<img src="data:{mime};base64,{data}" alt="{html.escape(alt)}"/>'


def clip_html(scene: ir.Scene, *, width: int = WIDTH, height: int = HEIGHT, fps: float = FPS) -> str:
    """The scene rendered in-process as an ``<img>``; a render error becomes its message."""
    from codegen.render import render_frames

    try:
        frames = render_frames(scene, width, height, fps)
    except DSLError as error:
        return f"<pre>{html.escape(error.message)}</pre>"
    return gif_tag(frames, fps, alt=f"scene {scene.name}")
