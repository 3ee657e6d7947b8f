"""Tracing a compiled scene as it plays: which named objects are on screen, and where, at each frame and step.

Names in the DSL are the local variables of the compiled ``construct``, so a subclass of the compiled Scene
snapshots ``construct``'s locals whenever something is added. Two renderers drive the same trace:

- ``geometry`` mode jumps each animation to its end and draws nothing: end-of-step boxes only (layout checks);
- ``frames`` mode draws every frame and records boxes and the active step with each one (labelled clips).

A ``preflight`` check may stop a run before its first step, when the layout alone already decides the caller's
question (a clip generator throws away scenes whose opening layout overlaps without drawing them).

Examples
--------
>>> trace = trace_scene(parse(text), mode="frames", width=64, height=36, fps=10)   # doctest: +SKIP
>>> trace.frames.shape, len(trace.frame_boxes), trace.frame_steps[:3]              # doctest: +SKIP
((12, 36, 64, 3), 12, [0, 0, 0])
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np

from codegen.runtime import SceneStopped, camera_factory, configure, run_scene
from dsl import ir


@dataclass(frozen=True)
class Box:
    """An axis-aligned box in Manim units."""

    left: float
    bottom: float
    right: float
    top: float

    def overlap(self, other: Box) -> tuple[float, float]:
        """Width and height of the intersection (zero or negative when the boxes are apart)."""
        return (
            min(self.right, other.right) - max(self.left, other.left),
            min(self.top, other.top) - max(self.bottom, other.bottom),
        )

    def as_tuple(self) -> tuple[float, float, float, float]:
        return (self.left, self.bottom, self.right, self.top)


def construct_locals() -> dict[str, Any]:
    """The local variables of the running ``construct`` frame: DSL names map one to one to them."""
    frame = sys._getframe(1)
    while frame is not None and frame.f_code.co_name != "construct":
        frame = frame.f_back  # type: ignore[assignment]
    assert frame is not None, "construct_locals() must be called while a compiled scene is constructing"
    return dict(frame.f_locals)


def box_of(mobject: Any) -> Box:
    """The bounding box of a mobject and its family, from their points (a point box when it has none).

    This is what ``get_corner`` computes, in one pass over the points instead of one per corner.
    """
    points = mobject.get_all_points()
    if len(points) == 0:
        x, y = mobject.get_center()[:2]
        return Box(float(x), float(y), float(x), float(y))
    low, high = points[:, :2].min(axis=0), points[:, :2].max(axis=0)
    return Box(float(low[0]), float(low[1]), float(high[0]), float(high[1]))


@dataclass
class SceneTrace:
    """What a traced run saw.

    Attributes
    ----------
    step_boxes
        For each timeline step that Manim plays (``play`` and ``wait``), the boxes of the leaf objects on screen
        at its end, by name; the last entry is the end of the scene (it also covers a trailing ``add``).
    step_index
        The timeline index of each entry of ``step_boxes`` (None for the end of the scene).
    frames
        ``[T, H, W, 3]`` uint8 (frames mode only).
    frame_boxes, frame_steps
        Per frame: the boxes on screen, and the timeline index of the step being played (frames mode only).
    step_frames
        The picture at the end of each entry of ``step_boxes`` (frames mode only). Manim's own last frame of an
        animation is drawn just before it ends, so these are drawn separately, once the step has finished.
    stopped
        True when ``trace_scene``'s ``preflight`` stopped the run before its first step: nothing was played or
        drawn, and no other field is filled in.
    """

    scene: ir.Scene
    step_boxes: list[dict[str, Box]] = field(default_factory=list)
    step_index: list[int | None] = field(default_factory=list)
    frames: np.ndarray | None = None
    frame_boxes: list[dict[str, Box]] = field(default_factory=list)
    frame_steps: list[int] = field(default_factory=list)
    step_frames: list[np.ndarray] = field(default_factory=list)
    stopped: bool = False


#: Called with the box of every leaf object as laid out, before the first step; True stops the run.
Preflight = Callable[[dict[str, Box]], bool]


class _Tracer:
    def __init__(self, scene: ir.Scene, *, frame_boxes: bool = True, preflight: Preflight | None = None) -> None:
        self.frame_boxes = frame_boxes
        self.preflight = preflight
        self.trace = SceneTrace(scene)
        self.leaves = [obj.name for obj in scene.objects if not isinstance(obj, ir.Group)]
        # Manim counts play and wait calls; add steps are not among them.
        self.played_steps = [i for i, step in enumerate(scene.timeline) if not isinstance(step, ir.Add)]
        self.names: dict[str, Any] = {}
        self.frames: list[np.ndarray] = []

    def watch(self, cls: type[Any]) -> type[Any]:
        """Subclass the compiled scene so every ``add`` (ours or an animation's) snapshots the object names."""
        tracer = self

        class Watched(cls):  # type: ignore[misc]
            def add(self, *mobjects: Any) -> Any:
                tracer.names = construct_locals()
                tracer.timeline_starts()
                return super().add(*mobjects)

        return Watched

    def timeline_starts(self) -> None:
        """Run the preflight check once, at the first ``add``, ``play`` or ``wait``, when every object is laid out.

        The compiled ``construct`` builds and places every object before its first step, so the boxes seen here
        are the layout's own; the check may end the run (``SceneStopped``) before anything is played.
        """
        if self.preflight is None:
            return
        preflight, self.preflight = self.preflight, None
        names = construct_locals()
        if preflight({name: box_of(names[name]) for name in self.leaves if name in names}):
            self.trace.stopped = True
            raise SceneStopped

    def boxes(self, manim_scene: Any) -> dict[str, Box]:
        on_screen = {id(m) for top in manim_scene.mobjects for m in top.get_family()}
        return {
            name: box_of(self.names[name])
            for name in self.leaves
            if name in self.names and id(self.names[name]) in on_screen
        }

    def end_step(self, manim_scene: Any, play: int | None) -> None:
        self.trace.step_boxes.append(self.boxes(manim_scene))
        self.trace.step_index.append(None if play is None else self.played_steps[play])

    def frame(self, manim_scene: Any, frame: np.ndarray, repeat: int, play: int) -> None:
        rgb = np.ascontiguousarray(frame[..., :3])
        boxes = self.boxes(manim_scene) if self.frame_boxes else {}
        step = self.played_steps[play]
        for _ in range(repeat):
            self.frames.append(rgb)
            self.trace.frame_boxes.append(boxes)
            self.trace.frame_steps.append(step)


def play_to_end(scene: Any, *args: Any, **kwargs: Any) -> None:
    """Run one ``Scene.play(*args, **kwargs)`` straight to its end state: every animation jumps to 1, draws nothing."""
    scene.compile_animation_data(*args, **kwargs)
    scene.begin_animations()
    for animation in scene.animations:
        animation.interpolate(1.0)
        animation.finish()
        animation.clean_up_from_scene(scene)


def _geometry_renderer(tracer: _Tracer, camera: Any) -> Any:
    from manim.renderer.cairo_renderer import CairoRenderer

    class GeometryRenderer(CairoRenderer):
        """Jumps every animation to its end and records boxes; draws nothing."""

        def play(self, scene: Any, *args: Any, **kwargs: Any) -> None:
            tracer.timeline_starts()
            play_to_end(scene, *args, **kwargs)
            tracer.end_step(scene, self.num_plays)
            self.num_plays += 1

        def scene_finished(self, scene: Any) -> None:
            tracer.end_step(scene, None)

    return GeometryRenderer(camera_class=camera, skip_animations=True)


def _frame_renderer(tracer: _Tracer, camera: Any) -> Any:
    from manim.renderer.cairo_renderer import CairoRenderer

    class FrameRenderer(CairoRenderer):
        """Draws every frame and hands it, with the boxes on screen, to the tracer instead of a movie."""

        def init_scene(self, scene: Any, *args: Any, **kwargs: Any) -> None:
            super().init_scene(scene, *args, **kwargs)
            self.traced_scene = scene

        def add_frame(self, frame: np.ndarray, num_frames: int = 1) -> None:
            if self.skip_animations:
                return
            self.time += num_frames / self.camera.frame_rate
            tracer.frame(self.traced_scene, frame, num_frames, self.num_plays)

        def end_state(self, scene: Any) -> np.ndarray:
            self.update_frame(scene, ignore_skipping=True)
            return np.ascontiguousarray(self.get_frame()[..., :3])

        def play(self, scene: Any, *args: Any, **kwargs: Any) -> None:
            tracer.timeline_starts()
            super().play(scene, *args, **kwargs)
            tracer.end_step(scene, self.num_plays - 1)
            tracer.trace.step_frames.append(self.end_state(scene))

        def scene_finished(self, scene: Any) -> None:
            super().scene_finished(scene)
            tracer.end_step(scene, None)
            ends_with_add = bool(tracer.trace.scene.timeline) and isinstance(tracer.trace.scene.timeline[-1], ir.Add)
            if tracer.trace.step_frames and not ends_with_add:
                # Nothing changed since the last step ended: reuse its picture rather than draw it again.
                tracer.trace.step_frames.append(tracer.trace.step_frames[-1])
            else:
                tracer.trace.step_frames.append(self.end_state(scene))
            if not tracer.frames:
                # With no play or wait, Manim draws the final layout once at the end and adds no frame.
                tracer.frames.append(np.ascontiguousarray(self.get_frame()[..., :3]))
                tracer.trace.frame_boxes.append(tracer.boxes(scene))
                tracer.trace.frame_steps.append(-1)

    return FrameRenderer(camera_class=camera)


def trace_scene(
    scene: ir.Scene,
    *,
    mode: Literal["geometry", "frames"],
    width: int = 64,
    height: int = 36,
    fps: float = 10,
    media_dir: str | None = None,
    frame_boxes: bool = True,
    preflight: Preflight | None = None,
) -> SceneTrace:
    """Play a checked scene and return what it put on screen; see the module docstring for the two modes.

    A scene without ``play`` or ``wait`` gives one frame whose step is -1. ``frame_boxes=False`` leaves
    ``SceneTrace.frame_boxes`` empty dicts, for callers that want only the pictures. ``preflight`` is called once,
    before the first step, with the laid-out box of every leaf object (on screen or not); when it returns True,
    the run stops there and the trace comes back empty with ``stopped`` set. A scene without steps is never
    offered to it.

    Examples
    --------
    >>> trace_scene(scene, mode="frames", preflight=lambda boxes: "s1" in boxes).stopped   # doctest: +SKIP
    True
    """
    configure(fps, media_dir)
    tracer = _Tracer(scene, frame_boxes=frame_boxes, preflight=preflight)
    camera = camera_factory(width, height, fps)
    renderer = _geometry_renderer(tracer, camera) if mode == "geometry" else _frame_renderer(tracer, camera)
    try:
        run_scene(scene, renderer, wrap=tracer.watch)
    except SceneStopped:
        assert tracer.trace.stopped, "only the preflight check stops a traced run"
        return tracer.trace
    if mode == "frames":
        tracer.trace.frames = np.stack(tracer.frames)
    return tracer.trace
