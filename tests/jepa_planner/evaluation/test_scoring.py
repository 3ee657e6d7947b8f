"""One scorer for a (target, prediction) pair: validity, L1, L2, L3, layout, and the aggregate."""

from __future__ import annotations

import math

import numpy as np
import pytest

from codegen.runtime import RenderError
from dsl import ir
from dsl.printer import to_text
from jepa_planner.data.sampler import SceneSampler
from jepa_planner.evaluation import scoring
from jepa_planner.evaluation.scoring import PairScore, TargetRender, aggregate, render_target, score_prediction


@pytest.fixture(scope="module")
def target() -> ir.Scene:
    return SceneSampler().sample(level=2, seed=0, index=0)


@pytest.fixture(scope="module")
def reference(target: ir.Scene) -> TargetRender:
    return render_target(target)


@pytest.fixture(scope="module")
def exact(target: ir.Scene) -> PairScore:
    return score_prediction(target, to_text(target))


@pytest.fixture(scope="module")
def broken(reference: TargetRender) -> PairScore:
    return score_prediction(reference, "scene Broken\nc = Circle(radius=1.0\nplay(Create(c))\n")


def test_identical_text_is_valid_and_scores_perfectly(exact: PairScore) -> None:
    assert (exact.parsed, exact.checked, exact.compiled, exact.rendered, exact.valid) == (True,) * 5
    assert exact.error is None
    assert exact.symbolic["exact_match"] == exact.symbolic["exact_match_names"] == 1.0
    assert exact.render_log["f1"] == 1.0
    visual = dict(exact.visual)
    assert math.isnan(visual.pop("latent_l1")), "no latent measure was given"
    assert visual == {
        **{"dice": 1.0, "colour_dice": 1.0, "strict_iou": 1.0},
        **{"ssim": 1.0, "fg_iou": 1.0, "temporal": 1.0, "dtw_distance": 0.0},
    }
    assert (exact.overlaps, exact.off_frame) == (0.0, 0.0)
    assert exact.seconds > 0


def test_a_latent_measure_sees_the_two_rendered_clips(reference: TargetRender, target: ir.Scene) -> None:
    seen: list[tuple[np.ndarray, np.ndarray]] = []

    def measure(a: np.ndarray, b: np.ndarray) -> float:
        seen.append((a, b))
        return float(np.abs(a.astype(float) - b).mean())

    score = score_prediction(reference, to_text(target), latent=measure)
    assert score.visual["latent_l1"] == 0.0
    ((target_clip, predicted_clip),) = seen
    assert target_clip is reference.frames and predicted_clip.shape == reference.frames.shape
    broken = score_prediction(reference, "scene Broken\nc = Circle(radius=1.0\n", latent=measure)
    assert math.isnan(broken.visual["latent_l1"]) and len(seen) == 1, "nothing rendered, nothing measured"


def test_a_syntax_error_is_recorded_not_raised(broken: PairScore) -> None:
    assert not broken.parsed and not broken.valid
    assert broken.error is not None and broken.error.startswith("parse: syntax error")
    assert broken.symbolic["object_f1"] == 0.0  # scored as an empty prediction
    assert broken.render_log["f1"] == 0.0
    assert all(math.isnan(value) for value in broken.visual.values())
    assert math.isnan(broken.overlaps)


def test_a_failed_check_stops_before_compiling(reference: TargetRender) -> None:
    score = score_prediction(reference, "scene Bad\nc = Circle()\nplay(FadeOut(c))\n")
    assert (score.parsed, score.checked, score.compiled) == (True, False, False)
    assert score.error is not None and score.error.startswith("check: ")
    assert score.symbolic["object_f1"] > 0.0  # a parsed prediction is still compared symbolically


def test_a_formula_latex_rejects_fails_the_check(reference: TargetRender) -> None:
    score = score_prediction(reference, 'scene BadFormula\nt = MathTex(r"\\undefinedcommand x")\nplay(Write(t))\n')
    assert (score.checked, score.compiled, score.rendered) == (False, False, False)
    assert score.error is not None and score.error.startswith("check: ") and "does not typeset" in score.error


def test_a_render_failure_is_recorded(reference: TargetRender, monkeypatch: pytest.MonkeyPatch) -> None:
    # The checks leave no known scene that fails to render (experiments/fuzz_scenes.py), so Manim is made to fail.
    def failing(scene: ir.Scene, **kwargs: object) -> None:
        raise RenderError(f"Manim failed on scene {scene.name}: ValueError: no")

    monkeypatch.setattr(scoring, "render_clip", failing)
    score = score_prediction(reference, "scene Fine\nc = Circle()\nplay(Create(c))\n")
    assert (score.checked, score.compiled, score.rendered) == (True, True, False)
    assert score.error is not None and score.error.startswith("render: render error")


def test_a_different_scene_scores_in_between(target: ir.Scene, reference: TargetRender, exact: PairScore) -> None:
    recoloured = to_text(target).replace("color=GOLD", "color=PINK", 1)
    assert recoloured != to_text(target), "the fixture scene has a GOLD object"
    near = score_prediction(reference, recoloured)
    far = score_prediction(reference, to_text(SceneSampler().sample(level=2, seed=0, index=1)))
    assert near.valid and far.valid
    assert near.symbolic["exact_match"] == far.symbolic["exact_match"] == 0.0
    for level, key in (("render_log", "f1"), ("visual", "ssim"), ("visual", "fg_iou")):
        values = [getattr(score, level)[key] for score in (far, near, exact)]
        assert values[0] < values[1] < values[2], (level, key, values)
    assert 0.0 < near.render_log["f1"] < 1.0
    assert near.visual["temporal"] < 1.0


def test_a_target_render_must_match_the_size(reference: TargetRender, target: ir.Scene) -> None:
    with pytest.raises(ValueError, match="rendered at"):
        score_prediction(reference, to_text(target), size=(32, 18))


def test_aggregate_rates_and_means(exact: PairScore, broken: PairScore) -> None:
    row = aggregate([exact, broken])
    assert row["n"] == 2.0
    assert row["valid"] == row["parsed"] == 0.5
    assert row["l1.exact_match"] == 0.5
    assert row["l2.f1"] == 0.5
    assert row["l3.ssim"] == 1.0  # only the rendered prediction has pictures
    assert list(row)[:7] == ["n", "parsed", "checked", "compiled", "rendered", "valid", "l1.exact_match"]
