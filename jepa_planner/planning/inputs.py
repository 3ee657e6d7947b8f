"""The planner's inputs: a clip or storyboard keyframes, read from disk or taken as arrays, fitted to the model.

A clip is a video PyAV opens (``.mp4``, ``.webm``, ``.mov``, ``.mkv``, ...), an animated ``.gif``, a folder of
frames (``.png``/``.jpg``, in natural order: ``frame2`` before ``frame10``) or one still image (a clip of one
frame). Keyframes are still images, given one by one or as a folder, optionally with the time of each.

The model sees clips of ``length`` frames (16) at ``size`` (64x36), RGB uint8 on black, as in its training data.
Fitting works like the training data: time is resampled with ``resample_indices`` (the frame at the centre of each
slot), and space is resized. A picture whose aspect ratio is not the model's (16:9) is first padded with black to
it, never stretched, because black is Manim's background and so the padding reads as empty canvas. Every change is
reported as a human-readable note rather than refused: a wrong resolution is the normal case, not an error.

Examples
--------
::

    clip, notes = load_clip("demo.mp4")
    # clip.shape == (16, 36, 64, 3)
    # notes == ["resampled 45 frames to 16", "resized 1920x1080 to 64x36"]
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from fractions import Fraction
from itertools import pairwise
from pathlib import Path

import av
import numpy as np
from PIL import Image, ImageSequence

from jepa_planner import clip_format
from jepa_planner.data.clips import resample_indices
from jepa_planner.errors import PlannerError

#: What the model sees: frames per clip, and (width, height).
MODEL_LENGTH = clip_format.FRAMES
MODEL_SIZE = clip_format.SIZE
#: Containers read with PyAV.
VIDEO_SUFFIXES = (".mp4", ".webm", ".mov", ".mkv", ".avi", ".m4v")
#: Files read with Pillow: every frame of a .gif, one frame of a still.
IMAGE_SUFFIXES = (".gif", ".png", ".jpg", ".jpeg", ".webp", ".bmp")
#: The files of a folder of frames; anything else in the folder (and hidden files) is ignored.
FRAME_SUFFIXES = (".png", ".jpg", ".jpeg", ".webp", ".bmp")
#: Aspect ratios closer than this (relative) are resized as they are: padding would add a sub-pixel black edge.
ASPECT_TOLERANCE = 0.01

_KINDS = "a video (.mp4, .webm, .mov, .mkv), a .gif, an image, or a folder of .png/.jpg frames"

#: A clip as the planner's ``Spec`` accepts it: a path to read, or frames already in memory.
FrameSource = str | Path | np.ndarray


class InputError(PlannerError):
    """A clip or keyframe input is missing, unreadable, empty, or not shaped like frames."""

    code = "input error"


def natural_key(name: str) -> tuple[tuple[int, str, int], ...]:
    """Sort key that orders the numbers inside names by value, so ``frame2`` comes before ``frame10``.

    Examples
    --------
    >>> sorted(["f10.png", "f2.png", "F1.png"], key=natural_key)
    ['F1.png', 'f2.png', 'f10.png']
    """
    # Each part is (is-number, text, value), so text never meets a number in a comparison.
    parts = re.split(r"(\d+)", name)
    return tuple((1, "", int(part)) if part.isdigit() else (0, part.lower(), 0) for part in parts if part)


def frame_files(folder: Path) -> list[Path]:
    """The frame images in ``folder`` in natural order, skipping hidden files (such as half-written temporaries)."""
    files = [p for p in folder.iterdir() if p.suffix.lower() in FRAME_SUFFIXES and not p.name.startswith(".")]
    return sorted(files, key=lambda p: (natural_key(p.name), p.name))


def _rgb(image: Image.Image) -> np.ndarray:
    """``[H, W, 3]`` uint8; transparent pixels are composited over black, Manim's background."""
    if image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info:
        rgba = image.convert("RGBA")
        return np.asarray(Image.alpha_composite(Image.new("RGBA", rgba.size, (0, 0, 0, 255)), rgba).convert("RGB"))
    return np.asarray(image.convert("RGB"))


def _video_frames(path: Path) -> Iterator[np.ndarray]:
    try:
        with av.open(str(path)) as container:
            if not container.streams.video:
                raise InputError("the file holds no video stream", filename=str(path), hint=f"pass {_KINDS}")
            for frame in container.decode(video=0):
                yield frame.to_ndarray(format="rgb24")
    except av.error.FFmpegError as error:
        raise InputError(
            f"cannot decode the video: {error.strerror or error}", filename=str(path), hint="is the file complete?"
        ) from None


