"""Hypothesis strategies for scene IR.

- ``scenes()`` draws any scene the IR accepts: every object, relation, animation and step kind, optional fields
  present or absent, expression trees, palette and hex colours, and text with quotes, backslashes, newlines and
  unicode. Names need not resolve, so these feed the round-trip tests, not the compiler.
- ``valid_scenes()`` draws scenes that pass ``dsl.checks.check``. They are built valid, not filtered: names are
  unique, references point at earlier objects, relations are kept only when they add no dependency cycle, plotted
  functions are defined on their whole range, and the timeline is simulated with the checker's state machine
  (hidden → visible → removed) so every animation finds its target in the state it needs.
"""

from __future__ import annotations

import keyword
import math
from collections.abc import Sequence
from typing import Any

from hypothesis import strategies as st

from dsl import ir
from dsl.expr import evaluate
from dsl.manim_names import MANIM_NAMES
from dsl.order import find_cycle
from dsl.vocabulary import COLOR_NAMES, CORNERS, DIRECTIONS, EDGES, EXPR_CONSTS, EXPR_FUNCS, RATE_FUNCS, RESERVED

Draw = st.DrawFn


def _free_name(name: str) -> bool:
    return not keyword.iskeyword(name) and name not in RESERVED


def _opt(strategy: st.SearchStrategy[object]) -> st.SearchStrategy[object]:
    return st.none() | strategy


def _floats(low: float, high: float, *, exclude_min: bool = False) -> st.SearchStrategy[float]:
    return st.floats(low, high, exclude_min=exclude_min, allow_nan=False, allow_infinity=False)


# --- any IR-valid scene ---------------------------------------------------------------------------------------

#: A few short names so that references sometimes collide with declared objects; the rest spans the full syntax.
_names = st.sampled_from(("a", "b", "c", "g", "ax", "t1")) | st.from_regex(
    r"[a-z][A-Za-z0-9_]{0,63}", fullmatch=True
).filter(_free_name)
#: Scene names become classes, so Python keywords and Manim's own names (``DL``, ``Circle``) are not allowed.
_scene_names = st.from_regex(r"[A-Z][A-Za-z0-9_]{0,63}", fullmatch=True).filter(
    lambda name: not keyword.iskeyword(name) and name not in MANIM_NAMES
)
_colors = st.sampled_from(COLOR_NAMES) | st.from_regex(r"#[0-9A-Fa-f]{6}", fullmatch=True)
_directions = st.sampled_from(tuple(DIRECTIONS))
_coords = _floats(-ir.MAX_COORD, ir.MAX_COORD)
_points = st.tuples(_coords, _coords)
_positive = _floats(0.0, ir.MAX_COORD, exclude_min=True)
_opacity = _floats(0.0, 1.0)
_stroke = _floats(0.0, 50.0)
_font_size = _floats(0.0, 200.0, exclude_min=True)
_buff = _floats(0.0, 10.0)
_TRICKY = ('"', "\\", "\n", "\r\n", "\t", 'r"', "\\n", '\\"', "#", "'", "{", "}", "é", "∑", "😀", "\u2028", " ")
_texts = st.one_of(
    st.text(st.characters(exclude_categories=["Cs"], exclude_characters="\x00"), min_size=1, max_size=30),
    st.lists(st.sampled_from(_TRICKY) | st.text("ab x", max_size=3), min_size=1, max_size=10).map("".join).filter(bool),
    st.text('ab"\\\n', min_size=ir.MAX_TEXT - 5, max_size=ir.MAX_TEXT),
)


def _ordered_pair(values: st.SearchStrategy[float] = _coords) -> st.SearchStrategy[tuple[float, float]]:
    return st.tuples(values, values).map(lambda pair: (min(pair), max(pair))).filter(lambda pair: pair[0] < pair[1])


@st.composite
def _grid_ranges(draw: Draw) -> tuple[float, float, float]:
    low, high = draw(_ordered_pair())
    step = draw(_floats((high - low) / 100, ir.MAX_COORD).filter(lambda s: s > 0 and (high - low) / s <= 100))
    return (low, high, step)


