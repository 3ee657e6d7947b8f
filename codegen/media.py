"""Write rendered frames to mp4 (PyAV, H.264), gif or png (Pillow), atomically.

Every writer renders into a temporary file beside the target and renames it into place, so a crash never leaves
a half-written file under the user's name. Whether an existing file may be replaced is the caller's decision.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import numpy as np

SUFFIXES = (".mp4", ".gif", ".png")


@contextmanager
def atomic_path(target: Path) -> Iterator[Path]:
    """Yield a temporary path beside ``target``; on success it is renamed onto ``target``, else removed."""
    target.parent.mkdir(parents=True, exist_ok=True)
    handle, name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=target.suffix, dir=target.parent)
    os.close(handle)
    temp = Path(name)
    # mkstemp makes the file private (0600); give it the permissions a plain open() would have. Writers that
    # recreate the file (safetensors does) get the same mode again before the rename.
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(temp, 0o666 & ~umask)
    try:
        yield temp
        os.chmod(temp, 0o666 & ~umask)
        os.replace(temp, target)
    finally:
        temp.unlink(missing_ok=True)


def write_text(target: Path, text: str) -> None:
    """Write UTF-8 text atomically."""
    with atomic_path(target) as temp:
        temp.write_text(text, encoding="utf-8")


def _write_png(frames: np.ndarray, path: Path, fps: float) -> None:
    from PIL import Image

    Image.fromarray(frames[-1]).save(path, format="PNG")


def _write_gif(frames: np.ndarray, path: Path, fps: float) -> None:
    from PIL import Image

    images = [Image.fromarray(frame) for frame in frames]
    duration = max(int(round(1000 / fps)), 20)
    images[0].save(path, format="GIF", save_all=True, append_images=images[1:], duration=duration, loop=0)


def _write_mp4(frames: np.ndarray, path: Path, fps: float) -> None:
    import av

    # H.264 with 4:2:0 chroma needs even sides; pad with the last row/column rather than rescale.
    height, width = frames.shape[1:3]
    padded = np.pad(frames, ((0, 0), (0, height % 2), (0, width % 2), (0, 0)), mode="edge")
    with av.open(str(path), mode="w", format="mp4") as container:
        stream = container.add_stream("libx264", rate=int(round(fps)))
        stream.width, stream.height = padded.shape[2], padded.shape[1]
        stream.pix_fmt = "yuv420p"
        for frame in padded:
            for packet in stream.encode(av.VideoFrame.from_ndarray(frame, format="rgb24")):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)


_WRITERS: dict[str, Callable[[np.ndarray, Path, float], None]] = {
    ".mp4": _write_mp4,
    ".gif": _write_gif,
    ".png": _write_png,
}


def write_frames(frames: np.ndarray, target: str | Path, fps: float) -> Path:
    """Write ``[T, H, W, 3]`` uint8 frames to ``target``; the suffix picks mp4, gif or png (the last frame).

    Examples
    --------
    ``dsl2manim render demo.mscene -o demo.gif`` ends here with the frames of ``render_frames``.
    """
    target = Path(target)
    suffix = target.suffix.lower()
    if suffix not in _WRITERS:
        raise ValueError(f"unsupported output {target.name!r}: use one of {', '.join(SUFFIXES)}")
    assert frames.ndim == 4 and frames.shape[-1] == 3 and frames.dtype == np.uint8, "frames must be [T,H,W,3] uint8"
    with atomic_path(target) as temp:
        _WRITERS[suffix](frames, temp, fps)
    return target