def _image_frames(path: Path) -> Iterator[np.ndarray]:
    try:
        with Image.open(path) as image:
            if path.suffix.lower() != ".gif":
                yield _rgb(image)
                return
            # Pillow composites each GIF frame onto the previous ones (honouring disposal) as it seeks.
            for frame in ImageSequence.Iterator(image):
                yield _rgb(frame)
    except (OSError, EOFError, ValueError, Image.DecompressionBombError) as error:
        raise InputError(f"cannot read the image: {error}", filename=str(path), hint="is the file complete?") from None


def _iter_frames(path: Path) -> Iterator[tuple[Path, np.ndarray]]:
    """Each frame of the input at ``path`` with the file it came from; raises for anything unreadable."""
    if not path.exists():
        raise InputError("the input does not exist", filename=str(path), hint=f"pass {_KINDS}")
    if path.is_dir():
        for file in frame_files(path):
            for frame in _image_frames(file):
                yield file, frame
        return
    suffix = path.suffix.lower()
    if suffix in VIDEO_SUFFIXES:
        yield from ((path, frame) for frame in _video_frames(path))
    elif suffix in IMAGE_SUFFIXES:
        yield from ((path, frame) for frame in _image_frames(path))
    else:
        raise InputError(
            f"unsupported input type {suffix or '(no suffix)'!r}", filename=str(path), hint=f"pass {_KINDS}"
        )


def _clip_frames(path: Path) -> Iterator[np.ndarray]:
    """Each frame of the clip at ``path``; raises when there is none, or when frames differ in size."""
    first: tuple[Path, tuple[int, ...]] | None = None
    for count, (file, frame) in enumerate(_iter_frames(path), start=1):
        if first is None:
            first = (file, frame.shape)
        elif frame.shape != first[1]:
            (height, width), (first_h, first_w) = frame.shape[:2], first[1][:2]
            raise InputError(
                f"frame {count} is {width}x{height} but the first frame ({first[0].name}) is {first_w}x{first_h}",
                filename=str(file),
                hint=f"every frame of the clip in {path} must have the same size",
            )
        yield frame
    if first is None:
        hint = f"put .png or .jpg frames in {path}" if path.is_dir() else "is the file complete?"
        raise InputError("the input holds no frames", filename=str(path), hint=hint)


def clip_frames(path: Path) -> Iterator[np.ndarray]:
    """Each frame of the clip at ``path``, at its own size, one at a time (raises as ``read_frames`` does)."""
    return _clip_frames(path)


def read_frames(path: str | Path) -> np.ndarray:
    """Read every frame of a clip at its own resolution.

    Parameters
    ----------
    path
        A video, a ``.gif`` (every frame, composited, transparency over black), a folder of frames (natural
        order), or one still image (one frame).

    Returns
    -------
    np.ndarray
        ``[F, H, W, 3]`` uint8. A long high-resolution video takes a lot of memory this way; ``load_clip``
        fits it to the model frame by frame instead.

    Raises
    ------
    InputError
        For a missing path, an unsupported suffix, an unreadable or damaged file, no frames at all, or frames of
        differing sizes in a folder. The message names the file.
    """
    return np.stack(list(_clip_frames(Path(path))))