@st.composite
def _segment_ends(draw: Draw) -> dict[str, tuple[float, float]]:
    start, end = draw(
        st.tuples(_points, _points).filter(lambda p: abs(p[0][0] - p[1][0]) + abs(p[0][1] - p[1][1]) >= ir.MIN_SEGMENT)
    )
    return {"start": start, "end": end}


_leaf_exprs = st.one_of(
    st.builds(ir.Num, value=_floats(0.0, 1e6)),
    st.just(ir.Var()),
    st.builds(ir.Const, name=st.sampled_from(tuple(EXPR_CONSTS))),
)


def _extend_exprs(children: st.SearchStrategy[ir.Node]) -> st.SearchStrategy[ir.Node]:
    return st.one_of(
        st.builds(ir.Neg, operand=children),
        st.builds(ir.BinOp, op=st.sampled_from(("+", "-", "*", "/", "^")), left=children, right=children),
        st.builds(ir.Call, func=st.sampled_from(tuple(EXPR_FUNCS)), arg=children),
    )


#: Any expression tree; values need not be defined anywhere.
exprs = st.recursive(_leaf_exprs, _extend_exprs, max_leaves=12)


def _style(**fields: st.SearchStrategy[object]) -> dict[str, st.SearchStrategy[object]]:
    return {"name": _names, "color": _opt(_colors), "z_index": _opt(st.integers(-100, 100)), **fields}


def _shape(cls: type[ir.ShapeBase], **fields: st.SearchStrategy[object]) -> st.SearchStrategy[ir.ShapeBase]:
    style = _style(fill_opacity=_opt(_opacity), stroke_opacity=_opt(_opacity), stroke_width=_opt(_stroke))
    return st.builds(cls, **style, **fields)


def _segment(cls: type[ir.ShapeBase]) -> st.SearchStrategy[ir.ShapeBase]:
    return _segment_ends().flatmap(lambda ends: _shape(cls, start=st.just(ends["start"]), end=st.just(ends["end"])))


def _grid(cls: type[ir.ObjectBase]) -> st.SearchStrategy[ir.ObjectBase]:
    fields = _style(x_range=_opt(_grid_ranges()), y_range=_opt(_grid_ranges()))
    return st.builds(cls, **fields, x_length=_opt(_positive), y_length=_opt(_positive))


OBJECTS: dict[str, st.SearchStrategy[ir.ObjectBase]] = {
    "Circle": _shape(ir.Circle, radius=_opt(_positive)),
    "Square": _shape(ir.Square, side_length=_opt(_positive)),
    "Rectangle": _shape(ir.Rectangle, width=_opt(_positive), height=_opt(_positive)),
    "Triangle": _shape(ir.Triangle, radius=_opt(_positive)),
    "RegularPolygon": _shape(ir.RegularPolygon, n=st.integers(3, 12), radius=_opt(_positive)),
    "Ellipse": _shape(ir.Ellipse, width=_opt(_positive), height=_opt(_positive)),
    "Dot": _shape(ir.Dot, radius=_opt(_positive)),
    "Line": _segment(ir.Line),
    "Arrow": _segment(ir.Arrow),
    "DoubleArrow": _segment(ir.DoubleArrow),
    "Text": st.builds(ir.TextObj, **_style(text=_texts, font_size=_opt(_font_size))),
    "MathTex": st.builds(ir.MathTex, **_style(tex=_texts, font_size=_opt(_font_size))),
    "Brace": st.builds(ir.Brace, **_style(target=_names, direction=_opt(_directions))),
    "SurroundingRectangle": st.builds(ir.SurroundingRectangle, **_style(target=_names, buff=_opt(_floats(0.0, 5.0)))),
    "Axes": _grid(ir.Axes),
    "NumberPlane": _grid(ir.NumberPlane),
    "Plot": st.builds(
        ir.Plot, **_style(axes=_names, function=exprs, x_range=_opt(_ordered_pair()), stroke_width=_opt(_stroke))
    ),
    "Group": st.builds(ir.Group, **_style(members=st.lists(_names, min_size=1, max_size=5).map(tuple))),
}
RELATIONS: dict[str, st.SearchStrategy[ir.RelationBase]] = {
    "move_to": st.builds(ir.MoveToRel, subject=_names, point=_points),
    "next_to": st.builds(ir.NextTo, subject=_names, target=_names, direction=_directions, buff=_opt(_buff)),
    "to_edge": st.builds(ir.ToEdge, subject=_names, edge=st.sampled_from(EDGES), buff=_opt(_buff)),
    "to_corner": st.builds(ir.ToCorner, subject=_names, corner=st.sampled_from(CORNERS), buff=_opt(_buff)),
    "align_to": st.builds(ir.AlignTo, subject=_names, target=_names, edge=st.sampled_from(EDGES)),
    "arrange": st.builds(ir.Arrange, subject=_names, direction=_directions, buff=_opt(_buff)),
}


