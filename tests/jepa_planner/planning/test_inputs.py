"""Planner inputs: a rendered scene read back from .mp4, .gif and a PNG folder, fitting to the model, and every
way an input can be refused."""

from __future__ import annotations

from pathlib import Path

import av
import numpy as np
import pytest
from PIL import Image

from codegen.media import write_frames
from codegen.render import render_frames
from dsl.parser import parse
from jepa_planner.data.clips import resample_indices
from jepa_planner.errors import PlannerError
from jepa_planner.planning.inputs import (
    InputError,
    as_frames,
    fit_clip,
    fit_size,
    frame_files,
    load_clip,
    read_frames,
    read_keyframes,
)

# A white dot crossing the frame from left to right: 2 s at 10 fps, so 20 frames at 128x72.
MOVING_DOT = (
    "scene MovingDot\n"
    "d = Dot(radius=0.8, color=WHITE)\n"
    "d.move_to((-4, 0))\n"
    "add(d)\n"
    "play(MoveTo(d, (4, 0)), run_time=2.0, rate_func=linear)\n"
)


def centroids(frames: np.ndarray) -> np.ndarray:
    """``[F, 2]``: the (x, y) centre of each frame's bright pixels."""
    points = []
    for frame in frames:
        ys, xs = np.nonzero(frame.max(axis=-1) > 128)
        assert len(xs), "every frame shows the dot"
        points.append((xs.mean(), ys.mean()))
    return np.asarray(points)


@pytest.fixture(scope="module")
def rendered(tmp_path_factory: pytest.TempPathFactory) -> np.ndarray:
    """The moving dot, ``[20, 72, 128, 3]``."""
    media = tmp_path_factory.mktemp("media")
    return render_frames(parse(MOVING_DOT), 128, 72, 10, media_dir=str(media))


