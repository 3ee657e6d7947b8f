"""The layout checker: real bounding boxes after every step, from Manim's own geometry, without rendering.

The compiled scene is traced in geometry mode (``codegen.trace``): each animation jumps straight to its end state,
so a scene with many steps costs about as much as building its objects once. After every ``play``/``wait`` (and
once at the end, which covers a trailing ``add``) the checker reads the box of every object on screen and reports:

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

from codegen.runtime import FRAME_HEIGHT, FRAME_WIDTH
from codegen.trace import Box, SceneTrace, trace_scene
from dsl import ir
from dsl.errors import DSLLayoutError
from dsl.order import leaves
from dsl.parser import SourceMap

MARGIN = 0.5
TOLERANCE = 0.05
FRAME_HALF_WIDTH, FRAME_HALF_HEIGHT = FRAME_WIDTH / 2, FRAME_HEIGHT / 2


class _Findings:
    """Turns the boxes of a trace into layout findings, each reported once."""

    def __init__(self, scene: ir.Scene, spans: SourceMap, margin: float, tolerance: float) -> None:
        self.scene = scene
        self.spans = spans
        self.margin = margin
        self.tolerance = tolerance
        self.objects = scene.object_map()
        self.intended = self._intended_pairs()
        self.findings: list[DSLLayoutError] = []
        self.reported: set[tuple[str, ...]] = set()

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

    def where(self, step: int | None) -> str:
        if step is None:
            return "at the end of the scene"
        span = self.spans.get("timeline", step)
        return f"after step {step + 1}" + (f" (line {span.line})" if span else "")

    def report(self, key: tuple[str, ...], message: str, name: str, hint: str) -> None:
        if key in self.reported:
            return
        self.reported.add(key)
        index = [obj.name for obj in self.scene.objects].index(name)
        self.findings.append(DSLLayoutError(message, span=self.spans.get("objects", index), hint=hint))

    def inspect(self, boxes: dict[str, Box], step: int | None) -> None:
        limit_x, limit_y = FRAME_HALF_WIDTH - self.margin, FRAME_HALF_HEIGHT - self.margin
        for name, box in boxes.items():
            if self.objects[name].kind == "NumberPlane":
                continue
            out = max(box.right - limit_x, -limit_x - box.left, box.top - limit_y, -limit_y - box.bottom)
            if out > self.tolerance:
                self.report(
                    ("frame", name),
                    f"{self.where(step)}: {name} reaches {out:.2f} units past the safe area "
                    f"(frame minus a {self.margin} margin)",
                    name,
                    "move it inward or make it smaller",
                )
        names = list(boxes)
        for i, a in enumerate(names):
            for b in names[i + 1 :]:
                if self._exempt(a, b):
                    continue
                width, height = boxes[a].overlap(boxes[b])
                if width > self.tolerance and height > self.tolerance:
                    self.report(
                        ("overlap", a, b),
                        f"{self.where(step)}: {a} overlaps {b} by {width:.2f} x {height:.2f} units",
                        a,
                        f"place it with next_to, e.g. {a}.next_to({b}, DOWN)",
                    )

    def _exempt(self, a: str, b: str) -> bool:
        obj_a, obj_b = self.objects[a], self.objects[b]
        if frozenset({a, b}) in self.intended:
            return True
        if {obj_a.kind, obj_b.kind} & ({"NumberPlane"} | ir.SEGMENT_KINDS):
            return True
        if obj_a.z_index is not None or obj_b.z_index is not None:
            return True
        return isinstance(obj_a, ir.Plot) and isinstance(obj_b, ir.Plot) and obj_a.axes == obj_b.axes


def layout_findings(
    trace: SceneTrace, spans: SourceMap | None = None, *, margin: float = MARGIN, tolerance: float = TOLERANCE
) -> list[DSLLayoutError]:
    """Layout findings from the end-of-step boxes of a trace (either mode), in the order they first occur."""
    findings = _Findings(trace.scene, spans or SourceMap(), margin, tolerance)
    for boxes, step in zip(trace.step_boxes, trace.step_index, strict=True):
        findings.inspect(boxes, step)
    return findings.findings


def check_layout(
    scene: ir.Scene, spans: SourceMap | None = None, *, margin: float = MARGIN, tolerance: float = TOLERANCE
) -> list[DSLLayoutError]:
    """Lay the scene out with Manim's geometry and return its layout findings (empty when it is clean).

    ``wait`` steps count as steps, so step numbers match the timeline. The scene must have passed
    ``dsl.checks.check``; Manim failures (such as a formula LaTeX rejects) raise ``RenderError``.
    """
    trace = trace_scene(scene, mode="geometry")
    return layout_findings(trace, spans, margin=margin, tolerance=tolerance)