def _animation(cls: type[ir.AnimationBase], **fields: st.SearchStrategy[object]) -> st.SearchStrategy[ir.AnimationBase]:
    return st.builds(cls, target=_names, **fields)


ANIMATIONS: dict[str, st.SearchStrategy[ir.AnimationBase]] = {
    "Create": _animation(ir.Create),
    "Write": _animation(ir.Write),
    "FadeIn": _animation(ir.FadeIn, shift=_opt(_directions)),
    "FadeOut": _animation(ir.FadeOut, shift=_opt(_directions)),
    "GrowFromCenter": _animation(ir.GrowFromCenter),
    "GrowArrow": _animation(ir.GrowArrow),
    "DrawBorderThenFill": _animation(ir.DrawBorderThenFill),
    "Transform": _animation(ir.Transform, into=_names),
    "ReplacementTransform": _animation(ir.ReplacementTransform, into=_names),
    "Indicate": _animation(ir.Indicate),
    "Circumscribe": _animation(ir.Circumscribe),
    "Rotate": _animation(ir.Rotate, angle=_floats(-3600.0, 3600.0)),
    "MoveTo": _animation(ir.MoveTo, point=_points),
    "Shift": _animation(ir.Shift, vector=_points),
    "Scale": _animation(ir.Scale, factor=_floats(0.0, 20.0, exclude_min=True)),
    "SetColor": _animation(ir.SetColor, color=_colors),
}
_seconds = _floats(0.0, 60.0, exclude_min=True)
STEPS: dict[str, st.SearchStrategy[ir.StepBase]] = {
    "play": st.builds(
        ir.Play,
        label=_opt(_names),
        animations=st.lists(st.one_of(*ANIMATIONS.values()), min_size=1, max_size=4).map(tuple),
        run_time=_opt(_seconds),
        rate_func=_opt(st.sampled_from(RATE_FUNCS)),
        lag_ratio=_opt(_opacity),
    ),
    "wait": st.builds(ir.Wait, label=_opt(_names), duration=_seconds),
    "add": st.builds(ir.Add, label=_opt(_names), targets=st.lists(_names, min_size=1, max_size=5).map(tuple)),
}
assert set(OBJECTS) == set(ir.OBJECT_KINDS), "scenes() must draw every object kind"
assert set(RELATIONS) == set(ir.RELATION_KINDS), "scenes() must draw every relation kind"
assert set(ANIMATIONS) == set(ir.ANIMATION_KINDS), "scenes() must draw every animation kind"
assert set(STEPS) == set(ir.STEP_KINDS), "scenes() must draw every step kind"


def scenes(*, max_objects: int = 6, max_relations: int = 4, max_steps: int = 5) -> st.SearchStrategy[ir.Scene]:
    """Any scene the IR accepts; names need not resolve, so it is for round trips, not for ``check``."""
    return st.builds(
        ir.Scene,
        name=_scene_names,
        objects=st.lists(st.one_of(*OBJECTS.values()), max_size=max_objects).map(tuple),
        relations=st.lists(st.one_of(*RELATIONS.values()), max_size=max_relations).map(tuple),
        timeline=st.lists(st.one_of(*STEPS.values()), max_size=max_steps).map(tuple),
    )