@pytest.fixture(scope="module")
def written(rendered: np.ndarray, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The moving dot as an .mp4, a .gif and a folder of PNGs named without zero padding (frame0 ... frame19)."""
    root = tmp_path_factory.mktemp("inputs")
    folder = root / "frames"
    for t, frame in enumerate(rendered):
        write_frames(frame[None], folder / f"frame{t}.png", 10)
    return {
        "mp4": write_frames(rendered, root / "dot.mp4", 10),
        "gif": write_frames(rendered, root / "dot.gif", 10),
        "png-folder": folder,
    }


@pytest.mark.parametrize("kind", ["mp4", "gif", "png-folder"])
def test_a_rendered_scene_survives_the_round_trip(kind: str, rendered: np.ndarray, written: dict[str, Path]) -> None:
    frames = read_frames(written[kind])
    assert frames.shape == rendered.shape and frames.dtype == np.uint8
    np.testing.assert_allclose(centroids(frames), centroids(rendered), atol=1.0)
    if kind == "png-folder":
        assert np.array_equal(frames, rendered), "PNG is lossless"


def test_a_folder_is_read_in_natural_order(written: dict[str, Path]) -> None:
    names = [path.name for path in frame_files(written["png-folder"])]
    assert names == [f"frame{t}.png" for t in range(20)]


def test_load_clip_fits_a_video_to_the_model_frame_by_frame(rendered: np.ndarray, written: dict[str, Path]) -> None:
    clip, notes = load_clip(written["mp4"])
    assert clip.shape == (16, 36, 64, 3) and clip.dtype == np.uint8
    assert notes == ["resampled 20 frames to 16", "resized 128x72 to 64x36"]
    # Half the resolution: the dot is where it was, at half the coordinates (pixel centres move by a quarter).
    expected = (centroids(rendered[resample_indices(20, 16)]) + 0.5) / 2 - 0.5
    np.testing.assert_allclose(centroids(clip), expected, atol=1.0)
    fitted, fit_notes = fit_clip(read_frames(written["mp4"]))
    assert np.array_equal(clip, fitted) and fit_notes == notes, "streaming equals reading everything, then fitting"


def test_fit_clip_resamples_time_with_the_training_rule() -> None:
    frames = np.broadcast_to(np.arange(40, dtype=np.uint8)[:, None, None, None], (40, 36, 64, 3))
    clip, notes = fit_clip(frames)
    assert clip[:, 0, 0, 0].tolist() == resample_indices(40, 16).tolist() and notes == ["resampled 40 frames to 16"]
    short, notes = fit_clip(frames[:5])
    assert short[:, 0, 0, 0].tolist() == [0, 0, 0, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 4, 4, 4]
    assert notes == ["resampled 5 frames to 16 (frames repeated)"]
    same, notes = fit_clip(frames[:16])
    assert np.array_equal(same, frames[:16]) and notes == []


def test_a_4_by_3_picture_is_letterboxed_not_stretched() -> None:
    clip, notes = fit_clip(np.full((16, 240, 320, 3), 255, np.uint8))
    assert notes == ["resized 320x240 to 64x36 (letterboxed from 4:3, black bars at the sides)"]
    row = clip[0, 18, :, 0]
    # 4:3 content in a 16:9 frame spans 3/4 of its width: 48 of 64 columns, centred, black on both sides.
    assert (row > 250).sum() in (47, 48, 49) and row[:7].max() == 0 and row[-7:].max() == 0
    assert (clip[0, :, 32, 0] > 250).all(), "the full height is kept"


@pytest.mark.parametrize(("width", "height", "ratio"), [(210, 90, "7:3"), (90, 160, "9:16")])
def test_other_aspect_ratios_get_bars_on_the_right_sides(width: int, height: int, ratio: str) -> None:
    _, notes = fit_size(np.zeros((1, height, width, 3), np.uint8))
    bars = "above and below" if width / height > 16 / 9 else "at the sides"
    assert notes == [f"resized {width}x{height} to 64x36 (letterboxed from {ratio}, black bars {bars})"]


def test_nearly_16_by_9_is_resized_without_bars() -> None:
    # Manim's 480p is 854x480: 0.1% off 16:9, not worth a sub-pixel black edge.
    clip, notes = fit_size(np.full((1, 480, 854, 3), 200, np.uint8))
    assert notes == ["resized 854x480 to 64x36"] and clip.min() == 200


def test_box_filtering_keeps_a_thin_stroke() -> None:
    frame = np.zeros((1, 720, 1280, 3), np.uint8)
    frame[0, :, 641] = 255  # a 1-pixel line; 20 source columns fall in each output column
    clip, _ = fit_size(frame)
    column = clip[0, :, 32, 0]
    assert (column > 5).all() and clip[0, :, 31].max() == 0 and clip[0, :, 33].max() == 0


def test_a_still_image_is_a_clip_of_one_frame(tmp_path: Path, rendered: np.ndarray) -> None:
    still = write_frames(rendered, tmp_path / "still.png", 10)  # the last frame
    assert np.array_equal(read_frames(still), rendered[-1:])
    clip, notes = load_clip(still)
    assert clip.shape == (16, 36, 64, 3) and (clip == clip[0]).all()
    assert notes == ["resampled 1 frame to 16 (frames repeated)", "resized 128x72 to 64x36"]


def test_transparent_pixels_become_black_background(tmp_path: Path) -> None:
    rgba = np.zeros((18, 32, 4), np.uint8)
    rgba[..., :3] = 255  # white, but fully transparent ...
    rgba[4:8, 4:8] = (255, 0, 0, 255)  # ... except an opaque red square
    Image.fromarray(rgba, "RGBA").save(tmp_path / "rgba.png")
    frames = read_frames(tmp_path / "rgba.png")
    assert frames[0, 0, 0].tolist() == [0, 0, 0] and frames[0, 5, 5].tolist() == [255, 0, 0]
    assert np.array_equal(as_frames(rgba[None]), frames)


def test_float_frames_are_scaled_to_uint8() -> None:
    frames = np.linspace(0.0, 1.0, 2 * 36 * 64 * 3).reshape(2, 36, 64, 3)
    converted = as_frames(frames)
    assert converted.dtype == np.uint8 and converted.min() == 0 and converted.max() == 255
    assert np.abs(converted.astype(float) - frames * 255).max() <= 0.5
    assert as_frames(frames.astype(np.float32)).dtype == np.uint8


def test_rgba_arrays_lose_their_alpha() -> None:
    opaque = np.random.default_rng(0).integers(0, 256, (3, 36, 64, 4), dtype=np.uint8)
    opaque[..., 3] = 255
    assert np.array_equal(as_frames(opaque), opaque[..., :3])
    half = np.full((1, 2, 2, 4), (200, 100, 50, 128), np.uint8)
    assert as_frames(half)[0, 0, 0].tolist() == [100, 50, 25], "straight alpha is composited over black"


@pytest.mark.parametrize(
    ("array", "match"),
    [
        (np.zeros((36, 64, 3), np.uint8), r"frames\[None\]"),
        (np.zeros((2, 36, 64, 2), np.uint8), "not a clip"),
        (np.zeros((0, 36, 64, 3), np.uint8), "not a clip"),
        (np.full((1, 36, 64, 3), 2.0), r"\[0, 1\]"),
        (np.full((1, 36, 64, 3), np.nan), r"\[0, 1\]"),
        (np.zeros((1, 36, 64, 3), np.int64), "dtype int64"),
    ],
)
def test_bad_arrays_are_refused(array: np.ndarray, match: str) -> None:
    with pytest.raises(InputError, match=match) as caught:
        as_frames(array)
    assert caught.value.filename == "<array>"


def _random_bytes(path: Path) -> Path:
    path.write_bytes(np.random.default_rng(0).integers(0, 256, 4096, dtype=np.uint8).tobytes())
    return path


def _audio_only(path: Path) -> Path:
    with av.open(str(path), mode="w", format="mp4") as container:
        stream = container.add_stream("aac", rate=8000)
        frame = av.AudioFrame.from_ndarray(np.zeros((1, 1024), np.float32), format="fltp", layout="mono")
        frame.sample_rate = 8000
        for packet in [*stream.encode(frame), *stream.encode()]:
            container.mux(packet)
    return path


def _mixed_sizes(folder: Path) -> Path:
    write_frames(np.zeros((1, 36, 64, 3), np.uint8), folder / "f1.png", 1)
    write_frames(np.zeros((1, 18, 32, 3), np.uint8), folder / "f2.png", 1)
    return folder / "f2.png"


def _truncated_gif(path: Path, rendered: np.ndarray) -> Path:
    write_frames(rendered, path, 10)
    path.write_bytes(path.read_bytes()[:200])
    return path


@pytest.mark.parametrize(
    ("case", "match"),
    [
        ("missing.mp4", "does not exist"),
        ("junk.mp4", "cannot decode the video"),
        ("junk.png", "cannot read the image"),
        ("truncated.gif", "cannot read the image"),
        ("notes.txt", "unsupported input type '.txt'"),
        ("audio.mp4", "no video stream"),
        ("empty", "holds no frames"),
        ("readme-only", "holds no frames"),
        ("mixed", "frame 2 is 32x18 but the first frame"),
    ],
)
def test_unreadable_inputs_raise_input_errors_naming_the_file(
    case: str, match: str, tmp_path: Path, rendered: np.ndarray
) -> None:
    path = tmp_path / case
    named = path
    if case.startswith("junk"):
        _random_bytes(path)
    elif case == "truncated.gif":
        _truncated_gif(path, rendered)
    elif case == "notes.txt":
        path.write_text("not a clip")
    elif case == "audio.mp4":
        _audio_only(path)
    elif case in ("empty", "readme-only"):
        path.mkdir()
        if case == "readme-only":
            (path / "README.md").write_text("frames go here")
    elif case == "mixed":
        named = _mixed_sizes(path)
    with pytest.raises(InputError, match=match) as caught:
        read_frames(path)
    assert isinstance(caught.value, PlannerError) and caught.value.filename == str(named)
    assert caught.value.render().startswith(f"{named}: input error: ") and "hint: " in caught.value.render()
    with pytest.raises(InputError, match=match):
        load_clip(path)


def test_keyframes_from_a_folder_with_times(tmp_path: Path, rendered: np.ndarray) -> None:
    for number, t in enumerate((0, 9, 19), start=1):
        write_frames(rendered[t : t + 1], tmp_path / f"key{number}.png", 1)
    keyframes = read_keyframes(tmp_path, times=[0.0, 1.0, 2.0])
    assert keyframes.images.shape == (3, 36, 64, 3) and keyframes.images.dtype == np.uint8
    assert keyframes.times == (0.0, 1.0, 2.0) and keyframes.notes == ("resized 128x72 to 64x36",)
    xs = centroids(keyframes.images)[:, 0]
    assert xs[0] < xs[1] < xs[2], "the dot moves right from keyframe to keyframe"
    reordered = read_keyframes([tmp_path / "key3.png", tmp_path / "key1.png"])
    assert np.array_equal(reordered.images, keyframes.images[[2, 0]]) and reordered.times is None


@pytest.mark.parametrize(
    ("times", "match"),
    [
        ([0.0, 1.0], "2 keyframe times for 3 keyframes"),
        ([0.0, 2.0, 1.0], "not ordered"),
        ([-1.0, 0.0, 1.0], "not ordered"),
    ],
)
def test_keyframe_times_must_fit(times: list[float], match: str, tmp_path: Path) -> None:
    for number in range(3):
        write_frames(np.zeros((1, 36, 64, 3), np.uint8), tmp_path / f"k{number}.png", 1)
    with pytest.raises(InputError, match=match) as caught:
        read_keyframes(tmp_path, times)
    assert caught.value.filename == str(tmp_path)


def test_keyframes_must_be_stills(tmp_path: Path, rendered: np.ndarray) -> None:
    gif = write_frames(rendered, tmp_path / "clip.gif", 10)
    with pytest.raises(InputError, match="holds 20 frames") as caught:
        read_keyframes([gif])
    assert caught.value.filename == str(gif)
    (tmp_path / "none").mkdir()
    with pytest.raises(InputError, match="no keyframe images"):
        read_keyframes(tmp_path / "none")
    with pytest.raises(InputError, match="does not exist"):
        read_keyframes([tmp_path / "missing.png"])
