"""Labelled clips: a sampled scene rendered to a fixed number of frames, with exact labels from the program.

One traced render (``codegen.trace``, frames mode) gives the frames, every object's box in every frame, the
step played in every frame, and the end-of-step boxes that the layout checker judges. A scene with a layout
finding is thrown away and the sampler draws the next attempt, so every stored clip passes the layout check.

Most thrown-away scenes are already doomed by their layout: objects placed off the frame or onto each other
before anything plays. Those are caught before the first step (see ``opening_leaves``) and never drawn; the
attempt that is kept, and so the clip, is the same as when every attempt is drawn in full.

Time is resampled: the scene is drawn at about ``T / duration`` fps (at least ``MIN_FPS``), then ``T`` frames are
picked at evenly spaced times, so scenes of any duration become clips of ``T`` frames.
"""

from __future__ import annotations

import functools
import hashlib
from dataclasses import dataclass

import numpy as np

from codegen.layout import TOLERANCE, layout_findings
from codegen.trace import Box, SceneTrace, trace_scene
from dsl import ir
from dsl.order import leaves
from dsl.printer import to_text
from jepa_planner import clip_format
from jepa_planner.data.sampler import SceneSampler

MIN_FPS = 4.0
MAX_ATTEMPTS = 25
#: Units by which the layout must fail before the first step to skip drawing: far above the float noise between a
#: laid-out box and the same object's box once its intro animation has finished (measured below 1e-12).
PREFLIGHT_SLACK = 1e-6


@dataclass(frozen=True)
class Clip:
    """One labelled clip.

    Attributes
    ----------
    scene
        The scene graph (the label).
    frames
        ``[T, H, W, 3]`` uint8.
    boxes
        ``[T, N, 4]`` float32: left, bottom, right, top in Manim units for each leaf object (in ``object_names``
        order), NaN while it is not on screen.
    active_step
        ``[T]`` int16: the timeline index of the step being played in each frame.
    keyframes
        ``[K, H, W, 3]`` uint8: the picture once each played step has finished, then the final picture (which
        differs from the last played step's when the scene ends with ``add``).
    keyframe_steps
        ``[K]`` int16: the timeline index of each keyframe; -1 for the final picture.
    object_names
        Leaf objects (groups excluded), in declaration order.
    duration, fps
        The scene's length in seconds, and the rate it was drawn at before resampling.
    seed, level, index, attempt
        Where the scene came from; the same four always give the same clip.
    """

    scene: ir.Scene
    frames: np.ndarray
    boxes: np.ndarray
    active_step: np.ndarray
    keyframes: np.ndarray
    keyframe_steps: np.ndarray
    object_names: tuple[str, ...]
    duration: float
    fps: float
    seed: int
    level: int
    index: int
    attempt: int

    @functools.cached_property
    def dsl(self) -> str:
        """The canonical DSL text of the scene (printed once; the shard writer and ``scene_hash`` both read it)."""
        return to_text(self.scene)

    @property
    def scene_hash(self) -> str:
        """SHA-256 of the canonical text: identical scenes share it, which is what splits are made by."""
        return hashlib.sha256(self.dsl.encode("utf-8")).hexdigest()


def scene_duration(scene: ir.Scene) -> float:
    """Seconds the scene plays: run times (Manim's default 1 s) and waits."""
    total = 0.0
    for step in scene.timeline:
        if isinstance(step, ir.Play):
            total += step.run_time if step.run_time is not None else 1.0
        elif isinstance(step, ir.Wait):
            total += step.duration
    return total


def resample_indices(native: int, length: int) -> np.ndarray:
    """Indices of ``length`` frames at evenly spaced times among ``native`` frames (the centre of each slot)."""
    positions = (np.arange(length) + 0.5) * native / length
    return np.minimum(positions.astype(np.int64), native - 1)


def _boxes_array(trace: SceneTrace, names: tuple[str, ...]) -> np.ndarray:
    boxes = np.full((len(trace.frame_boxes), len(names), 4), np.nan, dtype=np.float32)
    for t, frame_boxes in enumerate(trace.frame_boxes):
        for n, name in enumerate(names):
            box = frame_boxes.get(name)
            if box is not None:
                boxes[t, n] = box.as_tuple()
    return boxes