# --- scenes that pass the checks ------------------------------------------------------------------------------

#: Formulas cost ~0.4 s of LaTeX the first time each is rendered, so valid scenes reuse a few.
FORMULAS = (r"x^2", r"e^{i\pi} + 1 = 0", r"\frac{a}{b}", r"a^2 + b^2 = c^2", r"\sum_{n=1}^{N} n", r"\sqrt{2}")
WORDS = ("hello", "circle", "x", "Area", "step one", "f(x)", "Q.E.D", "a+b=c")
SCENE_NAMES = ("Main", "Demo", "Scene_1", "Scene_Random", "Generated")
_SHAPES = ("Circle", "Square", "Rectangle", "Triangle", "RegularPolygon", "Ellipse", "Dot")
_SEGMENTS = ("Line", "Arrow", "DoubleArrow")
_INTRODUCE = ("Create", "Write", "FadeIn", "GrowFromCenter", "DrawBorderThenFill")
_MODIFY = ("Indicate", "Circumscribe", "Rotate", "MoveTo", "Shift", "Scale", "SetColor", "FadeOut")

_valid_names = st.one_of(
    st.from_regex(r"[a-z][a-z0-9_]{0,7}", fullmatch=True),
    st.from_regex(r"[a-z][A-Za-z0-9_]{8,40}", fullmatch=True),
).filter(_free_name)
_x = st.integers(-500, 500).map(lambda v: v / 100)
_y = st.integers(-300, 300).map(lambda v: v / 100)
_size = st.integers(20, 200).map(lambda v: v / 100)
_unit = st.integers(0, 100).map(lambda v: v / 100)
_coef = st.integers(-20, 20).map(lambda v: v / 10)


def _number(value: float) -> ir.Node:
    """An expression for a signed literal (the IR's ``Num`` is never negative)."""
    return ir.Num(value=value) if value >= 0 else ir.Neg(operand=ir.Num(value=-value))


def _times(a: ir.Node, b: ir.Node) -> ir.Node:
    return ir.BinOp(op="*", left=a, right=b)


def _plus(a: ir.Node, b: ir.Node) -> ir.Node:
    return ir.BinOp(op="+", left=a, right=b)


def _over(a: ir.Node, b: ir.Node) -> ir.Node:
    return ir.BinOp(op="/", left=a, right=b)


def _power(a: ir.Node, b: ir.Node) -> ir.Node:
    return ir.BinOp(op="^", left=a, right=b)


def _call(func: str, arg: ir.Node) -> ir.Node:
    return ir.Call.model_validate({"func": func, "arg": arg})


@st.composite
def _polynomial(draw: Draw) -> ir.Node:
    """``c0 + c1 * x + c2 * x ^ 2 + c3 * x ^ 3``; |y| ≤ 800 on [-7, 7]."""
    terms: list[ir.Node] = []
    for power in range(draw(st.integers(0, 3)) + 1):
        c = draw(_coef)
        if power == 0:
            terms.append(_number(c))
        else:
            x = ir.Var() if power == 1 else _power(ir.Var(), ir.Num(value=power))
            terms.append(_times(_number(c), x))
    result = terms[0]
    for term in terms[1:]:
        result = _plus(result, term)
    return result


@st.composite
def _bounded(draw: Draw) -> ir.Node:
    """A function with |y| ≤ 3 everywhere: a wave, a bump or a smooth step."""
    x, two = ir.Var(), ir.Num(value=2)
    inner = _plus(_times(_number(draw(_coef)), x), _number(draw(_coef)))
    choices = [
        _times(_number(draw(_coef)), _call(draw(st.sampled_from(("sin", "cos"))), inner)),
        _call("exp", ir.Neg(operand=_over(_power(x, two), ir.Num(value=draw(st.integers(1, 8)))))),
        _call("exp", _call("sin", x)),
        _power(ir.Const(name="e"), _call("cos", inner)),
        _call("sqrt", _call("abs", _call("sin", x))),
        _over(x, _plus(ir.Num(value=1), _power(x, two))),
        _call("cos", _over(_times(ir.Const(name="pi"), x), ir.Num(value=4))),
    ]
    return draw(st.sampled_from(choices))


