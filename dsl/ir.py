"""The typed intermediate representation (IR) of one scene: objects, layout relations and a timeline.

Every model is frozen and forbids extra fields; each variant of a union carries a ``kind`` literal, so the IR
round-trips through JSON and any tool can emit it from the JSON Schema (``dsl2manim schema``).

``None`` in an optional attribute means "Manim's default", and the compiler then leaves the argument out.

Examples
--------
DSL ``c = Circle(radius=1.0, color=BLUE)`` is ``Circle(name="c", radius=1.0, color="BLUE")`` here, and the
compiler emits ``c = Circle(radius=1.0, color=BLUE)``.
"""

from __future__ import annotations

import keyword
import re
from collections.abc import Mapping
from types import MappingProxyType
from typing import Annotated, ClassVar, Literal, Union

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator

from dsl.manim_names import MANIM_NAMES
from dsl.vocabulary import COLOR_NAMES, CORNERS, DIRECTIONS, EDGES, EXPR_CONSTS, EXPR_FUNCS, RATE_FUNCS, RESERVED

MAX_COORD = 100.0
MAX_TEXT = 500
#: Shorter lines and arrows have no room for their tips.
MIN_SEGMENT = 0.1
_NAME_RE = re.compile(r"[a-z][A-Za-z0-9_]{0,63}")
_SCENE_RE = re.compile(r"[A-Z][A-Za-z0-9_]{0,63}")
_HEX_RE = re.compile(r"#[0-9A-Fa-f]{6}")


def _check_name(value: str) -> str:
    if not _NAME_RE.fullmatch(value):
        raise ValueError(f"{value!r} is not a valid name: use a lowercase letter, then letters, digits or _")
    if keyword.iskeyword(value) or value in RESERVED:
        raise ValueError(f"{value!r} is a reserved word and cannot name an object or step")
    return value


def _check_scene_name(value: str) -> str:
    if not _SCENE_RE.fullmatch(value):
        raise ValueError(f"{value!r} is not a valid scene name: start with a capital letter (it becomes a class)")
    if keyword.iskeyword(value) or value in MANIM_NAMES:
        raise ValueError(f"{value!r} cannot name a scene: Python or Manim already uses it (try {value}Scene)")
    return value


def _check_color(value: str) -> str:
    if value in COLOR_NAMES:
        return value
    if _HEX_RE.fullmatch(value):
        return value.upper()
    raise ValueError(f"{value!r} is not a colour: use a Manim palette name such as BLUE or hex like '#1f77b4'")


def _check_text(value: str) -> str:
    if len(value) > MAX_TEXT:
        raise ValueError(f"text is {len(value)} characters long; the limit is {MAX_TEXT}")
    if "\x00" in value:
        raise ValueError("text must not contain NUL characters")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise ValueError("text must be valid Unicode (no lone surrogates)") from None
    return value


Name = Annotated[str, AfterValidator(_check_name)]
SceneName = Annotated[str, AfterValidator(_check_scene_name)]
Color = Annotated[str, AfterValidator(_check_color)]
Text = Annotated[str, AfterValidator(_check_text)]
Coord = Annotated[float, Field(ge=-MAX_COORD, le=MAX_COORD)]
Positive = Annotated[float, Field(gt=0.0, le=MAX_COORD)]
Opacity = Annotated[float, Field(ge=0.0, le=1.0)]
Point = tuple[Coord, Coord]
Direction = Literal["UP", "DOWN", "LEFT", "RIGHT", "UL", "UR", "DL", "DR"]
Edge = Literal["UP", "DOWN", "LEFT", "RIGHT"]
Corner = Literal["UL", "UR", "DL", "DR"]
RateFunc = Literal[
    "smooth",
    "linear",
    "rush_into",
    "rush_from",
    "there_and_back",
    "double_smooth",
    "ease_in_sine",
    "ease_out_sine",
    "ease_in_out_sine",
    "ease_in_out_cubic",
    "ease_out_bounce",
]
assert set(RateFunc.__args__) == set(RATE_FUNCS), "RateFunc must list vocabulary.RATE_FUNCS"  # type: ignore[attr-defined]
assert set(Direction.__args__) == set(DIRECTIONS), "Direction must list vocabulary.DIRECTIONS"  # type: ignore[attr-defined]
assert Edge.__args__ == EDGES and Corner.__args__ == CORNERS, "Edge/Corner must match the vocabulary"  # type: ignore[attr-defined]


