"""``plan(spec) -> SceneGraph``: a clip or a storyboard in, a checked scene graph out.

From a clip, perception reads the pixels at the clip's own resolution (``jepa_planner.perception``: objects,
tracks, events, text) and fitting turns them into a scene whose render reproduces the clip
(``jepa_planner.fitting``: a proposal, then render-and-compare edits within ``Spec.effort``'s time budget). The
learned decoder's plan (the encoder reads the clip and the decoder writes the scene, ``jepa_planner.decoder``)
is rendered and compared beside it, and whichever is closer to the clip wins.

From keyframes, the decoder finds the objects in a clip made of the keyframes, and the action-conditioned world
model chooses the step that leads to each keyframe (``planning.keyframes``).

The learned decoder's candidates (``Spec.refine = k``: the greedy one, then samples) are ranked by their JEPA
energy: the mean L1 distance of layer-normed world-model tokens between the input and the candidate's render.
The energy of the final plan is reported whichever path made it.

Whatever the path, the result is scene text that has gone through the parser and the checks; nothing bypasses
the DSL.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

import networkx as nx
import numpy as np
import torch
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from codegen.compiler import compile_scene
from codegen.trace import trace_scene
from dsl import ir
from dsl.graph import to_networkx
from dsl.printer import to_text
from jepa_planner import clip_format
from jepa_planner.data.clips import MIN_FPS, clip_from_trace, resample_indices, scene_duration
from jepa_planner.decoder.decode import decode_scene, object_ir, pick_objects
from jepa_planner.decoder.vocab import KINDS
from jepa_planner.evaluation.fidelity import to_grid
from jepa_planner.fitting import EFFORT_BUDGETS, checked, fit, loss, render_grid
from jepa_planner.models.video import latent_distance, to_video
from jepa_planner.perception import perceive, read_clip
from jepa_planner.planning.inputs import FrameSource, InputError, check_times, load_clip, read_keyframes
from jepa_planner.planning.keyframes import search_steps
from jepa_planner.planning.model import Planner, load_planner


class Spec(BaseModel):
    """What to plan from, and what is known about the scene.

    Give exactly one of ``clip`` and ``keyframes``.

    Parameters
    ----------
    clip
        A video, a .gif, a folder of frames, or frames ``[F, H, W, 3]`` (uint8, or float in [0, 1]).
    keyframes
        Storyboard stills (paths, a folder, or ``[K, H, W, 3]`` frames): the picture after each step.
    keyframe_times
        When each keyframe is reached, in seconds; step run times follow from them (default one second each).
    objects
        Kinds known to be in the scene (such as ``["Circle", "Text"]``): decoded objects are limited to these
        kinds and to this many.
    texts, formulas
        Content for decoded ``Text`` and ``MathTex`` objects, in order of appearance. Text cannot be read from
        small frames, so without it they get placeholders.
    duration
        The scene's length in seconds; run times and waits are scaled to it.
    resolution
        ``(width, height)`` of the preview render (``SceneGraph.render``); default the model's.
    refine
        Candidates ``k`` from the learned decoder (1: the greedy decode only).
    effort
        ``fast`` (perception's proposal, no rendering), ``default`` (a few seconds of render and compare) or
        ``best`` (about half a minute); see ``fitting.EFFORT_BUDGETS``.
    fps
        The clip's frame rate, when the file does not say (arrays, folders of frames; default 15).
    beam
        Beam width of the keyframe search.
    seed
        Seed of the sampled candidates.
    name
        The scene's name (its Manim class).
    """

    model_config = ConfigDict(frozen=True, arbitrary_types_allowed=True, extra="forbid")

    clip: str | Path | np.ndarray | None = None
    keyframes: str | Path | list[str | Path] | np.ndarray | None = None
    keyframe_times: list[float] | None = None
    objects: list[str] | None = None
    texts: list[str] = Field(default_factory=list)
    formulas: list[str] = Field(default_factory=list)
    duration: float | None = Field(default=None, gt=0, le=600)
    resolution: tuple[int, int] | None = None
    refine: int = Field(default=1, ge=1, le=64)
    effort: Literal["fast", "default", "best"] = "default"
    fps: float | None = Field(default=None, gt=0, le=240)
    beam: int = Field(default=4, ge=1, le=64)
    seed: int = 0
    name: str = "Planned"

    @field_validator("objects")
    @classmethod
    def _known_kinds(cls, value: list[str] | None) -> list[str] | None:
        unknown = sorted(set(value or ()) - set(KINDS))
        if unknown:
            raise ValueError(f"the planner cannot decode {', '.join(unknown)}; it knows {', '.join(KINDS)}")
        return value

    @model_validator(mode="after")
    def _one_input(self) -> Spec:
        if (self.clip is None) == (self.keyframes is None):
            raise ValueError("give exactly one of clip and keyframes")
        return self


@dataclass(frozen=True)
class SceneGraph:
    """A planned scene: the checked IR, with views of it as DSL text, Manim code and a networkx graph.

    Attributes
    ----------
    scene
        The typed IR (``dsl.ir.Scene``).
    target
        The input as the model saw it, ``[T, H, W, 3]`` uint8 (for keyframes: the storyboard stretched to T).
    energy
        JEPA distance between the input and the plan's render (lower is closer).
    candidates
        How many valid candidates were compared.
    notes
        What was changed on the way in (resampling, resizing) and how the plan was made.
    loss
        Render-and-compare loss of the plan against the clip (``fitting.loss``; lower is closer), or None when
        it was not rendered (``effort="fast"``, keyframes).
    repaired
        True when the decoded timeline did not parse or check and was replaced by one ``FadeIn`` per object
        (``decoder.decode.decode_scene``'s fallback); ``notes`` then says so. The harness counts it as a failure.
    """

    scene: ir.Scene
    target: np.ndarray
    energy: float
    candidates: int
    notes: tuple[str, ...] = field(default=())
    size: tuple[int, int] = clip_format.SIZE
    loss: float | None = None
    repaired: bool = False

    @property
    def dsl(self) -> str:
        """The canonical scene text (a ``.mscene`` file)."""
        return to_text(self.scene)

    def manim(self) -> str:
        """Manim CE source for the scene (``dsl2manim compile``'s output)."""
        return compile_scene(self.scene)

    def graph(self) -> nx.MultiDiGraph:
        """The scene as a networkx graph (``dsl.graph.to_networkx``)."""
        return to_networkx(self.scene)

    def _repr_mimebundle_(self, include: object = None, exclude: object = None) -> dict[str, str]:
        """Jupyter's rich display: the input beside the plan's render, and the DSL (``planning.display``)."""
        from jepa_planner.planning.display import plan_mimebundle

        return plan_mimebundle(self)

    def render(self, *, length: int | None = None, size: tuple[int, int] | None = None) -> np.ndarray:
        """The plan drawn as ``[T, H, W, 3]`` uint8 frames, resampled to ``length`` like the input."""
        frames, _ = render_scene(self.scene, length=length or len(self.target), size=size or self.size)
        return frames


def render_scene(scene: ir.Scene, *, length: int, size: tuple[int, int]) -> tuple[np.ndarray, np.ndarray]:
    """A scene drawn in-process as the training clips are: ``length`` frames and its keyframes, at ``size``."""
    duration = scene_duration(scene)
    fps = max(MIN_FPS, length / duration) if duration > 0 else MIN_FPS
    trace = trace_scene(scene, mode="frames", width=size[0], height=size[1], fps=fps)
    frames, _, _, keyframes, _ = clip_from_trace(trace, length, fps)
    return frames, keyframes


@lru_cache(maxsize=4)
def _cached_planner(path: str | None) -> Planner:
    return load_planner(path)


def _kind_limited(predicted: dict[str, torch.Tensor], kinds: Sequence[str] | None) -> dict[str, torch.Tensor]:
    """Predictions with every kind outside ``kinds`` made impossible."""
    if not kinds:
        return predicted
    banned = torch.tensor([k not in kinds for k in KINDS] + [False])
    return {**predicted, "kind": predicted["kind"].masked_fill(banned, -1e9)}


def _fit_duration(scene: ir.Scene, duration: float | None) -> ir.Scene:
    if duration is None or scene_duration(scene) <= 0:
        return scene
    factor = duration / scene_duration(scene)
    steps: list[ir.StepBase] = []
    for step in scene.timeline:
        if isinstance(step, ir.Play):
            steps.append(step.model_copy(update={"run_time": round(max((step.run_time or 1.0) * factor, 0.05), 2)}))
        elif isinstance(step, ir.Wait):
            steps.append(step.model_copy(update={"duration": round(max(step.duration * factor, 0.05), 2)}))
        else:
            steps.append(step)
    return checked(scene.model_copy(update={"timeline": tuple(steps)}))


def plan(
    spec: Spec | dict[str, Any],
    *,
    planner: Planner | str | Path | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> SceneGraph:
    """Plan a Manim scene from a clip or from storyboard keyframes.

    Parameters
    ----------
    spec
        What to plan from (a ``Spec``, or a dict of its fields).
    planner
        A loaded ``Planner``, a planner file, or None for the default shipped with the package.
    progress
        Called as ``progress(done, total)`` while render and compare works through the objects (a progress bar).

    Returns
    -------
    SceneGraph
        A scene that parses, passes the checks, compiles and renders.

    Raises
    ------
    InputError
        The clip or keyframes cannot be read, or hold no frames.
    CheckpointError
        The planner file is missing, damaged or does not fit.

    Examples
    --------
    >>> from jepa_planner import plan, Spec                                    # doctest: +SKIP
    >>> graph = plan(Spec(clip="experiments/examples/demo_clip.gif"))          # doctest: +SKIP
    >>> print(graph.dsl)                                                        # doctest: +SKIP
    >>> open("scene.py", "w").write(graph.manim())                              # doctest: +SKIP
    """
    spec = spec if isinstance(spec, Spec) else Spec.model_validate(spec)
    if not isinstance(planner, Planner):
        planner = _cached_planner(None if planner is None else str(planner))
    with torch.no_grad():
        if spec.clip is not None:
            result = _plan_clip(planner, spec, spec.clip, progress)
            return replace(result, size=spec.resolution or result.size)
        result = _plan_keyframes(planner, spec)
    return replace(result, size=spec.resolution or planner.size)


def _plan_clip(
    planner: Planner, spec: Spec, clip: FrameSource, progress: Callable[[int, int], None] | None = None
) -> SceneGraph:
    """Perception and fitting, with the learned decoder's plan compared beside them (see the module docstring)."""
    seen = read_clip(clip, fps=spec.fps, duration=spec.duration)
    notes = list(seen.notes)
    perception = perceive(seen)
    if not perception.objects:
        notes.append("nothing is drawn on the clip's background: the plan only waits")
    fitted = fit(
        perception,
        effort=spec.effort,
        name=spec.name,
        texts=spec.texts,
        formulas=spec.formulas,
        kinds=spec.objects or (),
        progress=progress,
    )
    scene, best_loss, how = fitted.scene, fitted.loss, f"perception: {len(perception.objects)} objects"
    if spec.effort != "fast":
        how += f"; render and compare: {fitted.rendered} candidates in {EFFORT_BUDGETS[spec.effort]:g} s"
    frames, _ = load_clip(seen.frames, length=planner.config.frames, size=planner.size)
    candidates, repaired = fitted.rendered, False
    if spec.effort != "fast" and perception.objects:
        decoded = _decode_clip(planner, replace_duration(spec, seen.duration), frames)
        decoded_loss = loss(to_grid(seen.frames), render_grid(decoded.scene, seen.duration))
        candidates += decoded.candidates
        if decoded_loss < best_loss:
            scene, best_loss, repaired = decoded.scene, decoded_loss, decoded.repaired
            how += "; the learned decoder's plan rendered closer and was kept"
            notes.extend(note for note in decoded.notes if note.startswith("repaired"))
    notes.append(how)
    energy = _energy(planner, scene, frames)
    size = (seen.frames.shape[2], seen.frames.shape[1])
    loss_value = None if best_loss != best_loss else best_loss  # NaN: not rendered
    return SceneGraph(scene, seen.frames, energy, max(candidates, 1), tuple(notes), size, loss_value, repaired)


def replace_duration(spec: Spec, duration: float) -> Spec:
    """``spec`` with the clip's duration, so the learned decoder's plan is timed like the clip."""
    return spec.model_copy(update={"duration": spec.duration or duration})


def _energy(planner: Planner, scene: ir.Scene, frames: np.ndarray) -> float:
    """JEPA energy of a plan against the model-sized input ``frames``."""
    rendered, _ = render_scene(scene, length=planner.config.frames, size=planner.size)
    return latent_distance(planner.world_encoder, rendered, frames)


def plan_with_decoder(spec: Spec, *, planner: Planner | str | Path | None = None) -> SceneGraph:
    """The learned decoder's plan alone (the planner before perception): the baseline benchmarks compare against."""
    assert spec.clip is not None, "the decoder-only plan reads a clip"
    if not isinstance(planner, Planner):
        planner = _cached_planner(None if planner is None else str(planner))
    frames, notes = load_clip(spec.clip, length=planner.config.frames, size=planner.size)
    with torch.no_grad():
        graph = _decode_clip(planner, spec, frames)
    return replace(graph, notes=(*notes, *graph.notes))


def _decode_clip(planner: Planner, spec: Spec, frames: np.ndarray) -> SceneGraph:
    """The learned decoder's plan: ``spec.refine`` candidates ranked by JEPA energy."""
    config = planner.config
    notes: list[str] = []
    clip_tensor = to_video(frames)[None]
    memory, predicted = planner.decoder.objects(planner.encoder(clip_tensor), clip_tensor)
    predicted = _kind_limited(predicted, spec.objects)
    max_objects = len(spec.objects) if spec.objects else None
    generator = torch.Generator().manual_seed(spec.seed)
    best: tuple[float, ir.Scene, bool] | None = None
    seen: set[str] = set()
    for k in range(spec.refine):
        decoded = decode_scene(
            planner.decoder,
            memory,
            predicted,
            name=spec.name,
            texts=spec.texts,
            formulas=spec.formulas,
            temperature=0.0 if k == 0 else 1.0,
            generator=generator,
            max_steps=config.max_steps,
            max_objects=max_objects,
        )
        scene = _fit_duration(decoded.scene, spec.duration)
        text = to_text(scene)
        if text in seen:
            continue
        seen.add(text)
        rendered, _ = render_scene(scene, length=config.frames, size=planner.size)
        energy = latent_distance(planner.world_encoder, rendered, frames)
        if best is None or energy < best[0]:
            best = (energy, scene, decoded.repaired)
    assert best is not None, "the greedy candidate is always compared"
    how = f"refined: best of {len(seen)} candidates" if spec.refine > 1 else "greedy decode"
    if best[2]:
        notes.append("repaired: the decoded timeline did not parse or check, so it is one FadeIn per object")
    return SceneGraph(best[1], frames, best[0], len(seen), (*notes, how), repaired=best[2])


def _plan_keyframes(planner: Planner, spec: Spec) -> SceneGraph:
    config = planner.config
    if planner.predictor is None:
        raise InputError(
            "this planner has no action-conditioned predictor, so it cannot plan from keyframes",
            filename="<planner>",
            hint="use a planner exported with a predictor run, or plan from a clip",
        )
    source = spec.keyframes
    if isinstance(source, np.ndarray):
        stills, notes = load_clip(source, length=max(len(source), 1), size=planner.size)
        times = check_times(spec.keyframe_times, len(stills), "<array>") if spec.keyframe_times else None
    else:
        assert source is not None
        read = read_keyframes(source, spec.keyframe_times, size=planner.size)
        stills, notes, times = read.images, list(read.notes), read.times
    # The objects: decoded from a clip that shows the empty canvas, then each keyframe in turn.
    storyboard = np.concatenate([np.zeros_like(stills[:1]), stills])
    clip = storyboard[resample_indices(len(storyboard), config.frames)]
    clip_tensor = to_video(clip)[None]
    memory, predicted = planner.decoder.objects(planner.encoder(clip_tensor), clip_tensor)
    predicted = _kind_limited(predicted, spec.objects)
    decoded = pick_objects(predicted, 0, max_objects=len(spec.objects) if spec.objects else None)
    texts, formulas = list(spec.texts), list(spec.formulas)
    names = [f"s{i + 1}" for i in range(len(decoded))]
    objects = tuple(object_ir(o, n, texts, formulas) for o, n in zip(decoded, names, strict=True))
    relations = tuple(
        ir.MoveToRel(subject=n, point=(round(o.center[0], 2), round(o.center[1], 2)))
        for o, n in zip(decoded, names, strict=True)
    )
    scene = ir.Scene(name=spec.name, objects=objects, relations=relations, timeline=())
    starts = (0.0, *times) if times else tuple(float(i) for i in range(len(stills) + 1))
    run_times = [round(min(max(b - a, 0.1), 10.0), 2) for a, b in zip(starts, starts[1:], strict=False)]
    steps = search_steps(planner.world_encoder, planner.predictor, scene, decoded, stills, run_times, beam=spec.beam)
    timeline = tuple(ir.Play(animations=(s.animation,), run_time=rt) for s, rt in zip(steps, run_times, strict=False))
    scene = _fit_duration(
        checked(scene.model_copy(update={"timeline": timeline or (ir.Wait(duration=1.0),)})), spec.duration
    )
    rendered, _ = render_scene(scene, length=config.frames, size=planner.size)
    energy = latent_distance(planner.world_encoder, rendered, clip)
    notes.append(f"keyframes: beam search over {len(steps)} steps with the action-conditioned predictor")
    return SceneGraph(scene, clip, energy, 1, tuple(notes))