@st.composite
def _growing(draw: Draw) -> ir.Node:
    """A function that grows slowly enough to stay under 10^3 on [-7, 7]."""
    x = ir.Var()
    choices = [
        _call("sqrt", _call("abs", x)),
        _call("log", _plus(ir.Num(value=1), _power(x, ir.Num(value=2)))),
        _call("abs", x),
        draw(_polynomial()),
    ]
    return draw(st.sampled_from(choices))


def _defined(function: ir.Node, low: float, high: float) -> bool:
    """True when ``function`` is finite and moderate on the checker's 101 samples and on a denser grid."""
    samples = [low + (high - low) * k / 100 for k in range(101)]
    samples += [low + (high - low) * k / 1000 for k in range(1001)]
    for x in samples:
        y = evaluate(function, x)
        if y is None or not math.isfinite(y) or abs(y) > 1e3:
            return False
    return True


_small_exprs = st.recursive(
    st.one_of(
        st.builds(ir.Num, value=st.integers(0, 40).map(lambda v: v / 4)),
        st.just(ir.Var()),
        st.builds(ir.Const, name=st.sampled_from(tuple(EXPR_CONSTS))),
    ),
    _extend_exprs,
    max_leaves=6,
)


@st.composite
def plot_functions(draw: Draw, low: float = -7.0, high: float = 7.0) -> ir.Node:
    """A function of ``x`` defined and below 10^3 in absolute value on the whole of ``[low, high]``.

    Mostly built from safe pieces (polynomials, waves, bumps, sums and products of them); sometimes a random tree
    that happened to be defined on a dense grid.
    """
    shape = draw(st.sampled_from(("bounded", "growing", "sum", "product", "random")))
    if shape == "bounded":
        return draw(_bounded())
    if shape == "growing":
        return draw(_growing())
    if shape == "sum":
        return _plus(draw(_growing()), draw(_bounded()))
    if shape == "product":
        return _times(draw(_bounded()), draw(_bounded()))
    candidate: ir.Node = draw(_small_exprs)
    return candidate if _defined(candidate, low, high) else draw(_bounded())


def _valid_style(draw: Draw, *, shape: bool) -> dict[str, object]:
    style: dict[str, object] = {
        "color": draw(_opt(_colors)),
        "z_index": draw(_opt(st.integers(-3, 3))),
    }
    if shape:
        style["fill_opacity"] = draw(_opt(_unit))
        style["stroke_opacity"] = draw(_opt(_unit))
        style["stroke_width"] = draw(_opt(st.integers(0, 8).map(float)))
    return style


def _grid_range_valid(draw: Draw) -> tuple[float, float, float] | None:
    if draw(st.booleans()):
        return None
    return (-float(draw(st.integers(1, 5))), float(draw(st.integers(1, 5))), draw(st.sampled_from((0.5, 1.0, 2.0))))


def _segment_fields(draw: Draw) -> dict[str, Any]:
    start = (draw(_x), draw(_y))
    dx, dy = draw(st.integers(-300, 300)) / 100, draw(st.integers(-300, 300)) / 100
    end = (round(max(-6.0, min(6.0, start[0] + dx)), 2), round(max(-3.5, min(3.5, start[1] + dy)), 2))
    if abs(end[0] - start[0]) + abs(end[1] - start[1]) < 0.5:
        end = (start[0] - 1.0 if start[0] > 0 else start[0] + 1.0, start[1])
    return {"start": start, "end": end}