class Node(BaseModel):
    """Base of every IR model: frozen, no extra fields, no NaN or infinity."""

    model_config = ConfigDict(frozen=True, extra="forbid", allow_inf_nan=False)

    #: The variant tag; every concrete model narrows it to a ``Literal`` with a default.
    kind: str

    #: Fields the canonical printer writes as positional arguments, in this order.
    positional: ClassVar[tuple[str, ...]] = ()


# --- expressions for function plots -------------------------------------------------------------------------


class Num(Node):
    """A non-negative number literal; negative values are ``Neg(Num)``."""

    kind: Literal["num"] = "num"
    value: Annotated[float, Field(ge=0.0, le=1e6)]


class Var(Node):
    """The plotted variable ``x``."""

    kind: Literal["var"] = "var"


class Const(Node):
    """A named constant, ``pi`` or ``e``."""

    kind: Literal["const"] = "const"
    name: Literal["pi", "e"]


class Neg(Node):
    """Unary minus."""

    kind: Literal["neg"] = "neg"
    operand: Expr


class BinOp(Node):
    """A binary operation; ``^`` is the power."""

    kind: Literal["binop"] = "binop"
    op: Literal["+", "-", "*", "/", "^"]
    left: Expr
    right: Expr


class Call(Node):
    """One of the allowed functions applied to an expression."""

    kind: Literal["call"] = "call"
    func: Literal["sin", "cos", "tan", "exp", "log", "sqrt", "abs"]
    arg: Expr


Expr = Annotated[Union[Num, Var, Const, Neg, BinOp, Call], Field(discriminator="kind")]  # noqa: UP007
assert set(Call.model_fields["func"].annotation.__args__) == set(EXPR_FUNCS), "Call.func must list EXPR_FUNCS"  # type: ignore[union-attr]
assert set(Const.model_fields["name"].annotation.__args__) == set(EXPR_CONSTS), "Const must list EXPR_CONSTS"  # type: ignore[union-attr]


# --- objects ------------------------------------------------------------------------------------------------


class ObjectBase(Node):
    """Fields shared by every object: its name and optional style."""

    name: Name
    color: Color | None = None
    z_index: Annotated[int, Field(ge=-100, le=100)] | None = None

    #: Names of other objects this one is built from (the scene graph's structural edges).
    def references(self) -> tuple[str, ...]:
        """Return the names this object refers to, in field order."""
        return ()


class ShapeBase(ObjectBase):
    """A VMobject with fill and stroke."""

    fill_opacity: Opacity | None = None
    stroke_opacity: Opacity | None = None
    stroke_width: Annotated[float, Field(ge=0.0, le=50.0)] | None = None


class Circle(ShapeBase):
    kind: Literal["Circle"] = "Circle"
    radius: Positive | None = None


class Square(ShapeBase):
    kind: Literal["Square"] = "Square"
    side_length: Positive | None = None


class Rectangle(ShapeBase):
    kind: Literal["Rectangle"] = "Rectangle"
    width: Positive | None = None
    height: Positive | None = None


class Triangle(ShapeBase):
    kind: Literal["Triangle"] = "Triangle"
    radius: Positive | None = None


class RegularPolygon(ShapeBase):
    kind: Literal["RegularPolygon"] = "RegularPolygon"
    positional: ClassVar[tuple[str, ...]] = ("n",)
    n: Annotated[int, Field(ge=3, le=12)]
    radius: Positive | None = None


class Ellipse(ShapeBase):
    kind: Literal["Ellipse"] = "Ellipse"
    width: Positive | None = None
    height: Positive | None = None


class Dot(ShapeBase):
    kind: Literal["Dot"] = "Dot"
    radius: Positive | None = None


