"""Look at one sample of a dataset: its clip (or keyframes) beside its canonical DSL, as a .gif or a .png.

- ``.gif``: every frame, upscaled with nearest-neighbour to at least ``MIN_WIDTH`` pixels wide, with the DSL in a
  panel on the right; the line of the step being played in each frame is highlighted.
- ``.png``: the keyframes in a row (each captioned with the step it closes), above the DSL panel.

The text uses PIL's default font, so nothing depends on fonts installed on the machine. Files are written
atomically through ``codegen.media``, and an existing file is only replaced with ``force``.

Examples
--------
``jepa-planner data show data/l2 --index 7 -o sample.gif`` calls ``show_sample(Path("data/l2"), 7, ...)``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from codegen.media import write_frames
from dsl.parser import parse_with_spans
from jepa_planner.data.shards import Sample, read_index, read_shard, shard_name
from jepa_planner.errors import DatasetError

#: The clip is upscaled by a whole factor until it is at least this many pixels wide.
MIN_WIDTH = 256
PAD = 6
GAP = 4
LINE_SPACING = 3
BACKGROUND = (24, 24, 28)
TEXT = (210, 210, 210)
HIGHLIGHT_BAND = (90, 80, 20)
HIGHLIGHT_TEXT = (255, 235, 120)
SUFFIXES = (".gif", ".png")


def upscale_factor(width: int) -> int:
    """The whole factor that makes a frame ``width`` pixels wide at least ``MIN_WIDTH`` wide.

    Examples
    --------
    >>> upscale_factor(64), upscale_factor(100), upscale_factor(512)
    (4, 3, 1)
    """
    return max(1, math.ceil(MIN_WIDTH / width))


def upscale(frames: np.ndarray, factor: int) -> np.ndarray:
    """Nearest-neighbour upscaling of ``[..., H, W, 3]`` frames by a whole factor."""
    return np.repeat(np.repeat(frames, factor, axis=-3), factor, axis=-2)


@dataclass(frozen=True)
class _Panel:
    """The DSL text laid out with PIL's default font; draws itself with one line highlighted."""

    lines: tuple[str, ...]
    font: ImageFont.FreeTypeFont | ImageFont.ImageFont
    line_height: int
    width: int
    height: int

    @classmethod
    def layout(cls, text: str) -> _Panel:
        font = ImageFont.load_default()
        lines = tuple(text.rstrip("\n").split("\n"))
        probe = Image.new("RGB", (1, 1))
        draw = ImageDraw.Draw(probe)
        line_height = int(draw.textbbox((0, 0), "Ag(|)", font=font)[3]) + LINE_SPACING
        width = max(int(draw.textlength(line, font=font)) for line in lines) + 2 * PAD
        return cls(lines, font, line_height, width, len(lines) * line_height + 2 * PAD)

    def draw(self, canvas: Image.Image, origin: tuple[int, int], highlight: int | None) -> None:
        """Draw the text at ``origin``; ``highlight`` is a 1-based line number or None."""
        draw = ImageDraw.Draw(canvas)
        x0, y0 = origin
        for number, line in enumerate(self.lines, start=1):
            y = y0 + PAD + (number - 1) * self.line_height
            colour = TEXT
            if number == highlight:
                draw.rectangle((x0, y - 1, canvas.width - 1, y + self.line_height - 2), fill=HIGHLIGHT_BAND)
                colour = HIGHLIGHT_TEXT
            draw.text((x0 + PAD, y), line, font=self.font, fill=colour)