def clip_from_trace(trace: SceneTrace, length: int, fps: float) -> tuple[np.ndarray, ...]:
    """Resample a traced render to ``length`` frames: frames, boxes, active steps, keyframes and their steps."""
    assert trace.frames is not None, "a clip needs a frames-mode trace"
    names = tuple(obj.name for obj in trace.scene.objects if not isinstance(obj, ir.Group))
    steps = np.asarray(trace.frame_steps, dtype=np.int16)
    pick = resample_indices(len(trace.frames), length)
    keyframe_steps = np.asarray([-1 if step is None else step for step in trace.step_index], dtype=np.int16)
    return (
        trace.frames[pick],
        _boxes_array(trace, names)[pick],
        steps[pick],
        np.stack(trace.step_frames),
        keyframe_steps,
    )


def opening_leaves(scene: ir.Scene) -> tuple[str, ...]:
    """Leaves that the layout checker is certain to see together, exactly where the layout put them.

    While the timeline only brings objects in (intro animations, ``add``, ``wait``), nothing on screen moves. So
    the end of the last ``play``/``wait`` of that opening run, or the end of the scene when nothing else follows,
    shows every object brought in by then with its laid-out box. Objects added after that last step are left out:
    a later step may move them before the checker looks.

    Examples
    --------
    DSL ``play(Create(a))``, ``add(b)``, ``play(Shift(a, (1, 0)))`` gives ``("a",)``.
    """
    objects = scene.object_map()
    shown: list[str] = []
    pending: list[str] = []
    for step in scene.timeline:
        if isinstance(step, ir.Add):
            pending.extend(leaf for target in step.targets for leaf in leaves(target, objects))
            continue
        if isinstance(step, ir.Play):
            if not all(animation.introduces for animation in step.animations):
                return tuple(shown)
            pending.extend(leaf for animation in step.animations for leaf in leaves(animation.target, objects))
        shown.extend(pending)
        pending = []
    return tuple(shown + pending)


def doomed_by_layout(scene: ir.Scene, boxes: dict[str, Box]) -> bool:
    """Whether the laid-out ``boxes`` already give a layout finding among ``opening_leaves(scene)``.

    True means the full layout check of the played scene fails too: the same boxes are on screen together after
    some step, and the finding clears the tolerance by ``PREFLIGHT_SLACK``.
    """
    shown = {name: boxes[name] for name in opening_leaves(scene) if name in boxes}
    probe = SceneTrace(scene, step_boxes=[shown], step_index=[None])
    return bool(layout_findings(probe, tolerance=TOLERANCE + PREFLIGHT_SLACK))


def render_clip(
    sampler: SceneSampler,
    *,
    level: int,
    seed: int,
    index: int,
    length: int = clip_format.FRAMES,
    width: int = clip_format.WIDTH,
    height: int = clip_format.HEIGHT,
    media_dir: str | None = None,
) -> Clip:
    """Sample, render and label one clip whose scene passes the layout check.

    Examples
    --------
    >>> clip = render_clip(SceneSampler(), level=1, seed=0, index=0)
    >>> clip.frames.shape
    (16, 36, 64, 3)
    """
    for attempt in range(MAX_ATTEMPTS):
        scene = sampler.sample(level=level, seed=seed, index=index, attempt=attempt)
        duration = scene_duration(scene)
        fps = max(MIN_FPS, length / duration) if duration > 0 else MIN_FPS
        trace = trace_scene(
            scene,
            mode="frames",
            width=width,
            height=height,
            fps=fps,
            media_dir=media_dir,
            preflight=functools.partial(doomed_by_layout, scene),
        )
        if trace.stopped or layout_findings(trace):
            continue
        frames, boxes, active, keyframes, keyframe_steps = clip_from_trace(trace, length, fps)
        names = tuple(obj.name for obj in scene.objects if not isinstance(obj, ir.Group))
        return Clip(
            scene, frames, boxes, active, keyframes, keyframe_steps, names, duration, fps, seed, level, index, attempt
        )
    raise RuntimeError(
        f"no layout-clean scene in {MAX_ATTEMPTS} attempts for level {level}, index {index}; "
        "the curriculum's sizes or positions are too crowded"
    )