def _plot_fields(draw: Draw, earlier: Sequence[ir.ObjectBase]) -> dict[str, Any]:
    axes = draw(st.sampled_from([obj for obj in earlier if isinstance(obj, ir.Axes | ir.NumberPlane)]))
    low, high = axes.x_range[:2] if axes.x_range else (-7.0, 7.0)
    x_range = None
    if draw(st.booleans()):
        a, b = sorted(draw(st.lists(st.integers(0, 10), min_size=2, max_size=2, unique=True)))
        x_range = (low + (high - low) * a / 10, low + (high - low) * b / 10)
        low, high = x_range
    return {
        "axes": axes.name,
        "function": draw(plot_functions(low, high)),
        "x_range": x_range,
        "stroke_width": draw(_opt(st.integers(1, 8).map(float))),
    }


@st.composite
def _valid_object(
    draw: Draw, kind: str, name: str, earlier: Sequence[ir.ObjectBase], grouped: frozenset[str]
) -> ir.ObjectBase:
    """One object of ``kind`` that refers only to ``earlier`` objects (and groups only ungrouped ones)."""
    cls = ir.OBJECT_KINDS[kind]
    fields: dict[str, Any] = {"name": name, **_valid_style(draw, shape=issubclass(cls, ir.ShapeBase))}
    if kind in _SHAPES:
        for field in ("radius", "side_length", "width", "height"):
            if field in cls.model_fields:
                fields[field] = draw(_opt(_size))
        if kind == "Dot" and fields["radius"] is not None:
            fields["radius"] /= 4
        if kind == "RegularPolygon":
            fields["n"] = draw(st.integers(3, 12))
    elif kind in _SEGMENTS:
        fields.update(_segment_fields(draw))
    elif kind == "Text":
        fields["text"] = draw(st.sampled_from(WORDS) | st.from_regex(r"[A-Za-z]{1,8}", fullmatch=True))
        fields["font_size"] = draw(_opt(st.integers(16, 60).map(float)))
    elif kind == "MathTex":
        fields["tex"] = draw(st.sampled_from(FORMULAS))
        fields["font_size"] = draw(_opt(st.integers(16, 60).map(float)))
    elif kind in ("Brace", "SurroundingRectangle"):
        fields["target"] = draw(st.sampled_from([obj.name for obj in earlier]))
        if kind == "Brace":
            fields["direction"] = draw(_opt(_directions))
        else:
            fields["buff"] = draw(_opt(_unit.map(lambda v: v / 2)))
    elif kind in ir.AXES_KINDS:
        fields["x_range"] = _grid_range_valid(draw)
        fields["y_range"] = _grid_range_valid(draw)
        fields["x_length"] = draw(_opt(st.integers(2, 8).map(float)))
        fields["y_length"] = draw(_opt(st.integers(2, 5).map(float)))
    elif kind == "Plot":
        fields.update(_plot_fields(draw, earlier))
    else:
        assert kind == "Group", f"no valid-object recipe for {kind}"
        free = [obj.name for obj in earlier if obj.name not in grouped]
        fields["members"] = tuple(draw(st.lists(st.sampled_from(free), min_size=1, max_size=3, unique=True)))
    return cls.model_validate(fields)


def _object_kinds(earlier: Sequence[ir.ObjectBase], grouped: set[str], tex: bool) -> list[str]:
    kinds = [*_SHAPES, *_SEGMENTS, "Text", "Axes", "NumberPlane"]
    if tex:
        kinds.append("MathTex")
    if earlier:
        kinds += ["Brace", "SurroundingRectangle"]
    if any(obj.kind in ir.AXES_KINDS for obj in earlier):
        kinds += ["Plot"] * 4
    if any(obj.name not in grouped for obj in earlier):
        kinds += ["Group", "Group"]
    return kinds


def _valid_objects(draw: Draw, names: Sequence[str], tex: bool) -> list[ir.ObjectBase]:
    objects: list[ir.ObjectBase] = []
    grouped: set[str] = set()
    for name in names:
        kind = draw(st.sampled_from(_object_kinds(objects, grouped, tex)))
        obj = draw(_valid_object(kind, name, objects, frozenset(grouped)))
        # A group adds implied layout edges (see dsl.order), which can close a cycle through braces and plots.
        if isinstance(obj, ir.Group) and find_cycle(ir.Scene(objects=(*objects, obj))) is not None:
            obj = ir.Dot(name=name)
        if isinstance(obj, ir.Group):
            grouped.update(obj.members)
        objects.append(obj)
    return objects


