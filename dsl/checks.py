"""Semantic checks on a parsed scene: names, types, relations and the timeline.

They run in phases, because later ones need earlier ones to hold: names first (everything refers to names),
then types, then relation cycles, then the timeline. Each phase reports every error it finds. The layout check,
which needs Manim's geometry, lives in ``codegen.layout``.

Examples
--------
>>> from dsl.parser import parse
>>> [e.message for e in check(parse("scene A\\nc = Circle()\\nplay(GrowArrow(c))\\n"))]
['GrowArrow needs an Arrow or DoubleArrow, but c is a Circle']
"""

from __future__ import annotations

import math
from collections.abc import Iterator

from dsl import glyphs, ir
from dsl.errors import (
    DSLError,
    DSLErrorGroup,
    DSLLatexError,
    DSLNameError,
    DSLRelationError,
    DSLTimelineError,
    DSLTypeError,
    Span,
    did_you_mean,
)
from dsl.expr import evaluate
from dsl.latex import LatexUnavailable, compile_error
from dsl.order import find_cycle, leaves
from dsl.parser import SourceMap

#: The x range Manim gives an Axes without one (the frame's half width, rounded out).
DEFAULT_X_RANGE = (-7.0, 7.0)
MAX_PLOT_VALUE = 1e4
_BANNED_TEX = (
    "\\input",
    "\\include",
    "\\write",
    "\\read",
    "\\openin",
    "\\openout",
    "\\immediate",
    "\\catcode",
    "\\def",
    "\\let",
    "\\csname",
    "\\usepackage",
    "\\documentclass",
    "\\special",
    "\\newcommand",
)

State = ir.OnScreen


def _references(scene: ir.Scene) -> Iterator[tuple[str, tuple[str | int, ...]]]:
    """Every name a scene refers to, with its source path."""
    for i, obj in enumerate(scene.objects):
        if isinstance(obj, ir.Group):
            for j, member in enumerate(obj.members):
                yield member, ("objects", i, "members", j)
        elif isinstance(obj, ir.Plot):
            yield obj.axes, ("objects", i, "axes")
        else:
            for ref in obj.references():
                yield ref, ("objects", i, "target")
    for i, relation in enumerate(scene.relations):
        yield relation.subject, ("relations", i, "subject")
        if relation.ref is not None:
            yield relation.ref, ("relations", i, "target")
    for i, step in enumerate(scene.timeline):
        if isinstance(step, ir.Add):
            for j, target in enumerate(step.targets):
                yield target, ("timeline", i, "targets", j)
        elif isinstance(step, ir.Play):
            for j, animation in enumerate(step.animations):
                yield animation.target, ("timeline", i, "animations", j, "target")
                if isinstance(animation, ir.Transform | ir.ReplacementTransform):
                    yield animation.into, ("timeline", i, "animations", j, "into")


