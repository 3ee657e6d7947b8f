"""One scorer for a (target scene, predicted text) pair, covering every level of DESIGN.md "What we measure".

The prediction goes through the pipeline one step at a time, and each step runs only if the previous one passed:
parse → check → compile → render. A failure is recorded as a short string, never raised. Then:

- **L1** ``dsl.metrics.compare`` (exact match of canonical text included). An unparsable prediction scores as an
  empty scene would: it predicts nothing, so it finds nothing.
- **L2** ``render_log_f1`` of the two render logs. A prediction that does not render logs nothing.
- **L3** ``visual_scores`` and ``fidelity_scores`` (tolerant space-time Dice, the headline; colour-aware Dice;
  strict IoU) of the two clips, both drawn at the same size and resampled to the same number of
  frames as ``jepa_planner.data.clips`` does (drawn at about ``frames / duration`` fps, then ``frames`` frames
  picked at evenly spaced times). ``nan`` when the prediction does not render: there is no picture to compare,
  and a blank one would score deceptively well against a mostly black target. Given a ``latent`` measure
  (``evaluation.latent.LatentDistance``), ``latent_l1`` is the JEPA-latent distance of the two clips; it is
  ``nan`` without one.
- **Layout**: the overlap and off-frame findings of ``codegen.layout`` on the prediction, from the end-of-step
  boxes of the same traced render (``nan`` when it does not render).

``aggregate`` averages a list of scores into one row, for a table per curriculum level.

Examples
--------
>>> score = score_prediction(target, to_text(target))            # doctest: +SKIP
>>> score.valid, score.symbolic["exact_match"], score.visual["ssim"]  # doctest: +SKIP
(True, 1.0, 1.0)
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

from codegen.compiler import compile_scene
from codegen.layout import layout_findings
from codegen.trace import SceneTrace, trace_scene
from dsl import ir
from dsl.checks import check
from dsl.errors import DSLError
from dsl.metrics import compare
from dsl.parser import parse
from jepa_planner import clip_format
from jepa_planner.data.clips import MIN_FPS, resample_indices, scene_duration
from jepa_planner.evaluation.fidelity import fidelity_scores
from jepa_planner.evaluation.render_log import LogEntry, render_log, render_log_f1
from jepa_planner.evaluation.visual import visual_scores

#: Longest error string kept in a ``PairScore``.
MAX_ERROR = 200
#: The keys of ``PairScore.visual``, all ``nan`` when the prediction does not render.
VISUAL_KEYS = ("dice", "colour_dice", "strict_iou", "ssim", "fg_iou", "temporal", "dtw_distance", "latent_l1")
_VALIDITY = ("parsed", "checked", "compiled", "rendered", "valid")


@dataclass(frozen=True)
class PairScore:
    """Every figure for one (target, prediction) pair.

    Attributes
    ----------
    parsed, checked, compiled, rendered
        L0 validity; each is False when an earlier step failed.
    error
        ``"<step>: <what went wrong>"`` of the first failure, at most ``MAX_ERROR`` characters; None when valid.
    symbolic
        L1, ``dsl.metrics.compare(predicted, target)``.
    render_log
        L2, ``render_log_f1(target_log, predicted_log)``.
    visual
        L3, ``visual_scores(target_clip, predicted_clip)`` and ``fidelity_scores`` (``dice``, ``colour_dice``,
        ``strict_iou``).
    overlaps, off_frame
        Layout findings on the prediction: overlapping pairs and objects past the safe area.
    seconds
        Wall time spent scoring the pair (the target's render included unless it was given).
    """

    parsed: bool
    checked: bool
    compiled: bool
    rendered: bool
    error: str | None
    symbolic: Mapping[str, float]
    render_log: Mapping[str, float]
    visual: Mapping[str, float]
    overlaps: float
    off_frame: float
    seconds: float

    @property
    def valid(self) -> bool:
        """Parsed, checked, compiled and rendered: the L0 bar."""
        return self.rendered

    def flat(self) -> dict[str, float]:
        """One flat dict of floats: validity as 0/1, then ``l1.*``, ``l2.*``, ``l3.*``, ``layout.*``, ``seconds``."""
        return {
            **{name: float(getattr(self, name)) for name in _VALIDITY},
            **{f"l1.{key}": value for key, value in self.symbolic.items()},
            **{f"l2.{key}": value for key, value in self.render_log.items()},
            **{f"l3.{key}": value for key, value in self.visual.items()},
            "layout.overlaps": self.overlaps,
            "layout.off_frame": self.off_frame,
            "seconds": self.seconds,
        }


@dataclass(frozen=True)
class TargetRender:
    """What the scorer needs of a target, computed once by ``render_target`` and reusable across predictions."""

    scene: ir.Scene
    frames: np.ndarray  # [T, H, W, 3] uint8
    log: tuple[LogEntry, ...]
    size: tuple[int, int]


def render_clip(
    scene: ir.Scene, *, size: tuple[int, int], frames: int, media_dir: str | None = None
) -> tuple[np.ndarray, SceneTrace]:
    """Draw a checked scene and resample it to ``frames`` frames, as ``jepa_planner.data.clips`` does.

    This is ``codegen.render.render_frames``'s own call to ``trace_scene``, kept so that the end-of-step boxes of
    the same run serve the layout check.

    Returns
    -------
    tuple[np.ndarray, SceneTrace]
        ``[frames, H, W, 3]`` uint8 at ``size = (W, H)``, and the trace of the run.
    """
    duration = scene_duration(scene)
    fps = max(MIN_FPS, frames / duration) if duration > 0 else MIN_FPS
    width, height = size
    trace = trace_scene(
        scene, mode="frames", width=width, height=height, fps=fps, media_dir=media_dir, frame_boxes=False
    )
    assert trace.frames is not None, "frames mode always returns frames"
    return trace.frames[resample_indices(len(trace.frames), frames)], trace


def render_target(
    target: ir.Scene,
    *,
    size: tuple[int, int] = clip_format.SIZE,
    frames: int = clip_format.FRAMES,
    media_dir: str | None = None,
) -> TargetRender:
    """Render a target once (clip and log) for scoring many predictions against it; Manim failures raise."""
    clip, _ = render_clip(target, size=size, frames=frames, media_dir=media_dir)
    return TargetRender(target, clip, tuple(render_log(target, media_dir=media_dir)), size)


def _short(step: str, exc: Exception, suffix: str = "") -> str:
    if isinstance(exc, DSLError):
        text = f"{exc.code}: {exc.message}"
    else:
        text = f"{type(exc).__name__}: {str(exc).strip()}"
    message = f"{step}: {text.splitlines()[0]}{suffix}"
    return message if len(message) <= MAX_ERROR else message[: MAX_ERROR - 3] + "..."


@dataclass
class _Prediction:
    """How far the predicted text got through parse, check, compile and render, and what it left behind."""

    scene: ir.Scene | None = None
    checked: bool = False
    compiled: bool = False
    clip: np.ndarray | None = None  # [T, H, W, 3] uint8
    trace: SceneTrace | None = None
    log: list[LogEntry] = field(default_factory=list)
    error: str | None = None


def _run(text: str, *, size: tuple[int, int], frames: int, media_dir: str | None) -> _Prediction:
    prediction = _Prediction()
    step = "parse"
    try:
        prediction.scene = parse(text)
        step = "check"
        problems = check(prediction.scene)
        if problems:
            more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
            prediction.error = _short(step, problems[0], more)
            return prediction
        prediction.checked = True
        step = "compile"
        source = compile_scene(prediction.scene)
        prediction.compiled = True
        step = "render"
        clip, trace = render_clip(prediction.scene, size=size, frames=frames, media_dir=media_dir)
        prediction.log = render_log(prediction.scene, source=source, media_dir=media_dir)
        prediction.clip, prediction.trace = clip, trace
    except Exception as exc:  # the scorer records every failure of the prediction, never raises it
        prediction.error = _short(step, exc)
    return prediction


def _symbolic(predicted: ir.Scene | None, target: ir.Scene) -> dict[str, float]:
    empty = ir.Scene(name=target.name)
    if predicted is not None:
        try:
            return compare(predicted, target)
        except ValueError:  # duplicate names, which the checks reject: no well-defined matching of names
            pass
    return compare(empty, target)


def _layout_counts(trace: SceneTrace) -> tuple[float, float]:
    findings = layout_findings(trace)
    # codegen.layout reports two kinds of finding and tells them apart only in the message.
    overlaps = sum(" overlaps " in finding.message for finding in findings)
    return float(overlaps), float(len(findings) - overlaps)


def score_prediction(
    target: ir.Scene | TargetRender,
    predicted_text: str,
    *,
    size: tuple[int, int] = clip_format.SIZE,
    frames: int = clip_format.FRAMES,
    media_dir: str | None = None,
    latent: Callable[[np.ndarray, np.ndarray], float] | None = None,
) -> PairScore:
    """Score predicted DSL text against a target scene; see the module docstring for what each level means.

    Parameters
    ----------
    target
        The true scene (it must pass the checks and render), or its ``render_target``, which saves rendering it
        again for every prediction.
    predicted_text
        The prediction, as DSL text.
    size, frames
        ``(width, height)`` and number of frames of both clips; a ``TargetRender`` must have been made with them.
    media_dir
        See ``codegen.runtime.configure``.
    latent
        Distance of the target clip and the predicted one (``evaluation.latent.LatentDistance``), reported as
        ``visual["latent_l1"]``; None leaves it ``nan``.

    Examples
    --------
    DSL text with a syntax error gives ``parsed=False``, ``error="parse: syntax error: ..."``, L1 and L2 as for
    an empty prediction, and ``nan`` visual and layout figures.
    """
    start = time.perf_counter()
    reference = (
        target
        if isinstance(target, TargetRender)
        else render_target(target, size=size, frames=frames, media_dir=media_dir)
    )
    if reference.size != size or len(reference.frames) != frames:
        raise ValueError(
            f"the target was rendered at {reference.size} x {len(reference.frames)} frames, not {size} x {frames}"
        )
    prediction = _run(predicted_text, size=size, frames=frames, media_dir=media_dir)
    visual = dict.fromkeys(VISUAL_KEYS, math.nan)
    overlaps = off_frame = math.nan
    if prediction.clip is not None and prediction.trace is not None:
        visual = {**visual, **visual_scores(reference.frames, prediction.clip)}
        visual.update(fidelity_scores(reference.frames, prediction.clip))
        if latent is not None:
            visual["latent_l1"] = latent(reference.frames, prediction.clip)
        overlaps, off_frame = _layout_counts(prediction.trace)
    return PairScore(
        parsed=prediction.scene is not None,
        checked=prediction.checked,
        compiled=prediction.compiled,
        rendered=prediction.clip is not None,
        error=prediction.error,
        symbolic=_symbolic(prediction.scene, reference.scene),
        render_log=render_log_f1(reference.log, prediction.log),
        visual=visual,
        overlaps=overlaps,
        off_frame=off_frame,
        seconds=time.perf_counter() - start,
    )


def aggregate(scores: Sequence[PairScore]) -> dict[str, float]:
    """Average every field of ``PairScore.flat`` over a list of scores (one row of a results table).

    Validity flags become rates. Every other field is the mean over the pairs where it is a number: ``l3.*`` and
    ``layout.*`` cover the rendered predictions only, so read them together with ``rendered``; fields that only
    some pairs have (``l1.object_attr_acc.<field>``) cover those pairs. ``n`` is the number of pairs.

    Examples
    --------
    Two scores, one valid and one that failed to parse, give ``valid == 0.5``.
    """
    rows = [score.flat() for score in scores]
    keys: dict[str, None] = {}
    for row in rows:
        keys.update(dict.fromkeys(row))
    result = {"n": float(len(rows))}
    for key in keys:
        values = [row[key] for row in rows if key in row and not math.isnan(row[key])]
        result[key] = float(np.mean(values)) if values else math.nan
    return result
