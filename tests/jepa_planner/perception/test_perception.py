"""Perception on rendered clips: objects, places, colours, events and text, and the inputs it refuses."""

from __future__ import annotations

import numpy as np
import pytest

from codegen.render import render_frames
from dsl.parser import parse
from jepa_planner.perception import Perception, perceive, read_clip
from jepa_planner.perception.clip import MAX_SECONDS
from jepa_planner.perception.shapes import Canvas
from jepa_planner.planning.inputs import InputError

Seen = tuple[Perception, np.ndarray]

SCENE = """scene Seen

c = Circle(radius=1.0, color=BLUE, fill_opacity=0.5)
s = Square(side_length=1.5, color=ORANGE)
a = Arrow((-5, -3), (-2, -3), color=GREEN)
t = Text("circle", font_size=40)

c.move_to((-3, 1))
s.move_to((3, 1))
t.to_edge(UP)

play(Create(c), run_time=1.0)
play(FadeIn(s), run_time=1.0)
play(GrowArrow(a), Write(t), run_time=1.0)
play(Shift(s, (0, -2)), run_time=1.0)
play(FadeOut(c), run_time=0.5)
"""


@pytest.fixture(scope="module")
def seen() -> Seen:
    frames = render_frames(parse(SCENE), 320, 180, 10)
    return perceive(read_clip(frames, fps=10)), frames


def test_finds_each_object_with_its_kind_place_and_colour(seen: Seen) -> None:
    perception, _ = seen
    kinds = [o.shapes[0].kind for o in perception.objects]
    assert kinds[:2] == ["Circle", "Square"]
    assert set(kinds[2:]) == {"Arrow", "Text"}
    circle = perception.objects[0]
    assert np.allclose(circle.shapes[0].centre, (-3, 1), atol=0.15)
    assert circle.shapes[0].size["radius"] == pytest.approx(1.0, abs=0.1)
    assert 0.35 <= circle.region.fill <= 0.75
    assert circle.region.colour[2] > circle.region.colour[0]  # blue, not orange


def test_events_follow_the_timeline(seen: Seen) -> None:
    perception, _ = seen
    circle, square = perception.objects[:2]
    frames = len(perception.clip.frames)
    assert circle.summary.appear <= 2 and circle.summary.gone < frames  # faded out before the end
    assert square.summary.intro == "FadeIn"
    moves = [m for m in square.summary.motions if m.kind == "move"]
    assert moves and Canvas(320, 180).point(*moves[0].centre)[1] == pytest.approx(-1.0, abs=0.2)


def test_ocr_reads_the_text_when_tesseract_is_installed(seen: Seen) -> None:
    from jepa_planner.perception.text import ocr_available

    if not ocr_available():
        pytest.skip("tesseract is not installed (scripts/setup.sh installs it)")
    perception, _ = seen
    text = next(o for o in perception.objects if o.shapes[0].kind == "Text")
    assert text.reading is not None and text.reading.text == "circle" and text.reading.is_text


def test_blank_and_single_frame_clips_are_notes_not_errors() -> None:
    blank = perceive(read_clip(np.full((8, 72, 128, 3), 30, np.uint8)))
    assert blank.objects == ()
    still = read_clip(np.zeros((1, 72, 128, 3), np.uint8))
    assert any("single frame" in note for note in still.notes)


def test_photographs_and_overlong_clips_are_refused() -> None:
    noise = np.random.default_rng(0).integers(0, 256, (4, 72, 128, 3), dtype=np.uint8)
    with pytest.raises(InputError, match="photograph"):
        read_clip(noise)
    with pytest.raises(InputError, match=f"at most {MAX_SECONDS:.0f} s"):
        read_clip(np.zeros((4, 72, 128, 3), np.uint8), duration=MAX_SECONDS + 1)


def test_large_clips_are_perceived_at_the_working_size_with_a_note() -> None:
    clip = read_clip(np.zeros((2, 1080, 1920, 3), np.uint8))
    assert clip.frames.shape[1:3] == (360, 640)
    assert any("perceived at 640x360" in note for note in clip.notes)


def test_non_16_9_clips_are_padded_with_their_own_background() -> None:
    frames = np.full((2, 120, 120, 3), 200, np.uint8)
    clip = read_clip(frames)
    assert clip.frames.shape[1:3] == (120, 213)
    assert (clip.frames == 200).all()


AXES_SCENE = """scene Graphed

ax = Axes(x_range=(-3, 3, 1), y_range=(-2, 2, 1), x_length=6, y_length=4)
curve = Plot(ax, x ^ 2 / 4, color=RED)
box = Square(side_length=1.0, color=BLUE)
box.move_to((-5.5, 2.5))

play(Create(ax), run_time=1.0)
play(Create(curve), run_time=1.0)
play(FadeIn(box), run_time=0.5)
"""


def test_axes_with_their_ranges_and_the_plotted_curve() -> None:
    frames = render_frames(parse(AXES_SCENE), 320, 180, 10)
    perception = perceive(read_clip(frames, fps=10))
    axes = [o.axes for o in perception.objects if o.axes is not None]
    assert len(axes) == 1 and axes[0].x_range == (-3.0, 3.0, 1.0) and axes[0].y_range == (-2.0, 2.0, 1.0)
    plot = axes[0].plot
    assert plot is not None and plot.form == "poly"
    assert np.allclose(np.polynomial.Polynomial(plot.params)(np.array([-2.0, 0.0, 2.0])), [1.0, 0.0, 1.0], atol=0.15)
    assert plot.colour[0] > plot.colour[2]  # red
    assert any(o.shapes[0].kind == "Square" for o in perception.objects)