class _Checker:
    def __init__(self, scene: ir.Scene, spans: SourceMap, *, latex: bool = True) -> None:
        self.scene = scene
        self.latex = latex
        self.spans = spans
        self.objects = scene.object_map()
        self.errors: list[DSLError] = []
        self.state: dict[str, State] = {}
        self.removed_at: dict[str, int] = {}

    def span(self, *path: str | int) -> Span | None:
        return self.spans.get(*path)

    def error(self, cls: type[DSLError], message: str, path: tuple[str | int, ...], hint: str | None = None) -> None:
        self.errors.append(cls(message, span=self.span(*path), hint=hint, path=path))

    # names --------------------------------------------------------------------------------------------------
    def names(self) -> None:
        first: dict[str, int] = {}
        for i, obj in enumerate(self.scene.objects):
            if obj.name in first:
                line = self.span("objects", first[obj.name])
                hint = f"first defined on line {line.line}" if line else None
                self.error(DSLNameError, f"{obj.name!r} is defined twice", ("objects", i), hint)
            first.setdefault(obj.name, i)
        labels: dict[str, int] = {}
        for i, step in enumerate(self.scene.timeline):
            if step.label is None:
                continue
            if step.label in self.objects:
                self.error(DSLNameError, f"step label {step.label!r} is already an object's name", ("timeline", i))
            elif step.label in labels:
                self.error(DSLNameError, f"step label {step.label!r} is used twice", ("timeline", i))
            labels.setdefault(step.label, i)
        for name, path in _references(self.scene):
            if name in self.objects:
                continue
            if name in labels:
                self.error(DSLTypeError, f"{name!r} is a step, not an object", path, "refer to an object here")
            else:
                hint = did_you_mean(name, self.objects) or "declare it first, e.g. `name = Circle()`"
                self.error(DSLNameError, f"{name!r} is not defined", path, hint)

    # types --------------------------------------------------------------------------------------------------
    def kind(self, name: str) -> str:
        return self.objects[name].kind

    def types(self) -> None:
        holder: dict[str, str] = {}
        for i, obj in enumerate(self.scene.objects):
            if isinstance(obj, ir.Group):
                self.group(i, obj, holder)
            elif isinstance(obj, ir.Plot):
                self.plot(i, obj)
            elif isinstance(obj, ir.Brace | ir.SurroundingRectangle) and obj.target == obj.name:
                self.error(DSLTypeError, f"{obj.name} cannot surround itself", ("objects", i, "target"))
            elif isinstance(obj, ir.TextObj):
                self.text(i, obj)
            elif isinstance(obj, ir.MathTex):
                self.tex(i, obj)
        for i, relation in enumerate(self.scene.relations):
            if relation.ref == relation.subject:
                self.error(DSLRelationError, f"{relation.subject} is placed relative to itself", ("relations", i))
            if isinstance(relation, ir.Arrange) and self.kind(relation.subject) != "Group":
                hint = f"make a group: g = Group({relation.subject}, ...)"
                self.error(
                    DSLTypeError,
                    f"arrange needs a Group, but {relation.subject} is a {self.kind(relation.subject)}",
                    ("relations", i),
                    hint,
                )
        for i, step in enumerate(self.scene.timeline):
            if isinstance(step, ir.Play):
                for j, animation in enumerate(step.animations):
                    self.animation(animation, ("timeline", i, "animations", j))

    def group(self, index: int, group: ir.Group, holder: dict[str, str]) -> None:
        for j, member in enumerate(group.members):
            path = ("objects", index, "members", j)
            if member == group.name:
                self.error(DSLTypeError, f"group {group.name} contains itself", path)
            elif member in holder:
                self.error(
                    DSLTypeError,
                    f"{member} is already in group {holder[member]}",
                    path,
                    "an object belongs to at most one group",
                )
            else:
                holder[member] = group.name

    def plot(self, index: int, plot: ir.Plot) -> None:
        axes = self.objects[plot.axes]
        if not isinstance(axes, ir.Axes | ir.NumberPlane):
            self.error(
                DSLTypeError,
                f"Plot needs an Axes or NumberPlane, but {plot.axes} is a {self.kind(plot.axes)}",
                ("objects", index, "axes"),
            )
            return
        low, high = plot.x_range or (axes.x_range[:2] if axes.x_range else DEFAULT_X_RANGE)
        for k in range(101):
            x = low + (high - low) * k / 100
            y = evaluate(plot.function, x)
            if y is None or not math.isfinite(y) or abs(y) > MAX_PLOT_VALUE:
                self.error(
                    DSLTypeError,
                    f"the function is undefined or too large at x={x:.3g}",
                    ("objects", index, "function"),
                    "narrow x_range to where the function is defined",
                )
                return

    def text(self, index: int, text: ir.TextObj) -> None:
        path = ("objects", index, "text")
        if not glyphs.visible(text.text):
            self.error(DSLTypeError, "Text needs at least one visible character", path)
        elif (problem := glyphs.problem(text.text)) is not None:
            self.error(DSLTypeError, problem, path, "Pango cannot draw it; remove or replace that character")

    def tex(self, index: int, tex: ir.MathTex) -> None:
        path = ("objects", index, "tex")
        depth = 0
        for char in tex.tex.replace("\\{", "").replace("\\}", ""):
            depth += {"{": 1, "}": -1}.get(char, 0)
            if depth < 0:
                break
        if depth != 0:
            self.error(DSLTypeError, "the formula's braces { } do not balance", path)
        banned = [command for command in _BANNED_TEX if command in tex.tex]
        if banned:
            self.error(
                DSLTypeError,
                f"the formula uses {banned[0]}, which is not allowed",
                path,
                "only math-mode markup is accepted",
            )
        if depth == 0 and not banned and self.latex:
            self.compile_tex(tex.tex, path)

    def compile_tex(self, formula: str, path: tuple[str | int, ...]) -> None:
        """Typeset the formula as the renderer will (``dsl.latex``); LaTeX's first error becomes the message."""
        try:
            failure = compile_error(formula)
        except LatexUnavailable as missing:
            self.error(
                DSLLatexError,
                f"cannot check the formula: {missing}",
                path,
                "install TeX Live and dvisvgm (Manim needs them to render it), or skip with --no-latex",
            )
            return
        if failure is not None:
            self.error(
                DSLLatexError,
                f"the formula does not typeset: {failure}",
                path,
                "the renderer typesets it in Manim's default template (amsmath, amssymb), in align*",
            )

    def animation(self, animation: ir.AnimationBase, path: tuple[str | int, ...]) -> None:
        kind = animation.kind
        allowed = animation.target_kinds
        if allowed is not None and self.kind(animation.target) not in allowed:
            self.error(
                DSLTypeError,
                f"{kind} needs an {' or '.join(sorted(allowed))}, but {animation.target} is a "
                f"{self.kind(animation.target)}",
                path,
                "use GrowFromCenter or Create",
            )
        if isinstance(animation, ir.Transform | ir.ReplacementTransform) and animation.into == animation.target:
            self.error(DSLTypeError, f"{kind} needs two different objects", path)

    # relations ----------------------------------------------------------------------------------------------
    def relations(self) -> None:
        cycle = find_cycle(self.scene)
        if cycle is None:
            return
        names = [obj.name for obj in self.scene.objects]
        path = ("objects", names.index(cycle[0]))
        self.error(
            DSLRelationError,
            "layout depends on itself: " + " → ".join(cycle),
            path,
            "place one of these objects without referring to the others",
        )

    # timeline ---------------------------------------------------------------------------------------------
    def status(self, name: str) -> str:
        """hidden, visible or removed when every leaf of ``name`` agrees; otherwise partial (or removed)."""
        states = {self.state[leaf] for leaf in leaves(name, self.objects)}
        return states.pop() if len(states) == 1 else ("removed" if "removed" in states else "partial")

    def move(self, name: str, new: State, step: int) -> None:
        for leaf in leaves(name, self.objects):
            self.state[leaf] = new
            if new == "removed":
                self.removed_at[leaf] = step

    def require(self, name: str, wanted: State, path: tuple[str | int, ...], what: str) -> bool:
        now = self.status(name)
        if now == wanted:
            return True
        if now == "removed":
            gone = min(self.removed_at[leaf] for leaf in leaves(name, self.objects) if self.state[leaf] == "removed")
            line = self.span("timeline", gone)
            where = f" on line {line.line}" if line else ""
            self.error(
                DSLTimelineError,
                f"{what} {name}, which was removed{where}",
                path,
                "declare a new object instead of reusing one that is gone",
            )
        elif wanted == "hidden":
            self.error(
                DSLTimelineError, f"{what} {name}, which is already on screen", path, "an object comes on screen once"
            )
        else:
            self.error(
                DSLTimelineError,
                f"{what} {name}, which is not on screen yet",
                path,
                f"bring it in first, e.g. play(Create({name})) or add({name})",
            )
        return False

    def timeline(self) -> None:
        self.state = {name: "hidden" for name in self.objects if self.kind(name) != "Group"}
        self.removed_at = {}
        for i, step in enumerate(self.scene.timeline):
            if isinstance(step, ir.Add):
                for j, target in enumerate(step.targets):
                    before, after = ir.BRINGS_IN
                    if self.require(target, before, ("timeline", i, "targets", j), "add brings in"):
                        self.move(target, after, i)
            elif isinstance(step, ir.Play):
                self.play_step(i, step)

    def play_step(self, index: int, step: ir.Play) -> None:
        seen: set[str] = set()
        for j, animation in enumerate(step.animations):
            path = ("timeline", index, "animations", j)
            touched = [leaf for name in animation.names() for leaf in leaves(name, self.objects)]
            clash = sorted(seen.intersection(touched))
            if clash:
                self.error(
                    DSLTimelineError,
                    f"{clash[0]} is animated twice in one step",
                    path,
                    "split them into two play steps",
                )
                continue
            seen.update(touched)
            changes = [(field, getattr(animation, field), change) for field, change in animation.screen.items()]
            ok = True
            for field, name, (before, _) in changes:
                where = path if field == "target" else (*path, field)
                ok = self.require(name, before, where, _doing(animation, field)) and ok
            if ok:
                for _, name, (before, after) in changes:
                    if after != before:
                        self.move(name, after, index)