def as_frames(value: FrameSource) -> np.ndarray:
    """Frames from a path (read with ``read_frames``) or an array, as ``[F, H, W, 3]`` uint8.

    Arrays may be uint8, or float in [0, 1] (scaled to 0-255 and rounded). An alpha channel is composited over
    black, which for opaque pixels is the same as dropping it. Use it as a ``BeforeValidator`` of a pydantic field
    typed ``np.ndarray`` (with ``arbitrary_types_allowed``) to take either a path or frames.

    Raises
    ------
    InputError
        For an unreadable path (see ``read_frames``), or an array of the wrong shape, dtype or range.

    Examples
    --------
    >>> as_frames(np.ones((2, 36, 64, 4))).shape
    (2, 36, 64, 3)
    """
    if isinstance(value, str | Path):
        return read_frames(value)
    array = np.asarray(value)
    if array.ndim != 4 or array.shape[-1] not in (3, 4) or 0 in array.shape:
        hint = "add a frame axis with frames[None]" if array.ndim == 3 else "frames are [F, H, W, 3] (RGB) or 4 (RGBA)"
        raise InputError(f"an array of shape {array.shape} is not a clip", filename="<array>", hint=hint)
    if np.issubdtype(array.dtype, np.floating):
        if not np.isfinite(array).all() or array.min() < 0.0 or array.max() > 1.0:
            raise InputError(
                "float frames must lie in [0, 1]", filename="<array>", hint="divide 0-255 values by 255, or pass uint8"
            )
        array = np.rint(array * 255.0).astype(np.uint8)
    elif array.dtype != np.uint8:
        raise InputError(
            f"frames of dtype {array.dtype} are not supported",
            filename="<array>",
            hint="pass uint8, or float in [0, 1]",
        )
    if array.shape[-1] == 4:
        # Straight alpha over black: colour times alpha, so a transparent pixel is background whatever its colour.
        alpha = array[..., 3:].astype(np.uint16)
        array = ((array[..., :3].astype(np.uint16) * alpha + 127) // 255).astype(np.uint8)
    return np.ascontiguousarray(array)


def _ratio(width: int, height: int) -> str:
    ratio = Fraction(width, height)
    return f"{ratio.numerator}:{ratio.denominator}" if ratio.denominator <= 32 else f"{width / height:.2f}:1"


@dataclass(frozen=True)
class _Resize:
    """How one picture size becomes the model's: the black canvas it is pasted on, the filter, and the note."""

    source: tuple[int, int]
    canvas: tuple[int, int]
    size: tuple[int, int]

    @classmethod
    def plan(cls, source: tuple[int, int], size: tuple[int, int]) -> _Resize:
        (width, height), (out_w, out_h) = source, size
        canvas = source
        if abs(width * out_h / (height * out_w) - 1.0) > ASPECT_TOLERANCE:
            if width * out_h > height * out_w:  # too wide: bars above and below
                canvas = (width, round(width * out_h / out_w))
            else:  # too tall: bars at the sides
                canvas = (round(height * out_w / out_h), height)
        return cls(source, canvas, size)

    @property
    def note(self) -> str | None:
        if self.source == self.size:
            return None
        (width, height), (out_w, out_h) = self.source, self.size
        note = f"resized {width}x{height} to {out_w}x{out_h}"
        if self.canvas != self.source:
            bars = "above and below" if self.canvas[1] > height else "at the sides"
            note += f" (letterboxed from {_ratio(width, height)}, black bars {bars})"
        return note

    def __call__(self, frame: np.ndarray) -> np.ndarray:
        """Fit one ``[H, W, 3]`` frame: ``[size[1], size[0], 3]`` uint8."""
        if self.source == self.size:
            return frame
        image = Image.fromarray(frame)
        if self.canvas != self.source:
            canvas = Image.new("RGB", self.canvas)
            canvas.paste(image, ((self.canvas[0] - self.source[0]) // 2, (self.canvas[1] - self.source[1]) // 2))
            image = canvas
        # Shrinking averages the exact area each output pixel covers (BOX), as a lower-resolution render's
        # antialiasing does, so a thin stroke stays a faint line instead of vanishing between samples.
        # Enlarging has no area to average, and bilinear avoids blocky edges.
        shrinking = self.size[0] * self.size[1] < self.canvas[0] * self.canvas[1]
        return np.asarray(image.resize(self.size, Image.Resampling.BOX if shrinking else Image.Resampling.BILINEAR))


def _resample_note(native: int, length: int) -> str | None:
    if native == length:
        return None
    frames = "frame" if native == 1 else "frames"
    return f"resampled {native} {frames} to {length}" + (" (frames repeated)" if native < length else "")


def fit_size(frames: np.ndarray, size: tuple[int, int] = MODEL_SIZE) -> tuple[np.ndarray, list[str]]:
    """Resize ``[F, H, W, 3]`` frames to ``size`` (width, height), padding to its aspect ratio with black first.

    Returns the ``[F, size[1], size[0], 3]`` uint8 frames and the notes on what changed (none if nothing did).
    """
    frames = as_frames(frames)
    resize = _Resize.plan((frames.shape[2], frames.shape[1]), size)
    fitted = np.stack([resize(frame) for frame in frames])
    return fitted, [resize.note] if resize.note else []


def fit_clip(
    frames: np.ndarray, *, length: int = MODEL_LENGTH, size: tuple[int, int] = MODEL_SIZE
) -> tuple[np.ndarray, list[str]]:
    """Fit a clip to the model: exactly ``length`` frames at ``size`` (width, height).

    Time is resampled as the training data is (``resample_indices``: the frame at the centre of each of ``length``
    equal slots, repeating frames when there are fewer); space as ``fit_size`` does.

    Parameters
    ----------
    frames
        ``[F, H, W, 3]`` or ``[F, H, W, 4]``, uint8 or float in [0, 1].
    length, size
        The model's clip length and (width, height).

    Returns
    -------
    tuple[np.ndarray, list[str]]
        ``[length, size[1], size[0], 3]`` uint8, and notes such as ``"resized 320x240 to 64x36 (letterboxed from
        4:3, black bars at the sides)"``.

    Examples
    --------
    >>> clip, notes = fit_clip(np.zeros((48, 240, 320, 3), np.uint8))
    >>> clip.shape, notes[0]
    ((16, 36, 64, 3), 'resampled 48 frames to 16')
    """
    frames = as_frames(frames)
    picked = frames[resample_indices(len(frames), length)]
    fitted, notes = fit_size(picked, size)
    time_note = _resample_note(len(frames), length)
    return fitted, ([time_note] if time_note else []) + notes


def load_clip(
    source: FrameSource, *, length: int = MODEL_LENGTH, size: tuple[int, int] = MODEL_SIZE
) -> tuple[np.ndarray, list[str]]:
    """Read and fit a clip (``read_frames`` then ``fit_clip``), resizing each frame as it is decoded.

    A minute of 1080p video is gigabytes at full size and a few megabytes at the model's, so a path is never held
    at full resolution; an array goes through ``fit_clip`` directly.

    Raises
    ------
    InputError
        As ``read_frames`` and ``as_frames`` do.
    """
    if not isinstance(source, str | Path):
        return fit_clip(source, length=length, size=size)
    fitted: list[np.ndarray] = []
    resize: _Resize | None = None
    for frame in _clip_frames(Path(source)):
        resize = resize or _Resize.plan((frame.shape[1], frame.shape[0]), size)
        fitted.append(resize(frame))
    assert resize is not None, "_clip_frames raises for a clip without frames"
    time_note = _resample_note(len(fitted), length)
    clip = np.stack(fitted)[resample_indices(len(fitted), length)]
    return clip, [note for note in (time_note, resize.note) if note]


@dataclass(frozen=True)
class Keyframes:
    """Storyboard keyframes fitted to the model.

    Attributes
    ----------
    images
        ``[K, H, W, 3]`` uint8 at the model's size, in the order given (a folder: natural order).
    times
        The time of each keyframe in seconds, non-decreasing, or None when not given.
    notes
        What fitting changed, each distinct note once.
    """

    images: np.ndarray
    times: tuple[float, ...] | None
    notes: tuple[str, ...]


def _keyframe_paths(source: str | Path | Sequence[str | Path]) -> tuple[str, list[Path]]:
    """The place to name in errors about the keyframes as a whole, and the still images it holds."""
    if isinstance(source, str | Path):
        path = Path(source)
        return str(path), frame_files(path) if path.is_dir() else [path]
    paths = [Path(p) for p in source]
    return (str(paths[0].parent) if paths else "<keyframes>"), paths


def check_times(times: Sequence[float], count: int, where: str) -> tuple[float, ...]:
    """Keyframe times as floats: one per keyframe, finite, non-negative and in order (else ``InputError``)."""
    values = tuple(float(t) for t in times)
    if len(values) != count:
        raise InputError(
            f"{len(values)} keyframe times for {count} keyframes", filename=where, hint="give one time per keyframe"
        )
    if not all(np.isfinite(values)) or min(values) < 0 or any(b < a for a, b in pairwise(values)):
        raise InputError(
            f"keyframe times {list(values)} are not ordered seconds", filename=where, hint="use 0 <= t1 <= t2 ..."
        )
    return values


def read_keyframes(
    source: str | Path | Sequence[str | Path],
    times: Sequence[float] | None = None,
    *,
    size: tuple[int, int] = MODEL_SIZE,
) -> Keyframes:
    """Read storyboard keyframes (still images) and fit each to ``size`` as ``fit_size`` does.

    Parameters
    ----------
    source
        A folder of images (natural order), one image, or a list of image paths (in that order).
    times
        The time of each keyframe in seconds, one per image, non-decreasing.
    size
        The model's (width, height).

    Raises
    ------
    InputError
        For anything ``read_frames`` refuses, a file with more than one frame, no images, or times that do not fit.
    """
    where, paths = _keyframe_paths(source)
    if not paths:
        raise InputError("no keyframe images", filename=where, hint="pass .png or .jpg stills, or a folder of them")
    images: list[np.ndarray] = []
    notes: list[str] = []
    for path in paths:
        if path.is_dir():
            raise InputError("a keyframe must be an image, not a folder", filename=str(path), hint="list the images")
        frames = read_frames(path)
        if len(frames) != 1:
            raise InputError(
                f"a keyframe must be a still image; this file holds {len(frames)} frames",
                filename=str(path),
                hint="pass the animation as a clip instead, or export single frames",
            )
        fitted, fit_notes = fit_size(frames, size)
        images.append(fitted[0])
        notes.extend(note for note in fit_notes if note not in notes)
    checked = None if times is None else check_times(times, len(images), where)
    return Keyframes(images=np.stack(images), times=checked, notes=tuple(notes))
