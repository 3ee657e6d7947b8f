"""A clip as perception reads it: at its own resolution up to a working size, with its frame rate and limits.

Perception works at the clip's native resolution, shrunk only when it is wider than ``WORKING_WIDTH`` (a 4K or
1080p clip is read at 640x360, with a note), and on at most ``WORKING_FRAMES`` evenly spaced frames. A clip that
is not 16:9 is padded to it with its own background colour, since Manim's frame is 16:9 and padding with the
background reads as empty canvas.

Inputs out of scope are refused with an ``InputError`` naming the file: a clip longer than ``MAX_SECONDS``, and a
photograph or natural video (no flat background: less than ``MIN_BACKGROUND`` of the pixels share one colour).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import av
import numpy as np
from PIL import Image

from jepa_planner.data.clips import resample_indices
from jepa_planner.evaluation.fidelity import background_colour
from jepa_planner.planning.inputs import FrameSource, InputError, as_frames, clip_frames

#: Perception's working width in pixels (height follows at 16:9); wider clips are shrunk to it.
WORKING_WIDTH = 640
#: At most this many frames are read, evenly spaced.
WORKING_FRAMES = 64
#: The longest clip planned, in seconds.
MAX_SECONDS = 120.0
#: Frame rate assumed when the input carries none (arrays, folders of frames): Manim's ``-ql`` rate.
DEFAULT_FPS = 15.0
#: Share of pixels that must have the background's colour for a clip to look like a Manim animation.
MIN_BACKGROUND = 0.25


@dataclass(frozen=True)
class PerceivedClip:
    """Frames at the working size, and how they map to time.

    ``frames`` is ``[T, H, W, 3]`` uint8 (16:9); ``duration`` the clip's length in seconds; ``native`` its
    ``(width, height)`` and frame count; ``background`` its ``[3]`` uint8 colour.
    """

    frames: np.ndarray
    duration: float
    native: tuple[int, int, int]
    background: np.ndarray
    notes: tuple[str, ...]

    def seconds(self, frame: float) -> float:
        """The time at the start of working frame ``frame``."""
        return frame * self.duration / len(self.frames)


def frame_rate(path: Path) -> float | None:
    """The clip's frame rate when its file says (a video stream's average rate, a GIF's frame duration)."""
    suffix = path.suffix.lower()
    try:
        if suffix == ".gif":
            with Image.open(path) as image:
                duration = image.info.get("duration")
            return 1000.0 / float(duration) if duration else None
        if path.is_file() and suffix not in (".png", ".jpg", ".jpeg", ".webp", ".bmp"):
            with av.open(str(path)) as container:
                rate = container.streams.video[0].average_rate
            return float(rate) if rate else None
    except (OSError, ValueError, IndexError, av.error.FFmpegError):
        return None
    return None


def _working_size(width: int, height: int) -> tuple[int, int]:
    """16:9 canvas size for a ``width`` x ``height`` clip, at most ``WORKING_WIDTH`` wide."""
    canvas_w = max(width, round(height * 16 / 9))
    scale = min(1.0, WORKING_WIDTH / canvas_w)
    out_w = max(16, round(canvas_w * scale))
    return out_w, max(9, round(out_w * 9 / 16))


def _fit(frame: np.ndarray, size: tuple[int, int], background: np.ndarray) -> np.ndarray:
    height, width = frame.shape[:2]
    canvas_w, canvas_h = max(width, round(height * 16 / 9)), max(height, round(width * 9 / 16))
    if (canvas_w, canvas_h) != (width, height):
        canvas = np.empty((canvas_h, canvas_w, 3), np.uint8)
        canvas[:] = background
        top, left = (canvas_h - height) // 2, (canvas_w - width) // 2
        canvas[top : top + height, left : left + width] = frame
        frame = canvas
    if (frame.shape[1], frame.shape[0]) == size:
        return frame
    return np.asarray(Image.fromarray(frame).resize(size, Image.Resampling.BOX))


def read_clip(source: FrameSource, *, fps: float | None = None, duration: float | None = None) -> PerceivedClip:
    """Read a clip for perception (see the module docstring); ``fps``/``duration`` override what the file says."""
    name = str(source) if isinstance(source, str | Path) else "<array>"
    stream = clip_frames(Path(source)) if isinstance(source, str | Path) else iter(as_frames(source))
    # Frames are shrunk as they are decoded: a minute of 1080p is gigabytes at full size.
    first = next(stream)
    (height, width), size = first.shape[:2], _working_size(first.shape[1], first.shape[0])
    padding = background_colour(first[None])
    fitted = [_fit(first, size, padding)] + [_fit(frame, size, padding) for frame in stream]
    count = len(fitted)
    rate = fps or (frame_rate(Path(source)) if isinstance(source, str | Path) else None) or DEFAULT_FPS
    seconds = duration or count / rate
    if seconds > MAX_SECONDS:
        raise InputError(
            f"the clip lasts {seconds:.0f} s; the planner reads clips of at most {MAX_SECONDS:.0f} s",
            filename=name,
            hint="cut it into scenes and plan each one",
        )
    frames = np.stack([fitted[i] for i in resample_indices(count, min(count, WORKING_FRAMES))])
    background = background_colour(frames)
    share = float((np.abs(frames[0].astype(np.int16) - background).max(axis=-1) <= 8).mean())
    if share < MIN_BACKGROUND:
        raise InputError(
            f"only {share:.0%} of the first frame is one background colour: this looks like a photograph or a "
            "natural video",
            filename=name,
            hint="the planner reads Manim-style animations: flat shapes and text on a plain background",
        )
    notes = []
    if count == 1:
        notes.append("a single frame: planned as a still picture")
    if size[0] < width:
        notes.append(f"perceived at {size[0]}x{size[1]} (the clip is {width}x{height})")
    if len(frames) < count:
        notes.append(f"perceived {len(frames)} of {count} frames, evenly spaced")
    if not fps and not (isinstance(source, str | Path) and frame_rate(Path(source))) and duration is None:
        notes.append(f"no frame rate in the input: assumed {DEFAULT_FPS:g} fps")
    return PerceivedClip(frames, seconds, (width, height, count), background, tuple(notes))