class _Segment(ShapeBase):
    positional: ClassVar[tuple[str, ...]] = ("start", "end")
    start: Point
    end: Point

    @model_validator(mode="after")
    def _distinct_ends(self) -> _Segment:
        if abs(self.start[0] - self.end[0]) + abs(self.start[1] - self.end[1]) < MIN_SEGMENT:
            raise ValueError(f"start and end must be at least {MIN_SEGMENT} apart")
        return self


class Line(_Segment):
    kind: Literal["Line"] = "Line"


class Arrow(_Segment):
    kind: Literal["Arrow"] = "Arrow"


class DoubleArrow(_Segment):
    kind: Literal["DoubleArrow"] = "DoubleArrow"


class TextObj(ObjectBase):
    """Plain text rendered with Pango (Manim ``Text``)."""

    kind: Literal["Text"] = "Text"
    positional: ClassVar[tuple[str, ...]] = ("text",)
    text: Annotated[Text, Field(min_length=1)]
    font_size: Annotated[float, Field(gt=0.0, le=200.0)] | None = None


class MathTex(ObjectBase):
    """A LaTeX formula in math mode (Manim ``MathTex``)."""

    kind: Literal["MathTex"] = "MathTex"
    positional: ClassVar[tuple[str, ...]] = ("tex",)
    tex: Annotated[Text, Field(min_length=1)]
    font_size: Annotated[float, Field(gt=0.0, le=200.0)] | None = None


class Brace(ObjectBase):
    """A curly brace along one side of a target object."""

    kind: Literal["Brace"] = "Brace"
    positional: ClassVar[tuple[str, ...]] = ("target",)
    target: Name
    direction: Direction | None = None

    def references(self) -> tuple[str, ...]:
        return (self.target,)


class SurroundingRectangle(ObjectBase):
    """A rectangle drawn around a target object."""

    kind: Literal["SurroundingRectangle"] = "SurroundingRectangle"
    positional: ClassVar[tuple[str, ...]] = ("target",)
    target: Name
    buff: Annotated[float, Field(ge=0.0, le=5.0)] | None = None

    def references(self) -> tuple[str, ...]:
        return (self.target,)


class _Grid(ObjectBase):
    x_range: tuple[Coord, Coord, Positive] | None = None
    y_range: tuple[Coord, Coord, Positive] | None = None
    x_length: Positive | None = None
    y_length: Positive | None = None

    @model_validator(mode="after")
    def _ordered_ranges(self) -> _Grid:
        for label, rng in (("x_range", self.x_range), ("y_range", self.y_range)):
            if rng is not None:
                if rng[0] >= rng[1]:
                    raise ValueError(f"{label} must go from low to high")
                if (rng[1] - rng[0]) / rng[2] > 100:
                    raise ValueError(f"{label} has more than 100 ticks; use a larger step")
        return self


class Axes(_Grid):
    kind: Literal["Axes"] = "Axes"


class NumberPlane(_Grid):
    kind: Literal["NumberPlane"] = "NumberPlane"


class Plot(ObjectBase):
    """The graph of ``y = function(x)`` drawn on an Axes or NumberPlane (Manim ``axes.plot``)."""

    kind: Literal["Plot"] = "Plot"
    positional: ClassVar[tuple[str, ...]] = ("axes", "function")
    axes: Name
    function: Expr
    x_range: tuple[Coord, Coord] | None = None
    stroke_width: Annotated[float, Field(ge=0.0, le=50.0)] | None = None

    @model_validator(mode="after")
    def _ordered_range(self) -> Plot:
        if self.x_range is not None and self.x_range[0] >= self.x_range[1]:
            raise ValueError("x_range must go from low to high")
        return self

    def references(self) -> tuple[str, ...]:
        return (self.axes,)


class Group(ObjectBase):
    """A VGroup of other objects; an object belongs to at most one group."""

    kind: Literal["Group"] = "Group"
    members: Annotated[tuple[Name, ...], Field(min_length=1, max_length=64)]

    def references(self) -> tuple[str, ...]:
        return self.members


