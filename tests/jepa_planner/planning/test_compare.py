"""The comparison picture: layout, captions, time alignment, and writing it without clobbering files."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from codegen.render import render_frames
from dsl.parser import parse
from jepa_planner.data.clips import resample_indices
from jepa_planner.data.show import BACKGROUND, GAP, upscale
from jepa_planner.planning.compare import side_by_side, write_comparison
from jepa_planner.planning.inputs import InputError, read_frames

SCENE = (
    "scene Pair\n"
    "c = Circle(radius=1.5, color=BLUE, fill_opacity=1.0)\n"
    "s = Square(side_length=2, color=RED, fill_opacity=1.0)\n"
    "c.move_to((-3, 0))\n"
    "s.move_to((3, 0))\n"
    "play(FadeIn(c), run_time=0.8)\n"
    "play(Create(s), run_time=0.8)\n"
)


@pytest.fixture(scope="module")
def target(tmp_path_factory: pytest.TempPathFactory) -> np.ndarray:
    """A rendered clip of 16 frames at the model's 64x36."""
    return render_frames(parse(SCENE), 64, 36, 10, media_dir=str(tmp_path_factory.mktemp("media")))


@pytest.fixture
def planned(target: np.ndarray) -> np.ndarray:
    """A different clip: the target mirrored left to right, half as long."""
    return np.ascontiguousarray(target[::2, :, ::-1])


def caption_height(picture: np.ndarray) -> int:
    """Rows above the panels: the caption strip is where the first panel's left column is background."""
    column = picture[0, :, 0]
    return int(np.argmax((column != BACKGROUND).any(axis=-1)))


def test_panels_sit_side_by_side_under_their_captions(target: np.ndarray) -> None:
    assert target.shape == (16, 36, 64, 3)
    picture = side_by_side(target, target[:, :, ::-1])
    top = caption_height(picture)
    # 64 px wide panels are upscaled 4x to 256; a gap separates them.
    assert picture.shape == (16, top + 144, 256 + GAP + 256, 3) and picture.dtype == np.uint8
    assert np.array_equal(picture[:, top:, :256], upscale(target, 4))
    assert np.array_equal(picture[:, top:, 256 + GAP :], upscale(target[:, :, ::-1], 4))
    assert (picture[:, top:, 256 : 256 + GAP] == BACKGROUND).all()
    caption = picture[0, :top]
    for left in (0, 256 + GAP):
        assert (caption[:, left : left + 256] != BACKGROUND).any(), "each panel has its label drawn above it"


def test_empty_labels_leave_the_caption_strip_blank(target: np.ndarray) -> None:
    picture = side_by_side(target, target, labels=("", ""))
    top = side_by_side(target, target).shape[1] - 144
    assert (picture[:, :top] == BACKGROUND).all()


def test_the_shorter_clip_is_resampled_to_the_longer(target: np.ndarray, planned: np.ndarray) -> None:
    picture = side_by_side(target, planned)
    top = picture.shape[1] - 144
    assert len(picture) == 16 and len(planned) == 8
    expected = upscale(planned[resample_indices(8, 16)], 4)
    assert np.array_equal(picture[:, top:, 256 + GAP :], expected)


def test_scale_and_panel_sizes(target: np.ndarray) -> None:
    picture = side_by_side(target, target, scale=2)
    assert picture.shape[2] == 128 + GAP + 128
    bigger = np.zeros((16, 72, 128, 3), np.uint8)
    mixed = side_by_side(target, bigger)
    # Each panel gets its own factor to reach 256 px: 4x and 2x, both 144 px high.
    assert mixed.shape[2] == 256 + GAP + 256
    tall = side_by_side(target, np.zeros((16, 90, 64, 3), np.uint8))
    assert tall.shape[1] - caption_height(tall) == 90 * 4, "panels align at the top; the taller sets the height"
    with pytest.raises(ValueError, match="at least 1"):
        side_by_side(target, target, scale=0)


@pytest.mark.parametrize(("name", "frames"), [("cmp.gif", 16), ("cmp.mp4", 16), ("cmp.png", 1), ("cmp", 16)])
def test_write_comparison_reads_back(
    name: str, frames: int, target: np.ndarray, planned: np.ndarray, tmp_path: Path
) -> None:
    expected = side_by_side(target, planned)
    path = write_comparison(target, planned, tmp_path / name, fps=10)
    assert path == tmp_path / name
    back = read_frames(path)
    assert len(back) == frames
    # H.264 needs even sides, so an odd height comes back one row taller.
    assert back.shape[2] == expected.shape[2] and back.shape[1] - expected.shape[1] in (0, 1)
    if name in ("cmp.png", "cmp"):
        assert np.array_equal(back, expected[-frames:]), "PNG is lossless"
    if name == "cmp":
        assert sorted(p.name for p in path.iterdir())[:2] == ["frame_0001.png", "frame_0002.png"]


@pytest.mark.parametrize("name", ["cmp.gif", "cmp"])
def test_existing_outputs_are_kept_without_force(name: str, target: np.ndarray, tmp_path: Path) -> None:
    path = write_comparison(target, target, tmp_path / name, fps=10)
    with pytest.raises(InputError, match="exists already") as caught:
        write_comparison(target, target[:4], path, fps=10)
    assert caught.value.filename == str(path) and caught.value.hint == "pass --force to replace it"
    write_comparison(target[:4], target[:4], path, fps=10, force=True)
    assert len(read_frames(path)) == 4, "force replaces it (and a folder loses the frames of the longer run)"


def test_bad_output_paths_are_refused(target: np.ndarray, tmp_path: Path) -> None:
    with pytest.raises(InputError, match="unsupported output type '.webm'"):
        write_comparison(target, target, tmp_path / "cmp.webm", fps=10)
    (tmp_path / "frames").write_text("in the way")
    with pytest.raises(InputError, match="in the way"):
        write_comparison(target, target, tmp_path / "frames", fps=10, force=True)
    assert not list(tmp_path.glob(".*")), "nothing half-written is left behind"
