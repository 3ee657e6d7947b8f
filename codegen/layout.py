"""The layout checker: real bounding boxes after every step, from Manim's own geometry, without rendering.

The compiled scene runs on a renderer whose ``play`` jumps each animation straight to its end state, so a scene
with many steps costs about as much as building its objects once. After every ``play``/``wait`` (and once at the
end, which covers a trailing ``add``) the checker reads the box of every object on screen and reports:

- an object outside the safe area, the frame inset by ``margin`` (0.5 units);
- two objects whose boxes overlap by more than ``tolerance`` units in both directions, unless the overlap is
  intended: a brace or surround and its target, a plot and its axes, anything on a NumberPlane (a background),
  a pair placed with ``next_to``, lines and arrows (their boxes say little about the ink), and objects given an
  explicit ``z_index`` (layered on purpose).

Each problem is reported once, at the first step where it happens, as a ``DSLLayoutError`` (a warning unless
the caller treats it as an error, as ``dsl2manim check --strict`` does).

Examples
--------
DSL ``a = Circle()`` and ``b = Square()`` both at the origin, then ``add(a, b)``, gives
"after the end of the scene: a overlaps b by 2.00 x 2.00 units".
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from typing import Any

from codegen.render import configure, run_scene
from dsl import ir
from dsl.errors import DSLLayoutError
from dsl.order import leaves
from dsl.parser import SourceMap

MARGIN = 0.5
TOLERANCE = 0.05
_SEGMENTS = ir.ARROW_KINDS


@dataclass(frozen=True)
class Box:
    """An axis-aligned box in Manim units."""

    left: float
    bottom: float
    right: float
    top: float

    def overlap(self, other: Box) -> tuple[float, float]:
        """Width and height of the intersection (zero or negative when the boxes are apart)."""
        return (min(self.right, other.right) - max(self.left, other.left),
                min(self.top, other.top) - max(self.bottom, other.bottom))


def construct_locals() -> dict[str, Any]:
    """The local variables of the running ``construct`` frame: DSL names map one to one to them."""
    frame = sys._getframe(1)
    while frame is not None and frame.f_code.co_name != "construct":
        frame = frame.f_back  # type: ignore[assignment]
    assert frame is not None, "construct_locals() must be called while a compiled scene is constructing"
    return dict(frame.f_locals)


def box_of(mobject: Any) -> Box:
    """The bounding box of a mobject, from its points."""
    left, bottom = mobject.get_corner([-1, -1, 0])[:2]
    right, top = mobject.get_corner([1, 1, 0])[:2]
    return Box(float(left), float(bottom), float(right), float(top))


class _Probe:
    """Collects boxes after each step and turns them into layout findings."""

    def __init__(self, scene: ir.Scene, spans: SourceMap, margin: float, tolerance: float) -> None:
        from manim import config

        self.scene = scene
        self.spans = spans
        self.margin = margin
        self.tolerance = tolerance
        self.half_width = config.frame_width / 2
        self.half_height = config.frame_height / 2
        self.objects = scene.object_map()
        self.intended = self._intended_pairs()
        self.findings: list[DSLLayoutError] = []
        self.reported: set[tuple[str, ...]] = set()
        self.boxes: list[dict[str, Box]] = []
        self.names: dict[str, Any] = {}
        # Manim counts play and wait calls; add steps are not among them.
        self.played_steps = [i for i, step in enumerate(scene.timeline) if not isinstance(step, ir.Add)]

    def _intended_pairs(self) -> set[frozenset[str]]:
        pairs: set[frozenset[str]] = set()
        for obj in self.scene.objects:
            for ref in obj.references():
                if not isinstance(obj, ir.Group):
                    pairs.update(frozenset({obj.name, leaf}) for leaf in leaves(ref, self.objects))
        for relation in self.scene.relations:
            if isinstance(relation, ir.NextTo):
                for a in leaves(relation.subject, self.objects):
                    pairs.update(frozenset({a, b}) for b in leaves(relation.target, self.objects))
        return pairs

    def watch(self, cls: type[Any]) -> type[Any]:
        """Subclass the compiled scene so every ``add`` (ours or an animation's) snapshots the object names."""
        probe = self

        class Watched(cls):  # type: ignore[misc]
            def add(self, *mobjects: Any) -> Any:
                probe.names = construct_locals()
                return super().add(*mobjects)

        return Watched

    def record(self, manim_scene: Any, play: int | None) -> None:
        names = self.names
        on_screen = {id(m) for top in manim_scene.mobjects for m in top.get_family()}
        boxes = {
            name: box_of(names[name])
            for name, obj in self.objects.items()
            if not isinstance(obj, ir.Group) and name in names and id(names[name]) in on_screen
        }
        self.boxes.append(boxes)
        self.inspect(boxes, play)

    def where(self, play: int | None) -> str:
        if play is None:
            return "at the end of the scene"
        step = self.played_steps[play]
        span = self.spans.get("timeline", step)
        return f"after step {step + 1}" + (f" (line {span.line})" if span else "")

    def report(self, key: tuple[str, ...], message: str, name: str, hint: str) -> None:
        if key in self.reported:
            return
        self.reported.add(key)
        index = [obj.name for obj in self.scene.objects].index(name)
        self.findings.append(DSLLayoutError(message, span=self.spans.get("objects", index), hint=hint))

    def inspect(self, boxes: dict[str, Box], play: int | None) -> None:
        limit_x, limit_y = self.half_width - self.margin, self.half_height - self.margin
        for name, box in boxes.items():
            if self.objects[name].kind == "NumberPlane":
                continue
            out = max(box.right - limit_x, -limit_x - box.left, box.top - limit_y, -limit_y - box.bottom)
            if out > self.tolerance:
                self.report(("frame", name), f"{self.where(play)}: {name} reaches {out:.2f} units past the safe area "
                            f"(frame minus a {self.margin} margin)", name, "move it inward or make it smaller")
        names = list(boxes)
        for i, a in enumerate(names):
            for b in names[i + 1:]:
                if self._exempt(a, b):
                    continue
                width, height = boxes[a].overlap(boxes[b])
                if width > self.tolerance and height > self.tolerance:
                    self.report(("overlap", a, b), f"{self.where(play)}: {a} overlaps {b} by {width:.2f} x "
                                f"{height:.2f} units", a, f"place it with next_to, e.g. {a}.next_to({b}, DOWN)")

    def _exempt(self, a: str, b: str) -> bool:
        obj_a, obj_b = self.objects[a], self.objects[b]
        if frozenset({a, b}) in self.intended:
            return True
        if {obj_a.kind, obj_b.kind} & ({"NumberPlane"} | _SEGMENTS):
            return True
        if obj_a.z_index is not None or obj_b.z_index is not None:
            return True
        return isinstance(obj_a, ir.Plot) and isinstance(obj_b, ir.Plot) and obj_a.axes == obj_b.axes


def _geometry_renderer(probe: _Probe) -> Any:
    from manim.renderer.cairo_renderer import CairoRenderer

    class GeometryRenderer(CairoRenderer):
        """Jumps every animation to its end and records boxes; draws nothing."""

        def play(self, scene: Any, *args: Any, **kwargs: Any) -> None:
            scene.compile_animation_data(*args, **kwargs)
            scene.begin_animations()
            for animation in scene.animations:
                animation.interpolate(1.0)
                animation.finish()
                animation.clean_up_from_scene(scene)
            probe.record(scene, self.num_plays)
            self.num_plays += 1

        def scene_finished(self, scene: Any) -> None:
            probe.record(scene, None)

    return GeometryRenderer(skip_animations=True)


def check_layout(
    scene: ir.Scene, spans: SourceMap | None = None, *, margin: float = MARGIN, tolerance: float = TOLERANCE
) -> list[DSLLayoutError]:
    """Lay the scene out with Manim's geometry and return its layout findings (empty when it is clean).

    ``wait`` steps count as steps, so step numbers match the timeline. The scene must have passed
    ``dsl.checks.check``; Manim failures (such as a formula LaTeX rejects) raise ``RenderError``.
    """
    configure(64, 36, 1)
    probe = _Probe(scene, spans or SourceMap(), margin, tolerance)
    run_scene(scene, _geometry_renderer(probe), wrap=probe.watch)
    return probe.findings