Object = Annotated[
    Union[  # noqa: UP007
        Circle,
        Square,
        Rectangle,
        Triangle,
        RegularPolygon,
        Ellipse,
        Dot,
        Line,
        Arrow,
        DoubleArrow,
        TextObj,
        MathTex,
        Brace,
        SurroundingRectangle,
        Axes,
        NumberPlane,
        Plot,
        Group,
    ],
    Field(discriminator="kind"),
]

# --- layout relations ---------------------------------------------------------------------------------------


class RelationBase(Node):
    """A layout relation whose subject is moved; ``ref`` (when present) is the object it is placed against."""

    subject: Name

    @property
    def ref(self) -> str | None:
        """The other object this relation depends on, if any."""
        return None


class MoveToRel(RelationBase):
    """Absolute position: ``c.move_to((x, y))``."""

    kind: Literal["move_to"] = "move_to"
    positional: ClassVar[tuple[str, ...]] = ("point",)
    point: Point


class NextTo(RelationBase):
    """``t.next_to(c, UP, buff=0.3)``."""

    kind: Literal["next_to"] = "next_to"
    positional: ClassVar[tuple[str, ...]] = ("target", "direction")
    target: Name
    direction: Direction = "RIGHT"
    buff: Annotated[float, Field(ge=0.0, le=10.0)] | None = None

    @property
    def ref(self) -> str | None:
        return self.target


class ToEdge(RelationBase):
    """``c.to_edge(LEFT, buff=0.5)``."""

    kind: Literal["to_edge"] = "to_edge"
    positional: ClassVar[tuple[str, ...]] = ("edge",)
    edge: Edge
    buff: Annotated[float, Field(ge=0.0, le=10.0)] | None = None


class ToCorner(RelationBase):
    """``c.to_corner(UL, buff=0.5)``."""

    kind: Literal["to_corner"] = "to_corner"
    positional: ClassVar[tuple[str, ...]] = ("corner",)
    corner: Corner
    buff: Annotated[float, Field(ge=0.0, le=10.0)] | None = None


class AlignTo(RelationBase):
    """``t.align_to(c, LEFT)``: line up one side with the same side of another object."""

    kind: Literal["align_to"] = "align_to"
    positional: ClassVar[tuple[str, ...]] = ("target", "edge")
    target: Name
    edge: Edge

    @property
    def ref(self) -> str | None:
        return self.target


class Arrange(RelationBase):
    """``g.arrange(RIGHT, buff=0.5)``: lay out a group's members in a row or column."""

    kind: Literal["arrange"] = "arrange"
    positional: ClassVar[tuple[str, ...]] = ("direction",)
    direction: Direction = "RIGHT"
    buff: Annotated[float, Field(ge=0.0, le=10.0)] | None = None


Relation = Annotated[
    Union[MoveToRel, NextTo, ToEdge, ToCorner, AlignTo, Arrange],  # noqa: UP007
    Field(discriminator="kind"),
]

# --- animations ---------------------------------------------------------------------------------------------


#: Where an object stands on the timeline: not shown yet, on screen, or gone for good.
OnScreen = Literal["hidden", "visible", "removed"]
#: An object's state before an animation, and after it.
ScreenChange = tuple[OnScreen, OnScreen]
STAYS: ScreenChange = ("visible", "visible")
BRINGS_IN: ScreenChange = ("hidden", "visible")
REMOVES: ScreenChange = ("visible", "removed")
STAYS_HIDDEN: ScreenChange = ("hidden", "hidden")
#: Objects GrowArrow can grow (it scales the tips, which a plain Line does not have).
ARROW_KINDS: frozenset[str] = frozenset({"Arrow", "DoubleArrow"})


def _screen(**changes: ScreenChange) -> Mapping[str, ScreenChange]:
    return MappingProxyType(changes)


class AnimationBase(Node):
    """An animation of one object (``target``); subclasses add parameters."""

    positional: ClassVar[tuple[str, ...]] = ("target",)
    #: What is on screen, before → after, for each object the animation names (by field). This table is the one
    #: statement of the timeline rules: ``dsl.checks``, the decoder's automaton and the keyframe search read it.
    screen: ClassVar[Mapping[str, ScreenChange]] = _screen(target=STAYS)
    #: The kinds the target may be (None: any).
    target_kinds: ClassVar[frozenset[str] | None] = None
    target: Name

    @property
    def introduces(self) -> bool:
        """True when this animation brings its target onto the screen."""
        return self.screen["target"] == BRINGS_IN

    def names(self) -> tuple[str, ...]:
        """Every object name the animation touches."""
        return (self.target,)


