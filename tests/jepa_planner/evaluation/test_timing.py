"""Timing fidelity: a clip against itself scores 1, a late clip loses its events, an empty plan scores 0."""

from __future__ import annotations

import numpy as np
import pytest

from codegen.render import render_frames
from dsl.parser import parse
from jepa_planner.evaluation.timing import Timeline, event_counts, event_f1, lifespan_tiou, timing_scores

SCENE = """scene Timed

c = Circle(radius=1.0, color=BLUE)
s = Square(side_length=1.5, color=ORANGE)
c.move_to((-3, 0))
s.move_to((3, 0))

play(Create(c), run_time=1.0)
play(FadeIn(s), run_time=1.0)
play(Shift(s, (0, -1.5)), run_time=1.0)
play(FadeOut(c), run_time=1.0)
"""


@pytest.fixture(scope="module")
def clip() -> np.ndarray:
    return render_frames(parse(SCENE), 320, 180, 8)


def test_a_clip_against_itself_scores_one(clip: np.ndarray) -> None:
    assert timing_scores(clip, clip) == {"lifespan_tiou": 1.0, "event_f1": 1.0}


def test_a_late_clip_loses_its_events_and_an_empty_one_scores_zero(clip: np.ndarray) -> None:
    late = np.concatenate([np.repeat(clip[:1] * 0, len(clip) // 2, axis=0), clip])[: len(clip)]
    scores = timing_scores(clip, late)
    assert scores["event_f1"] < 0.7 and scores["lifespan_tiou"] < 1.0
    assert timing_scores(clip, np.zeros_like(clip)) == {"lifespan_tiou": 0.0, "event_f1": 0.0}


def test_matching_by_type_and_tolerance() -> None:
    a = Timeline(((0.0, 8.0, (0.0, 0.0)),), (("appear", 0.0), ("move", 5.0)))
    b = Timeline(((0.0, 16.0, (0.1, 0.0)),), (("appear", 1.5), ("scale", 5.0)))
    assert lifespan_tiou(a, b) == pytest.approx(0.5)
    assert event_f1(a, b) == pytest.approx(0.5)
    far = Timeline(((0.0, 8.0, (5.0, 0.0)),), ())
    assert lifespan_tiou(a, far) == 0.0


def test_event_counts_per_type_add_up_to_the_f1() -> None:
    a = Timeline((), (("appear", 0.0), ("appear", 5.0), ("move", 8.0)))
    b = Timeline((), (("appear", 1.0), ("move", 12.0), ("rotate", 3.0)))
    counts = event_counts(a, b)
    assert counts == {"appear": (1, 2, 1), "move": (0, 1, 1), "rotate": (0, 0, 1)}
    assert event_f1(a, b) == pytest.approx(2 * 1 / 6)