def _valid_relations(draw: Draw, objects: Sequence[ir.ObjectBase]) -> list[ir.RelationBase]:
    relations: list[ir.RelationBase] = []
    if not objects:
        return relations
    for _ in range(draw(st.integers(0, len(objects)))):
        subject = draw(st.sampled_from(objects))
        others = [obj.name for obj in objects if obj.name != subject.name]
        kinds = ["move_to", "to_edge", "to_corner"] + (["next_to", "align_to"] if others else [])
        if isinstance(subject, ir.Group):
            kinds += ["arrange", "arrange"]
        kind = draw(st.sampled_from(kinds))
        buff = draw(_opt(_unit))
        relation: ir.RelationBase
        if kind == "move_to":
            relation = ir.MoveToRel(subject=subject.name, point=(draw(_x), draw(_y)))
        elif kind == "to_edge":
            relation = ir.ToEdge(subject=subject.name, edge=draw(st.sampled_from(EDGES)), buff=buff)
        elif kind == "to_corner":
            relation = ir.ToCorner(subject=subject.name, corner=draw(st.sampled_from(CORNERS)), buff=buff)
        elif kind == "next_to":
            relation = ir.NextTo(
                subject=subject.name, target=draw(st.sampled_from(others)), direction=draw(_directions), buff=buff
            )
        elif kind == "align_to":
            relation = ir.AlignTo(
                subject=subject.name, target=draw(st.sampled_from(others)), edge=draw(st.sampled_from(EDGES))
            )
        else:
            relation = ir.Arrange(subject=subject.name, direction=draw(_directions), buff=buff)
        if find_cycle(ir.Scene(objects=tuple(objects), relations=(*relations, relation))) is None:
            relations.append(relation)
    return relations


class _Timeline:
    """The checker's state machine, replayed forward: each leaf object is hidden, visible or removed."""

    def __init__(self, objects: Sequence[ir.ObjectBase]) -> None:
        self.objects = {obj.name: obj for obj in objects}
        self.state = {obj.name: "hidden" for obj in objects if not isinstance(obj, ir.Group)}

    def leaves(self, name: str) -> set[str]:
        obj = self.objects[name]
        if isinstance(obj, ir.Group):
            return set().union(*(self.leaves(member) for member in obj.members))
        return {name}

    def status(self, name: str) -> str:
        states = {self.state[leaf] for leaf in self.leaves(name)}
        return states.pop() if len(states) == 1 else "partial"

    def candidates(self, wanted: str, busy: set[str], kinds: frozenset[str] | None = None) -> list[str]:
        return [
            name
            for name, obj in self.objects.items()
            if (kinds is None or obj.kind in kinds) and self.status(name) == wanted and not self.leaves(name) & busy
        ]

    def move(self, name: str, new: str) -> None:
        for leaf in self.leaves(name):
            self.state[leaf] = new


def _animation_fields(draw: Draw, kind: str) -> dict[str, Any]:
    """The parameters of an animation other than its target and ``into``."""
    if kind in ("FadeIn", "FadeOut"):
        return {"shift": draw(_opt(_directions))}
    if kind == "Rotate":
        return {"angle": float(draw(st.integers(-360, 360)))}
    if kind == "MoveTo":
        return {"point": (draw(_x), draw(_y))}
    if kind == "Shift":
        return {"vector": (draw(_x) / 2, draw(_y) / 2)}
    if kind == "Scale":
        return {"factor": draw(st.sampled_from((0.5, 0.8, 1.5, 2.0)))}
    if kind == "SetColor":
        return {"color": draw(_colors)}
    return {}