class Create(AnimationBase):
    kind: Literal["Create"] = "Create"
    screen: ClassVar[Mapping[str, ScreenChange]] = _screen(target=BRINGS_IN)


class Write(AnimationBase):
    kind: Literal["Write"] = "Write"
    screen: ClassVar[Mapping[str, ScreenChange]] = _screen(target=BRINGS_IN)


class FadeIn(AnimationBase):
    kind: Literal["FadeIn"] = "FadeIn"
    screen: ClassVar[Mapping[str, ScreenChange]] = _screen(target=BRINGS_IN)
    shift: Direction | None = None


class FadeOut(AnimationBase):
    kind: Literal["FadeOut"] = "FadeOut"
    screen: ClassVar[Mapping[str, ScreenChange]] = _screen(target=REMOVES)
    shift: Direction | None = None


class GrowFromCenter(AnimationBase):
    kind: Literal["GrowFromCenter"] = "GrowFromCenter"
    screen: ClassVar[Mapping[str, ScreenChange]] = _screen(target=BRINGS_IN)


class GrowArrow(AnimationBase):
    kind: Literal["GrowArrow"] = "GrowArrow"
    screen: ClassVar[Mapping[str, ScreenChange]] = _screen(target=BRINGS_IN)
    target_kinds: ClassVar[frozenset[str] | None] = ARROW_KINDS


class DrawBorderThenFill(AnimationBase):
    kind: Literal["DrawBorderThenFill"] = "DrawBorderThenFill"
    screen: ClassVar[Mapping[str, ScreenChange]] = _screen(target=BRINGS_IN)


class Transform(AnimationBase):
    """Morph ``target`` (on screen) into the shape of ``into`` (not on screen); ``target`` stays."""

    kind: Literal["Transform"] = "Transform"
    positional: ClassVar[tuple[str, ...]] = ("target", "into")
    screen: ClassVar[Mapping[str, ScreenChange]] = _screen(target=STAYS, into=STAYS_HIDDEN)
    into: Name

    def names(self) -> tuple[str, ...]:
        return (self.target, self.into)


class ReplacementTransform(AnimationBase):
    """Morph ``target`` into ``into``; afterwards ``into`` is on screen and ``target`` is gone."""

    kind: Literal["ReplacementTransform"] = "ReplacementTransform"
    positional: ClassVar[tuple[str, ...]] = ("target", "into")
    screen: ClassVar[Mapping[str, ScreenChange]] = _screen(target=REMOVES, into=BRINGS_IN)
    into: Name

    def names(self) -> tuple[str, ...]:
        return (self.target, self.into)


class Indicate(AnimationBase):
    kind: Literal["Indicate"] = "Indicate"


class Circumscribe(AnimationBase):
    kind: Literal["Circumscribe"] = "Circumscribe"


class Rotate(AnimationBase):
    """Rotate by ``angle`` degrees, counter-clockwise."""

    kind: Literal["Rotate"] = "Rotate"
    positional: ClassVar[tuple[str, ...]] = ("target", "angle")
    angle: Annotated[float, Field(ge=-3600.0, le=3600.0)]


class MoveTo(AnimationBase):
    """``c.animate.move_to((x, y))``."""

    kind: Literal["MoveTo"] = "MoveTo"
    positional: ClassVar[tuple[str, ...]] = ("target", "point")
    point: Point


class Shift(AnimationBase):
    """``c.animate.shift((dx, dy))``."""

    kind: Literal["Shift"] = "Shift"
    positional: ClassVar[tuple[str, ...]] = ("target", "vector")
    vector: Point


class Scale(AnimationBase):
    """``c.animate.scale(factor)``."""

    kind: Literal["Scale"] = "Scale"
    positional: ClassVar[tuple[str, ...]] = ("target", "factor")
    factor: Annotated[float, Field(gt=0.0, le=20.0)]