def find_sample(directory: Path, index: int) -> Sample:
    """The sample whose key is ``index`` (the global sample index), read from the one shard that can hold it.

    Raises
    ------
    DatasetError
        When the directory holds no dataset or no sample ``index``.
    """
    dataset = read_index(directory)
    total = sum(int(entry["samples"]) for entry in dataset["shards"].values())
    name = shard_name(index // int(dataset["settings"]["shard_size"])) if index >= 0 else ""
    if name in dataset["shards"]:
        key = f"{index:08d}"
        for sample in read_shard(directory / name):
            if sample.key == key:
                return sample
    raise DatasetError(
        f"sample {index} is not in this dataset (it holds {total} samples, 0 to {total - 1})",
        filename=str(directory),
        hint="pick an --index in that range",
    )


def step_lines(dsl: str) -> dict[int, int]:
    """The 1-based line of each timeline step in canonical DSL text, by step index."""
    scene, spans = parse_with_spans(dsl)
    lines: dict[int, int] = {}
    for step in range(len(scene.timeline)):
        span = spans.get("timeline", step)
        if span is not None:
            lines[step] = span.line
    return lines


def gif_frames(sample: Sample) -> np.ndarray:
    """``[T, H', W', 3]`` pictures: each upscaled frame beside the DSL panel with the active step highlighted."""
    frames = sample.arrays["frames"]
    active = sample.arrays["active_step"]
    factor = upscale_factor(frames.shape[2])
    big = upscale(frames, factor)
    panel = _Panel.layout(sample.meta["dsl"])
    lines = step_lines(sample.meta["dsl"])
    width, height = big.shape[2] + panel.width, max(big.shape[1], panel.height)
    cache: dict[int | None, np.ndarray] = {}
    pictures = []
    for frame, step in zip(big, active.tolist(), strict=True):
        line = lines.get(step)
        if line not in cache:
            canvas = Image.new("RGB", (width, height), BACKGROUND)
            panel.draw(canvas, (big.shape[2], 0), line)
            cache[line] = np.asarray(canvas).copy()
        picture = cache[line].copy()
        picture[: big.shape[1], : big.shape[2]] = frame
        pictures.append(picture)
    return np.stack(pictures)


def keyframe_sheet(sample: Sample) -> np.ndarray:
    """``[H', W', 3]``: the upscaled keyframes in a row, captioned with their step, above the DSL panel."""
    keyframes = sample.arrays["keyframes"]
    steps = sample.arrays["keyframe_steps"].tolist()
    factor = upscale_factor(keyframes.shape[2])
    big = upscale(keyframes, factor)
    panel = _Panel.layout(sample.meta["dsl"])
    tile_w, tile_h = big.shape[2], big.shape[1]
    row_w = len(big) * tile_w + (len(big) - 1) * GAP
    caption_h = panel.line_height + PAD
    canvas = Image.new("RGB", (max(row_w, panel.width), tile_h + caption_h + panel.height), BACKGROUND)
    draw = ImageDraw.Draw(canvas)
    for number, (tile, step) in enumerate(zip(big, steps, strict=True)):
        x = number * (tile_w + GAP)
        canvas.paste(Image.fromarray(tile), (x, 0))
        caption = "end" if step < 0 else f"after step {step + 1}"
        draw.text((x + PAD, tile_h + PAD // 2), caption, font=panel.font, fill=TEXT)
    panel.draw(canvas, (0, tile_h + caption_h), None)
    return np.asarray(canvas)


def show_sample(directory: Path, index: int, output: Path, *, force: bool = False) -> Path:
    """Write sample ``index`` of a dataset as a .gif (the clip) or a .png (the keyframes), beside its DSL.

    Parameters
    ----------
    directory
        A dataset made by ``jepa-planner data gen``.
    index
        The global sample index (the key of the sample in its shard).
    output
        A ``.gif`` or ``.png`` path; written atomically.
    force
        Replace ``output`` if it exists.

    Returns
    -------
    Path
        ``output``.

    Raises
    ------
    DatasetError
        For an unsupported suffix, an existing output without ``force``, or a missing sample or dataset.
    ShardError
        When the shard holding the sample is damaged.
    """
    output = Path(output)
    suffix = output.suffix.lower()
    if suffix not in SUFFIXES:
        raise DatasetError("unsupported output type", filename=str(output), hint="use .gif (the clip) or .png")
    if output.exists() and not force:
        raise DatasetError("the output file exists already", filename=str(output), hint="pass --force to replace it")
    sample = find_sample(Path(directory), index)
    if suffix == ".gif":
        frames = gif_frames(sample)
        duration = float(sample.meta.get("duration") or 0.0)
        fps = len(frames) / duration if duration > 0 else 8.0
        return write_frames(frames, output, fps)
    return write_frames(keyframe_sheet(sample)[None], output, 1.0)