def _doing(animation: ir.AnimationBase, field: str) -> str:
    """What ``animation`` does to the object in ``field``, for messages: "FadeOut removes", "Transform morphs"."""
    if "into" in animation.screen:
        return f"{animation.kind} morphs into" if field == "into" else f"{animation.kind} morphs"
    change = animation.screen[field]
    verb = {ir.BRINGS_IN: "brings in", ir.REMOVES: "removes"}.get(change, "animates")
    return f"{animation.kind} {verb}"


def check(scene: ir.Scene, spans: SourceMap | None = None, *, latex: bool = True) -> list[DSLError]:
    """Run every semantic check and return the errors found, in phase order (empty when the scene is valid).

    ``latex=False`` skips typesetting the formulas with LaTeX (fast, but a formula may then fail at render time).

    Examples
    --------
    ``play(FadeOut(c))`` before ``c`` is shown gives "FadeOut removes c, which is not on screen yet".
    """
    checker = _Checker(scene, spans or SourceMap(), latex=latex)
    for phase in (checker.names, checker.types, checker.relations, checker.timeline):
        phase()
        if checker.errors:
            break
    return checker.errors


def validate(
    scene: ir.Scene,
    spans: SourceMap | None = None,
    *,
    source: str | None = None,
    filename: str | None = None,
    latex: bool = True,
) -> ir.Scene:
    """Raise the checks' errors as one ``DSLError`` (a ``DSLErrorGroup`` when there are several); return the scene."""
    errors = check(scene, spans, latex=latex)
    if not errors:
        return scene
    error = errors[0] if len(errors) == 1 else DSLErrorGroup(errors)
    raise error.with_context(source=source, filename=filename)