class SetColor(AnimationBase):
    """``c.animate.set_color(color)``."""

    kind: Literal["SetColor"] = "SetColor"
    positional: ClassVar[tuple[str, ...]] = ("target", "color")
    color: Color


Animation = Annotated[
    Union[  # noqa: UP007
        Create,
        Write,
        FadeIn,
        FadeOut,
        GrowFromCenter,
        GrowArrow,
        DrawBorderThenFill,
        Transform,
        ReplacementTransform,
        Indicate,
        Circumscribe,
        Rotate,
        MoveTo,
        Shift,
        Scale,
        SetColor,
    ],
    Field(discriminator="kind"),
]

# --- timeline -----------------------------------------------------------------------------------------------


class StepBase(Node):
    """A timeline step; ``label`` optionally names it (``intro: play(...)``)."""

    label: Name | None = None


class Play(StepBase):
    """Play animations together; with ``lag_ratio`` they start one after another (``LaggedStart``)."""

    kind: Literal["play"] = "play"
    animations: Annotated[tuple[Animation, ...], Field(min_length=1, max_length=32)]
    run_time: Annotated[float, Field(gt=0.0, le=60.0)] | None = None
    rate_func: RateFunc | None = None
    lag_ratio: Annotated[float, Field(ge=0.0, le=1.0)] | None = None


class Wait(StepBase):
    kind: Literal["wait"] = "wait"
    positional: ClassVar[tuple[str, ...]] = ("duration",)
    duration: Annotated[float, Field(gt=0.0, le=60.0)] = 1.0


class Add(StepBase):
    """Put objects on screen at once, without animation."""

    kind: Literal["add"] = "add"
    targets: Annotated[tuple[Name, ...], Field(min_length=1, max_length=64)]


Step = Annotated[Union[Play, Wait, Add], Field(discriminator="kind")]  # noqa: UP007


class SceneSettings(Node):
    """What the header can set: ``scene Demo(background="#fdf6e3")`` (the DSL's view of ``Scene``'s settings)."""

    kind: Literal["settings"] = "settings"
    background: Color | None = None


class Scene(Node):
    """One scene: settings, declared objects, layout relations applied before the timeline, and the timeline.

    ``background`` is the frame's colour (Manim's default black when None).
    """

    kind: Literal["scene"] = "scene"
    name: SceneName = "Main"
    background: Color | None = None
    objects: tuple[Object, ...] = ()
    relations: tuple[Relation, ...] = ()
    timeline: tuple[Step, ...] = ()

    def object_map(self) -> dict[str, Object]:
        """Objects by name (the last wins if a name is duplicated; the checks report duplicates)."""
        return {obj.name: obj for obj in self.objects}

    def _repr_mimebundle_(self, include: object = None, exclude: object = None) -> dict[str, str]:
        """Jupyter's rich display: the rendered clip beside the highlighted DSL (``dsl.display``)."""
        from dsl.display import scene_mimebundle

        return scene_mimebundle(self)


for _model in (Neg, BinOp, Call):
    _model.model_rebuild()

OBJECT_KINDS: dict[str, type[ObjectBase]] = {
    cls.model_fields["kind"].default: cls
    for cls in Object.__origin__.__args__  # type: ignore[attr-defined]
}
RELATION_KINDS: dict[str, type[RelationBase]] = {
    cls.model_fields["kind"].default: cls
    for cls in Relation.__origin__.__args__  # type: ignore[attr-defined]
}
ANIMATION_KINDS: dict[str, type[AnimationBase]] = {
    cls.model_fields["kind"].default: cls
    for cls in Animation.__origin__.__args__  # type: ignore[attr-defined]
}
STEP_KINDS: dict[str, type[StepBase]] = {
    cls.model_fields["kind"].default: cls
    for cls in Step.__origin__.__args__  # type: ignore[attr-defined]
}
#: Objects drawn as a path with a start and an end.
SEGMENT_KINDS: frozenset[str] = frozenset({"Line", "Arrow", "DoubleArrow"})
#: Objects a Plot may be drawn on.
AXES_KINDS: frozenset[str] = frozenset({"Axes", "NumberPlane"})
