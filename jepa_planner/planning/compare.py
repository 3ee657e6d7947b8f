"""The comparison picture: the target clip and the planned scene's render side by side, each under a caption.

Both clips are brought to the same number of frames with ``resample_indices`` (the shorter is stretched to the
longer), upscaled by a whole factor with nearest-neighbour so single pixels stay visible (``data.show``'s
``upscale``), and laid out left to right with a thin gap, each below a caption strip drawn with PIL's default font.
The colours and spacing are ``data show``'s, so the two tools' pictures look alike.

Examples
--------
::

    write_comparison(target, planned, "compare.gif", fps=8)       # the clips, animated
    write_comparison(target, planned, "compare.png", fps=8)       # the last frame: the final layouts
    write_comparison(target, planned, "compare", fps=8)           # compare/frame_0001.png, ...
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from codegen.media import write_frames
from jepa_planner.data.clips import resample_indices
from jepa_planner.data.show import BACKGROUND, GAP, PAD, TEXT, upscale, upscale_factor
from jepa_planner.planning.inputs import InputError, as_frames

#: Output suffixes written as one file; a path without a suffix is a folder of numbered PNG frames.
SUFFIXES = (".gif", ".mp4", ".png")
FRAME_NAME = "frame_{:04d}.png"
_FRAME_PATTERN = re.compile(r"frame_\d{4,}\.png")


def side_by_side(
    target: np.ndarray,
    planned: np.ndarray,
    *,
    labels: tuple[str, str] = ("target", "plan"),
    scale: int | None = None,
) -> np.ndarray:
    """Lay two clips out left to right, each under its caption.

    Parameters
    ----------
    target, planned
        ``[T, H, W, 3]`` uint8 (or anything ``as_frames`` takes). Their lengths and sizes may differ: the shorter
        is resampled to the longer's length, and panels of different heights are aligned at the top.
    labels
        The caption of each panel.
    scale
        The whole upscaling factor of both panels; by default each panel's own ``upscale_factor``, which makes it
        at least ``data.show.MIN_WIDTH`` (256) pixels wide.

    Returns
    -------
    np.ndarray
        ``[T, H', W', 3]`` uint8 with ``T`` the longer clip's length.

    Examples
    --------
    >>> side_by_side(np.zeros((16, 36, 64, 3), np.uint8), np.zeros((8, 36, 64, 3), np.uint8)).shape[:1]
    (16,)
    """
    if scale is not None and scale < 1:
        raise ValueError(f"scale must be a whole factor of at least 1, not {scale}")
    clips = [as_frames(target), as_frames(planned)]
    length = max(len(clip) for clip in clips)
    panels = [
        upscale(clip[resample_indices(len(clip), length)], scale or upscale_factor(clip.shape[2])) for clip in clips
    ]
    font = ImageFont.load_default()
    caption_height = int(ImageDraw.Draw(Image.new("RGB", (1, 1))).textbbox((0, 0), "Ag(|)", font=font)[3]) + 2 * PAD
    lefts = np.cumsum([0] + [panel.shape[2] + GAP for panel in panels[:-1]]).tolist()
    width = lefts[-1] + panels[-1].shape[2]
    height = caption_height + max(panel.shape[1] for panel in panels)
    canvas = Image.new("RGB", (width, height), BACKGROUND)
    draw = ImageDraw.Draw(canvas)
    for left, label in zip(lefts, labels, strict=True):
        draw.text((left + PAD, PAD), label, font=font, fill=TEXT)
    # One background with the captions, repeated over time; only the panels change from frame to frame.
    pictures = np.repeat(np.asarray(canvas)[None], length, axis=0)
    for left, panel in zip(lefts, panels, strict=True):
        pictures[:, caption_height : caption_height + panel.shape[1], left : left + panel.shape[2]] = panel
    return pictures


def _write_folder(pictures: np.ndarray, folder: Path, fps: float) -> Path:
    """Numbered PNGs in ``folder``, each written atomically; frames left by an earlier, longer run are removed."""
    folder.mkdir(parents=True, exist_ok=True)
    names = {FRAME_NAME.format(t + 1) for t in range(len(pictures))}
    for stale in folder.iterdir():
        if _FRAME_PATTERN.fullmatch(stale.name) and stale.name not in names:
            stale.unlink()
    for t, picture in enumerate(pictures):
        write_frames(picture[None], folder / FRAME_NAME.format(t + 1), fps)
    return folder


def _refuse_overwrite(path: Path, force: bool) -> None:
    """Raise unless ``path`` is free (an empty folder counts as free) or ``force`` allows replacing it."""
    if path.suffix.lower() not in SUFFIXES and path.is_file():
        raise InputError(
            "a file is in the way of the frames folder", filename=str(path), hint="remove it, or pick another name"
        )
    taken = path.is_file() or (path.is_dir() and any(path.iterdir()))
    if taken and not force:
        raise InputError("the output file exists already", filename=str(path), hint="pass --force to replace it")


def write_comparison(
    target: np.ndarray,
    planned: np.ndarray,
    path: str | Path,
    fps: float,
    *,
    force: bool = False,
    labels: tuple[str, str] = ("target", "plan"),
    scale: int | None = None,
) -> Path:
    """Write ``side_by_side(target, planned)`` as a .gif, an .mp4, a .png (the last frame) or a folder of PNGs.

    Parameters
    ----------
    target, planned
        The clips, as ``side_by_side`` takes them.
    path
        ``.gif``, ``.mp4`` or ``.png`` (the last frame, where both layouts are final); without a suffix, a folder of
        ``frame_0001.png``, ... Every file is written atomically through ``codegen.media.write_frames``.
    fps
        Frames per second of an animated output.
    force
        Replace an existing file, or the frames of a non-empty folder (other files in it are left alone).
    labels, scale
        As ``side_by_side`` takes them.

    Returns
    -------
    Path
        ``path``.

    Raises
    ------
    InputError
        When ``path`` exists and ``force`` is not set, when a file sits where the folder should be, when the suffix
        is not one of ``SUFFIXES``, or for clips ``as_frames`` refuses.
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix and suffix not in SUFFIXES:
        raise InputError(
            f"unsupported output type {suffix!r}",
            filename=str(path),
            hint="use .gif, .mp4, .png (the last frame), or a name without a suffix for a folder of frames",
        )
    _refuse_overwrite(path, force)
    pictures = side_by_side(target, planned, labels=labels, scale=scale)
    if not suffix:
        return _write_folder(pictures, path, fps)
    return write_frames(pictures, path, fps)
