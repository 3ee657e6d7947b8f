"""The L2 render log: what a compiled scene adds and plays, logged as it runs, and an F1 between two logs.

A subclass of the compiled Scene instruments ``Scene.add`` and ``Scene.play``; the renderer jumps every animation
to its end and draws nothing, as ``codegen.trace``'s geometry mode does, so a log costs about as much as building
the objects once. The log has one entry per mobject that appears and one per animation played:

- ``add``: a mobject that puts at least one new point-carrying member on screen, whether the scene added it or an
  introducing animation (``Create``, ``FadeIn`` ...) did. Its colour and box are read as it is added; its start
  is the scene clock at that moment and its run time 0. Manim's own placeholder adds (the empty mobject of a
  ``wait``, the group of an animation group whose members are already on screen) bring nothing new and are left
  out.
- ``play``: each animation of a ``play``, with its mobject's colour and box once it has finished. The members of
  an ``AnimationGroup`` (``LaggedStart``) are logged one by one, with their own start and run time in seconds.
  ``.animate`` calls read as ``animate.<method>``. A ``wait`` is not logged; it only advances the clock.

Examples
--------
DSL ``c = Circle(color=BLUE)`` and ``play(Create(c), run_time=2)`` gives two entries::

    LogEntry(event="add", mobject="Circle", animation=None, color="#58C4DD", box=(-1.0, -1.0, 1.0, 1.0),
             start=0.0, run_time=0.0)
    LogEntry(event="play", mobject="Circle", animation="Create", color="#58C4DD", box=(-1.0, -1.0, 1.0, 1.0),
             start=0.0, run_time=2.0)
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
from scipy.optimize import linear_sum_assignment  # type: ignore[import-untyped, unused-ignore]

from codegen.render import DEFAULT_FPS
from codegen.runtime import camera_factory, configure, run_scene
from codegen.trace import box_of, play_to_end
from dsl import ir
from dsl.metrics import F1Score

#: Decimals kept for boxes (units) and times (seconds).
DIGITS = 3
#: Default tolerance of ``render_log_f1`` for box edges, in Manim units.
BOX_TOLERANCE = 0.25
#: Default tolerance of ``render_log_f1`` for start and run times, in seconds.
TIME_TOLERANCE = 0.1


@dataclass(frozen=True)
class LogEntry:
    """One logged event.

    Attributes
    ----------
    event
        ``"add"`` or ``"play"``.
    mobject
        The Manim class of the mobject (``"Circle"``, ``"VGroup"``, ``"Text"`` ...).
    animation
        The Manim class of the animation (``"Create"``, ``"animate.shift"`` ...); None for ``add``.
    color
        ``"#RRGGBB"`` of the first member of the mobject's family that has points.
    box
        Left, bottom, right, top of the mobject and its family, in Manim units.
    start, run_time
        Seconds from the start of the scene, and how long it runs (0 for ``add``).
    """

    event: Literal["add", "play"]
    mobject: str
    animation: str | None
    color: str
    box: tuple[float, float, float, float]
    start: float
    run_time: float

    @property
    def key(self) -> tuple[str, str, str | None]:
        """What must be equal for two entries to be paired: event, mobject class and animation class."""
        return (self.event, self.mobject, self.animation)


def _color_of(mobject: Any) -> str:
    for member in mobject.get_family():
        if member.has_points():
            return str(member.get_color().to_hex()).upper()
    return str(mobject.get_color().to_hex()).upper()


def _animation_name(animation: Any) -> str:
    methods = getattr(animation, "methods", None)
    if type(animation).__name__ == "_MethodAnimation" and methods:
        return "animate." + "+".join(item.method.__name__ for item in methods)
    return type(animation).__name__


def _leaves(animation: Any, start: float, scale: float) -> Iterator[tuple[Any, float, float]]:
    """``(animation, start, run_time)`` of every non-group animation, in seconds.

    An ``AnimationGroup`` keeps its members' timings in its own time, which ends at ``max_end_time``; its
    ``run_time`` stretches that to seconds. These are the nominal times: a ``rate_func`` on the group warps when
    its members really run, and is not applied here.
    """
    from manim import AnimationGroup

    if isinstance(animation, AnimationGroup):
        inner = scale * animation.run_time / animation.max_end_time if animation.max_end_time else 0.0
        for row in animation.anims_with_timings:
            yield from _leaves(row["anim"], start + float(row["start"]) * inner, inner)
    else:
        yield animation, start, float(animation.run_time) * scale


@dataclass
class _Recorder:
    entries: list[LogEntry] = field(default_factory=list)
    clock: float = 0.0

    def entry(
        self, event: Literal["add", "play"], mobject: Any, animation: str | None, start: float, run_time: float
    ) -> LogEntry:
        left, bottom, right, top = (round(value, DIGITS) for value in box_of(mobject).as_tuple())
        return LogEntry(
            event,
            type(mobject).__name__,
            animation,
            _color_of(mobject),
            (left, bottom, right, top),
            round(float(start), DIGITS),
            round(float(run_time), DIGITS),
        )

    def added(self, scene: Any, mobjects: Sequence[Any]) -> None:
        on_screen = {id(member) for member in scene.get_mobject_family_members()}
        for mobject in mobjects:
            if any(member.has_points() and id(member) not in on_screen for member in mobject.get_family()):
                self.entries.append(self.entry("add", mobject, None, self.clock, 0.0))
                on_screen.update(id(member) for member in mobject.get_family())

    def played(self, scene: Any) -> None:
        from manim import Wait

        for animation in scene.animations:
            for leaf, start, run_time in _leaves(animation, self.clock, 1.0):
                if not isinstance(leaf, Wait):
                    self.entries.append(self.entry("play", leaf.mobject, _animation_name(leaf), start, run_time))
        self.clock += float(scene.duration)

    def watch(self, cls: type[Any]) -> type[Any]:
        """Subclass the compiled scene so that its ``add`` and ``play`` calls (and Manim's own) are logged."""
        recorder = self

        class Logged(cls):  # type: ignore[misc]
            def add(self, *mobjects: Any) -> Any:
                recorder.added(self, mobjects)
                return super().add(*mobjects)

            def play(self, *args: Any, **kwargs: Any) -> None:
                super().play(*args, **kwargs)
                recorder.played(self)

        return Logged


def _jump_renderer(camera: Any) -> Any:
    from manim.renderer.cairo_renderer import CairoRenderer

    class JumpRenderer(CairoRenderer):
        """Jumps every animation to its end (``codegen.trace.play_to_end``); draws nothing and writes nothing."""

        def play(self, scene: Any, *args: Any, **kwargs: Any) -> None:
            play_to_end(scene, *args, **kwargs)
            self.num_plays += 1

        def scene_finished(self, scene: Any) -> None:
            pass

    return JumpRenderer(camera_class=camera, skip_animations=True)


def render_log(
    scene: ir.Scene, *, source: str | None = None, fps: float = DEFAULT_FPS, media_dir: str | None = None
) -> list[LogEntry]:
    """Run a checked scene in-process without drawing and return its log (see the module docstring).

    Parameters
    ----------
    scene
        A scene that passed ``dsl.checks.check``.
    source
        Its compiled source, when the caller has it already.
    fps
        Only matters through Manim's rule that a run time is at least one frame.
    media_dir
        See ``codegen.runtime.configure``.

    Raises
    ------
    codegen.runtime.RenderError
        When Manim fails on the scene (a formula that LaTeX rejects, for example).

    Examples
    --------
    DSL ``s = Square(color=RED)`` / ``add(s)`` / ``play(Rotate(s, 45))`` logs ``("add", "Square", None)`` at 0.0 s
    and ``("play", "Square", "Rotate")`` at 0.0 s for 1.0 s.
    """
    configure(fps, media_dir)
    recorder = _Recorder()
    run_scene(scene, _jump_renderer(camera_factory(64, 36, fps)), source=source, wrap=recorder.watch)
    return recorder.entries


def render_log_f1(
    target_log: Sequence[LogEntry],
    predicted_log: Sequence[LogEntry],
    *,
    box_tol: float = BOX_TOLERANCE,
    time_tol: float = TIME_TOLERANCE,
) -> dict[str, float]:
    """F1 between two render logs, with entries matched one to one.

    Matching rule. A predicted entry can pair with a target entry only when their ``key`` is equal (event, mobject
    class, animation class). Such a pair *agrees* when, in addition, the colours are equal, every box edge differs
    by at most ``box_tol`` units, and the start and the run time each differ by at most ``time_tol`` seconds.
    ``scipy.optimize.linear_sum_assignment`` maximises, lexicographically, (1) the number of agreeing pairs, then
    (2) the number of pairs with equal keys, then (3) the sum of a soft similarity, the mean of colour equality,
    ``exp(-d_box / box_tol)`` and ``exp(-d_time / time_tol)``, where ``d_box`` is the largest edge difference and
    ``d_time`` the larger of the start and run time differences. The three levels are encoded as weights
    ``(m + 1)^2``, ``m + 1`` and 1 with ``m = min(n_target, n_predicted)``, so no amount of a lower level can
    outweigh one unit of a higher one.

    Returns
    -------
    dict[str, float]
        ``precision``, ``recall`` and ``f1`` count agreeing pairs as true positives (two empty logs score 1.0);
        ``class_f1`` counts pairs with equal keys; ``color_agreement``, ``box_agreement`` and ``time_agreement``
        are the shares of those key-matched pairs that agree on that field (``nan`` when there are none);
        ``n_target`` and ``n_predicted`` count the entries.

    Examples
    --------
    A log against itself scores 1.0 everywhere. A prediction whose only difference is a circle drawn RED instead
    of BLUE keeps ``class_f1 == 1.0`` but loses the circle's add and play entries from the true positives.
    """
    n_pred, n_true = len(predicted_log), len(target_log)
    agree, same = 0, 0
    fields = np.zeros(3)
    if n_pred and n_true:
        same_key = np.array([[p.key == t.key for t in target_log] for p in predicted_log])
        color = np.array([[p.color == t.color for t in target_log] for p in predicted_log])
        boxes_p = np.array([p.box for p in predicted_log])  # [P, 4]
        boxes_t = np.array([t.box for t in target_log])  # [T, 4]
        d_box = np.abs(boxes_p[:, None, :] - boxes_t[None, :, :]).max(axis=-1)
        times_p = np.array([(p.start, p.run_time) for p in predicted_log])  # [P, 2]
        times_t = np.array([(t.start, t.run_time) for t in target_log])  # [T, 2]
        d_time = np.abs(times_p[:, None, :] - times_t[None, :, :]).max(axis=-1)
        box_ok, time_ok = d_box <= box_tol + 1e-9, d_time <= time_tol + 1e-9
        agrees = same_key & color & box_ok & time_ok
        soft = (color + np.exp(-d_box / box_tol) + np.exp(-d_time / time_tol)) / 3
        m = min(n_pred, n_true)
        weight = same_key * ((m + 1) ** 2 * agrees + (m + 1) + soft)
        rows, cols = linear_sum_assignment(weight, maximize=True)
        paired = same_key[rows, cols]
        rows, cols = rows[paired], cols[paired]
        same, agree = len(rows), int(agrees[rows, cols].sum())
        fields = np.array([color[rows, cols].sum(), box_ok[rows, cols].sum(), time_ok[rows, cols].sum()])
    strict, keyed = F1Score(agree, n_pred, n_true), F1Score(same, n_pred, n_true)
    shares = fields / same if same else np.full(3, np.nan)
    return {
        "precision": strict.precision,
        "recall": strict.recall,
        "f1": strict.f1,
        "class_f1": keyed.f1,
        "color_agreement": float(shares[0]),
        "box_agreement": float(shares[1]),
        "time_agreement": float(shares[2]),
        "n_target": float(n_true),
        "n_predicted": float(n_pred),
    }
