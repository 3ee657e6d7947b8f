"""In-process rendering: frame shapes and counts, no files written, and Manim failures as typed errors."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from codegen.media import write_frames
from codegen.render import RenderError, render_frames
from dsl import ir
from dsl.parser import parse


def test_frames_have_the_requested_shape_and_count(tmp_path: Path) -> None:
    scene = parse("scene A\nc = Circle(color=RED, fill_opacity=1.0)\nplay(Create(c), run_time=1.0)\nwait(0.5)\n")
    frames = render_frames(scene, 64, 36, 10, media_dir=str(tmp_path / "media"))
    assert frames.shape == (15, 36, 64, 3) and frames.dtype == np.uint8
    assert frames[0].max() < frames[-1].max(), "the circle is drawn over the clip"
    red = frames[-1][..., 0].astype(int) - frames[-1][..., 2]
    assert red.max() > 100, "the circle is red"
    assert not (tmp_path / "media").exists() or not any((tmp_path / "media").rglob("*.mp4")), "no movie is written"


def test_a_scene_without_steps_gives_one_frame_of_its_layout() -> None:
    frames = render_frames(parse("scene A\nc = Circle()\n"), 32, 18, 5)
    assert frames.shape == (1, 18, 32, 3)
    assert frames.max() == 0, "nothing was added, so the frame is empty"


def test_latex_failure_becomes_a_render_error() -> None:
    scene = ir.Scene(
        name="Bad",
        objects=(ir.MathTex(name="m", tex="\\undefinedcontrolsequence{x}"),),
        timeline=(ir.Add(targets=("m",)),),
    )
    with pytest.raises(RenderError, match="Manim failed on scene Bad"):
        render_frames(scene, 32, 18, 5)


def test_write_frames_refuses_unknown_suffixes(tmp_path: Path) -> None:
    frames = np.zeros((2, 18, 32, 3), np.uint8)
    with pytest.raises(ValueError, match="unsupported output"):
        write_frames(frames, tmp_path / "x.webm", 5)
    assert write_frames(frames, tmp_path / "odd.mp4", 5).stat().st_size > 0