def _valid_animation(draw: Draw, timeline: _Timeline, busy: set[str]) -> ir.AnimationBase | None:
    """An animation whose objects are in the state it needs and not yet touched in this step (``busy``)."""
    hidden = timeline.candidates("hidden", busy)
    visible = timeline.candidates("visible", busy)
    arrows = timeline.candidates("hidden", busy, ir.ARROW_KINDS)
    options: list[str] = []
    if hidden:
        options += _INTRODUCE
    if arrows:
        options += ["GrowArrow", "GrowArrow"]
    if visible:
        options += _MODIFY
    if visible and hidden:
        options += ["Transform", "ReplacementTransform"] * 2
    if not options:
        return None
    kind = draw(st.sampled_from(options))
    pool = arrows if kind == "GrowArrow" else hidden if kind in _INTRODUCE else visible
    fields: dict[str, Any] = {"target": draw(st.sampled_from(pool)), **_animation_fields(draw, kind)}
    busy.update(timeline.leaves(fields["target"]))
    if kind in ("Transform", "ReplacementTransform"):
        fields["into"] = draw(st.sampled_from(hidden))
        busy.update(timeline.leaves(fields["into"]))
        if kind == "ReplacementTransform":
            timeline.move(fields["target"], "removed")
            timeline.move(fields["into"], "visible")
    elif kind in _INTRODUCE or kind == "GrowArrow":
        timeline.move(fields["target"], "visible")
    elif kind == "FadeOut":
        timeline.move(fields["target"], "removed")
    return ir.ANIMATION_KINDS[kind].model_validate(fields)


_run_times = st.sampled_from((0.05, 0.2, 0.5, 1.0, 1.5))


def _valid_timeline(
    draw: Draw, objects: Sequence[ir.ObjectBase], labels: Sequence[str], max_steps: int
) -> list[ir.StepBase]:
    timeline = _Timeline(objects)
    steps: list[ir.StepBase] = []
    for index in range(draw(st.integers(0, max_steps))):
        label = labels[index] if draw(st.integers(0, 3)) == 0 else None
        kind = draw(st.sampled_from(("play", "play", "play", "add", "wait")))
        if kind == "play":
            busy: set[str] = set()
            animations = []
            for _ in range(draw(st.integers(1, 3))):
                animation = _valid_animation(draw, timeline, busy)
                if animation is None:
                    break
                animations.append(animation)
            if animations:
                steps.append(
                    ir.Play(
                        label=label,
                        animations=tuple(animations),
                        run_time=draw(_opt(_run_times)),
                        rate_func=draw(_opt(st.sampled_from(RATE_FUNCS))),
                        lag_ratio=draw(_opt(_unit)),
                    )
                )
                continue
        elif kind == "add" and timeline.candidates("hidden", set()):
            targets = []
            for _ in range(draw(st.integers(1, 3))):
                hidden = timeline.candidates("hidden", set())
                if not hidden:
                    break
                target: str = draw(st.sampled_from(hidden))
                timeline.move(target, "visible")
                targets.append(target)
            steps.append(ir.Add(label=label, targets=tuple(targets)))
            continue
        steps.append(ir.Wait(label=label, duration=draw(_run_times)))
    return steps


@st.composite
def valid_scenes(draw: Draw, max_objects: int = 5, max_steps: int = 6, tex: bool = True) -> ir.Scene:
    """A scene that passes ``dsl.checks.check`` with moderate sizes, so it stays roughly on screen.

    Parameters
    ----------
    max_objects
        At most this many declared objects (groups, braces and plots included).
    max_steps
        At most this many timeline steps.
    tex
        Whether ``MathTex`` objects may appear (each new formula costs a LaTeX run when rendered).
    """
    n_objects: int = draw(st.integers(0, max_objects))
    names: list[str] = draw(
        st.lists(_valid_names, min_size=n_objects + max_steps, max_size=n_objects + max_steps, unique=True)
    )
    objects = _valid_objects(draw, names[:n_objects], tex)
    relations = _valid_relations(draw, objects)
    timeline = _valid_timeline(draw, objects, names[n_objects:], max_steps)
    return ir.Scene(
        name=draw(st.sampled_from(SCENE_NAMES)),
        objects=tuple(objects),
        relations=tuple(relations),
        timeline=tuple(timeline),
    )
