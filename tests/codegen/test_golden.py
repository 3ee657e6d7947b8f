"""Golden last-frame tests: each case of ``golden_cases`` renders to the frame stored in ``golden/<case>.npz``.

Like Manim's own ``frames_comparison``, only the last frame is compared, at 64×36 and 5 fps so the whole file runs
in seconds. Cairo is deterministic, but font hinting and anti-aliasing may differ a little between library builds,
so a frame matches when at most 0.5% of its pixels differ by more than 8 levels in some channel.

After an intended change to the rendering, look at the new frames, then rewrite them with::

    .venv/bin/pytest tests/codegen/test_golden.py --regenerate-golden
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from codegen.render import render_frames
from dsl import ir
from dsl.checks import check
from dsl.parser import parse
from tests.codegen.golden_cases import CASES

GOLDEN_DIR = Path(__file__).resolve().parent / "golden"
WIDTH, HEIGHT, FPS = 64, 36, 5
#: A pixel differs when some channel is off by more than this many levels (of 255).
PIXEL_TOLERANCE = 8
#: A frame matches when at most this share of its pixels differ.
MAX_DIFFERENT_SHARE = 0.005
#: A frame "shows something" when at least this many pixels have a channel above ``VISIBLE_LEVEL``.
MIN_VISIBLE_PIXELS = 10
VISIBLE_LEVEL = 16
REGENERATE_HINT = "run `.venv/bin/pytest tests/codegen/test_golden.py --regenerate-golden` and check the new frames"


def golden_path(case: str) -> Path:
    """Where the golden frame of ``case`` is stored."""
    return GOLDEN_DIR / f"{case}.npz"


def last_frame(text: str) -> np.ndarray:
    """Parse, check and render a scene; return its last frame as uint8 ``[H, W, 3]``."""
    scene = parse(text)
    errors = check(scene)
    assert not errors, f"golden case does not pass the checks: {[str(e) for e in errors]}"
    frames = render_frames(scene, width=WIDTH, height=HEIGHT, fps=FPS)
    return np.asarray(frames[-1])


def different_share(frame: np.ndarray, golden: np.ndarray) -> float:
    """The share of pixels where some channel differs by more than ``PIXEL_TOLERANCE``."""
    diff = np.abs(frame.astype(np.int16) - golden.astype(np.int16)).max(axis=-1)
    return float((diff > PIXEL_TOLERANCE).mean())


def save_comparison(path: Path, frame: np.ndarray, golden: np.ndarray) -> None:
    """Write golden | rendered | difference side by side, enlarged 4×, as a PNG for a person to look at."""
    from PIL import Image

    diff = np.abs(frame.astype(np.int16) - golden.astype(np.int16)).astype(np.uint8)
    strip = np.concatenate([golden, frame, diff], axis=1).repeat(4, axis=0).repeat(4, axis=1)
    Image.fromarray(strip).save(path)


def _kinds_used() -> tuple[set[str], set[str], set[str], set[str]]:
    objects: set[str] = set()
    relations: set[str] = set()
    animations: set[str] = set()
    steps: set[str] = set()
    for text in CASES.values():
        scene = parse(text)
        objects.update(obj.kind for obj in scene.objects)
        relations.update(relation.kind for relation in scene.relations)
        for step in scene.timeline:
            steps.add(step.kind)
            if isinstance(step, ir.Play):
                animations.update(animation.kind for animation in step.animations)
    return objects, relations, animations, steps


def test_cases_cover_every_kind() -> None:
    objects, relations, animations, steps = _kinds_used()
    assert set(ir.OBJECT_KINDS) <= objects, f"no golden case for {sorted(set(ir.OBJECT_KINDS) - objects)}"
    assert set(ir.RELATION_KINDS) <= relations, f"no golden case for {sorted(set(ir.RELATION_KINDS) - relations)}"
    assert set(ir.ANIMATION_KINDS) <= animations, f"no case for {sorted(set(ir.ANIMATION_KINDS) - animations)}"
    assert set(ir.STEP_KINDS) <= steps, f"no golden case for {sorted(set(ir.STEP_KINDS) - steps)}"


def test_cases_cover_fade_in_shift_and_lagged_start() -> None:
    plays = [step for text in CASES.values() for step in parse(text).timeline if isinstance(step, ir.Play)]
    assert any(isinstance(a, ir.FadeIn) and a.shift is not None for play in plays for a in play.animations)
    assert any(play.lag_ratio is not None for play in plays)


def test_every_golden_file_has_a_case() -> None:
    stale = sorted(path.stem for path in GOLDEN_DIR.glob("*.npz") if path.stem not in CASES)
    assert not stale, f"golden files without a case (delete them): {stale}"


@pytest.mark.parametrize("case", list(CASES))
def test_last_frame_matches_golden(case: str, regenerate_golden: bool, tmp_path: Path) -> None:
    frame = last_frame(CASES[case])
    assert frame.shape == (HEIGHT, WIDTH, 3) and frame.dtype == np.uint8, f"got {frame.shape} {frame.dtype}"
    visible = int((frame.max(axis=-1) > VISIBLE_LEVEL).sum())
    assert visible >= MIN_VISIBLE_PIXELS, f"{case}: the last frame is (nearly) black, only {visible} pixels lit"

    path = golden_path(case)
    if regenerate_golden:
        GOLDEN_DIR.mkdir(parents=True, exist_ok=True)
        np.savez_compressed(path, frame=frame)
        return
    if not path.exists():
        pytest.fail(f"{case}: no golden frame at {path}; {REGENERATE_HINT}")
    with np.load(path) as stored:
        golden = stored["frame"]
    assert golden.shape == frame.shape and golden.dtype == np.uint8, f"{case}: golden is {golden.shape} {golden.dtype}"
    share = different_share(frame, golden)
    if share > MAX_DIFFERENT_SHARE:
        picture = tmp_path / f"{case}-golden-rendered-diff.png"
        save_comparison(picture, frame, golden)
        pytest.fail(
            f"{case}: {share:.2%} of pixels differ by more than {PIXEL_TOLERANCE} levels "
            f"(limit {MAX_DIFFERENT_SHARE:.1%}); see {picture}. If the change is intended, {REGENERATE_HINT}"
        )
