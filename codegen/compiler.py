"""The deterministic compiler: scene IR → Manim CE source with one ``Scene`` class.

Like Jinja2's ``CodeGenerator``, there is one ``visit_<Kind>`` method per IR node and a small writer that
handles indentation and wrapping. Output order follows the IR (and ``dsl.order.layout_order`` for objects), never
a set, so the same scene always gives byte-identical source. Strings from the scene reach the source only through
``repr``-style literals, and every other token comes from a closed vocabulary, so no input can inject code.

Examples
--------
DSL::

    scene Demo
    c = Circle(radius=1.0, color=BLUE)
    play(Create(c), run_time=2.0)

compiles to::

    class Demo(Scene):
        def construct(self) -> None:
            c = Circle(radius=1.0, color=BLUE)

            self.play(Create(c), run_time=2.0)
"""

from __future__ import annotations

from typing import Any

from codegen.writer import CodeWriter, PyArg, PyCall, PyValue
from dsl import ir
from dsl.order import layout_order
from dsl.printer import ATOM, PRECEDENCE, expr_precedence
from dsl.vocabulary import EXPR_CONSTS, EXPR_FUNCS, RATE_FUNCS_EXPORTED

HEADER = '"""{name}: compiled by dsl2manim from the scene DSL. Edits here are lost on the next compile."""'
_STYLE_FIELDS = ("color", "fill_opacity", "stroke_opacity", "stroke_width", "z_index")


def number(value: float | int) -> str:
    """A Python literal for a number (``repr`` round-trips floats exactly)."""
    return repr(value) if isinstance(value, int) else repr(float(value))


_ESCAPES = {"\\": "\\\\", "\n": "\\n", "\r": "\\r", "\t": "\\t"}


def string(value: str) -> str:
    """An ASCII-only Python string literal: every other character is escaped by code point.

    Double quotes unless the text holds more of them than single quotes, as ``ruff format`` prefers.

    Examples
    --------
    DSL ``Text("café")`` compiles to ``Text("caf\\xe9")``; ``Text("say \\"hi\\"")`` to ``Text('say "hi"')``.
    """
    quote = "'" if value.count('"') > value.count("'") else '"'
    parts = [quote]
    for char in value:
        code = ord(char)
        if char in _ESCAPES:
            parts.append(_ESCAPES[char])
        elif char == quote:
            parts.append("\\" + quote)
        elif 32 <= code < 127:
            parts.append(char)
        elif code < 0x100:
            parts.append(f"\\x{code:02x}")
        elif code < 0x10000:
            parts.append(f"\\u{code:04x}")
        else:
            parts.append(f"\\U{code:08x}")
    parts.append(quote)
    return "".join(parts)


def point(xy: tuple[float, float]) -> PyCall:
    """``np.array([x, y, 0.0])`` for a 2D point or vector."""
    return PyCall("np.array", (PyCall("", (number(xy[0]), number(xy[1]), "0.0"), brackets="[]"),))


def color(value: str) -> str:
    """A palette constant stays a bare name; hex becomes a string literal."""
    return string(value) if value.startswith("#") else value


def _is_simple_power_operand(expr: ir.Node, *, exponent: bool) -> bool:
    # ruff hugs ** when both sides are names, numbers or attribute chains; a negated one counts only as the
    # exponent, because as the base it needs parentheses.
    if isinstance(expr, ir.Neg):
        return exponent and _is_simple_power_operand(expr.operand, exponent=True)
    return isinstance(expr, ir.Num | ir.Var | ir.Const)


def python_expr(expr: ir.Node) -> str:
    """The numpy expression for a plotted function of ``x``.

    Examples
    --------
    DSL ``sin(2 * x) + x ^ 2`` gives ``np.sin(2.0 * x) + x**2.0``.
    """
    if isinstance(expr, ir.Num):
        return number(expr.value)
    if isinstance(expr, ir.Var):
        return "x"
    if isinstance(expr, ir.Const):
        return EXPR_CONSTS[expr.name]
    if isinstance(expr, ir.Call):
        return f"{EXPR_FUNCS[expr.func]}({python_expr(expr.arg)})"
    if isinstance(expr, ir.Neg):
        if isinstance(expr.operand, ir.BinOp) and expr.operand.op == "^":
            # Python reads -x**2 as -(x**2) already; ruff writes the parentheses out, so do we.
            return f"-({python_expr(expr.operand)})"
        return "-" + _wrap(expr.operand, PRECEDENCE["neg"])
    assert isinstance(expr, ir.BinOp), f"unexpected expression node {expr!r}"
    if expr.op == "^":
        left, right = _wrap(expr.left, ATOM), _wrap(expr.right, PRECEDENCE["neg"])
        simple_base = _is_simple_power_operand(expr.left, exponent=False)
        hug = simple_base and _is_simple_power_operand(expr.right, exponent=True)
        return f"{left}**{right}" if hug else f"{left} ** {right}"
    own = PRECEDENCE[expr.op]
    return f"{_wrap(expr.left, own)} {expr.op} {_wrap(expr.right, own + 1)}"


def _wrap(expr: ir.Node, minimum: int) -> str:
    text = python_expr(expr)
    return text if expr_precedence(expr) >= minimum else f"({text})"


class ManimCompiler:
    """Compiles one scene; call ``compile()`` once.

    Parameters
    ----------
    scene
        A scene that passed ``dsl.checks.check``; the compiler assumes names resolve and relations are acyclic.
    """

    def __init__(self, scene: ir.Scene) -> None:
        self.scene = scene
        self.writer = CodeWriter()

    def compile(self) -> str:
        """Return the module source."""
        w = self.writer
        w.line(HEADER.format(name=self.scene.name))
        w.line()
        w.line("from manim import *")
        w.line()
        w.line()
        w.line(f"class {self.scene.name}(Scene):")
        w.indent()
        w.line("def construct(self) -> None:")
        w.indent()
        if self.scene.background is not None:
            w.line(f"self.camera.background_color = {color(self.scene.background)}")
            if self.scene.objects or self.scene.timeline:
                w.line()
        elif not self.scene.objects and not self.scene.timeline:
            w.line("pass")
        self.visit_layout()
        if self.scene.objects and self.scene.timeline:
            w.line()
        for step in self.scene.timeline:
            getattr(self, f"visit_{step.kind}")(step)
        return w.source()

    # objects and layout -------------------------------------------------------------------------------------
    def visit_layout(self) -> None:
        objects = self.scene.object_map()
        relations: dict[str, list[ir.Relation]] = {}
        for relation in self.scene.relations:
            relations.setdefault(relation.subject, []).append(relation)
        for name in layout_order(self.scene):
            obj = objects[name]
            self.writer.statement(f"{name} = ", getattr(self, f"visit_{obj.kind}")(obj))
            for call in self.after_build(obj):
                self.writer.statement("", call)
            for relation in relations.get(name, []):
                self.writer.statement("", getattr(self, f"visit_{relation.kind}")(relation))

    def style(self, obj: ir.ObjectBase) -> list[PyArg]:
        args: list[PyArg] = []
        for name in _STYLE_FIELDS:
            value = getattr(obj, name, None)
            if value is not None:
                args.append((name, color(value) if name == "color" else number(value)))
        return args

    def shape(self, cls: str, obj: ir.ObjectBase, *fields: str) -> PyCall:
        args: list[PyArg] = [(name, number(getattr(obj, name))) for name in fields if getattr(obj, name) is not None]
        return PyCall(cls, (*args, *self.style(obj)))

    def visit_Circle(self, obj: ir.Circle) -> PyCall:
        return self.shape("Circle", obj, "radius")

    def visit_Square(self, obj: ir.Square) -> PyCall:
        return self.shape("Square", obj, "side_length")

    def visit_Rectangle(self, obj: ir.Rectangle) -> PyCall:
        return self.shape("Rectangle", obj, "width", "height")

    def visit_Triangle(self, obj: ir.Triangle) -> PyCall:
        return self.shape("Triangle", obj, "radius")

    def visit_RegularPolygon(self, obj: ir.RegularPolygon) -> PyCall:
        call = self.shape("RegularPolygon", obj, "radius")
        return PyCall(call.func, (("n", number(obj.n)), *call.args))

    def visit_Ellipse(self, obj: ir.Ellipse) -> PyCall:
        return self.shape("Ellipse", obj, "width", "height")

    def visit_Dot(self, obj: ir.Dot) -> PyCall:
        return self.shape("Dot", obj, "radius")

    def segment(self, cls: str, obj: ir.Line | ir.Arrow | ir.DoubleArrow) -> PyCall:
        return PyCall(cls, (point(obj.start), point(obj.end), *self.style(obj)))

    def visit_Line(self, obj: ir.Line) -> PyCall:
        return self.segment("Line", obj)

    def visit_Arrow(self, obj: ir.Arrow) -> PyCall:
        return self.segment("Arrow", obj)

    def visit_DoubleArrow(self, obj: ir.DoubleArrow) -> PyCall:
        return self.segment("DoubleArrow", obj)

    def visit_Text(self, obj: ir.TextObj) -> PyCall:
        size: list[PyArg] = [("font_size", number(obj.font_size))] if obj.font_size is not None else []
        return PyCall("Text", (string(obj.text), *size, *self.style(obj)))

    def visit_MathTex(self, obj: ir.MathTex) -> PyCall:
        size: list[PyArg] = [("font_size", number(obj.font_size))] if obj.font_size is not None else []
        return PyCall("MathTex", (string(obj.tex), *size, *self.style(obj)))

    def visit_Brace(self, obj: ir.Brace) -> PyCall:
        direction: list[PyArg] = [("direction", obj.direction)] if obj.direction else []
        return PyCall("Brace", (obj.target, *direction, *self.style(obj)))

    def visit_SurroundingRectangle(self, obj: ir.SurroundingRectangle) -> PyCall:
        buff: list[PyArg] = [("buff", number(obj.buff))] if obj.buff is not None else []
        return PyCall("SurroundingRectangle", (obj.target, *buff, *self.style(obj)))

    def grid(self, cls: str, obj: ir.Axes | ir.NumberPlane) -> PyCall:
        args: list[PyArg] = []
        for name in ("x_range", "y_range"):
            value = getattr(obj, name)
            if value is not None:
                args.append((name, PyCall("", tuple(number(v) for v in value), brackets="[]")))
        for name in ("x_length", "y_length"):
            if getattr(obj, name) is not None:
                args.append((name, number(getattr(obj, name))))
        if obj.color is not None:
            args.append(("axis_config", PyCall("", (f'"color": {color(obj.color)}',), brackets="{}")))
        if obj.z_index is not None:
            args.append(("z_index", number(obj.z_index)))
        return PyCall(cls, tuple(args))

    def visit_Axes(self, obj: ir.Axes) -> PyCall:
        return self.grid("Axes", obj)

    def visit_NumberPlane(self, obj: ir.NumberPlane) -> PyCall:
        return self.grid("NumberPlane", obj)

    def visit_Plot(self, obj: ir.Plot) -> PyCall:
        args: list[PyArg] = [f"lambda x: {python_expr(obj.function)}"]
        if obj.x_range is not None:
            args.append(("x_range", PyCall("", tuple(number(v) for v in obj.x_range), brackets="[]")))
        if obj.stroke_width is not None:
            args.append(("stroke_width", number(obj.stroke_width)))
        args.extend(arg for arg in self.style(obj) if not (isinstance(arg, tuple) and arg[0] == "stroke_width"))
        return PyCall(f"{obj.axes}.plot", tuple(args))

    def visit_Group(self, obj: ir.Group) -> PyCall:
        return PyCall("VGroup", obj.members)

    def after_build(self, obj: ir.ObjectBase) -> list[PyCall]:
        """Calls that style an object once built: a VGroup applies ``color=`` before it holds its members."""
        if not isinstance(obj, ir.Group):
            return []
        calls = []
        if obj.color is not None:
            calls.append(PyCall(f"{obj.name}.set_color", (color(obj.color),)))
        if obj.z_index is not None:
            calls.append(PyCall(f"{obj.name}.set_z_index", (number(obj.z_index),)))
        return calls

    # relations ----------------------------------------------------------------------------------------------
    def visit_move_to(self, relation: ir.MoveToRel) -> PyCall:
        return PyCall(f"{relation.subject}.move_to", (point(relation.point),))

    def _buff(self, relation: Any) -> list[PyArg]:
        return [("buff", number(relation.buff))] if relation.buff is not None else []

    def visit_next_to(self, relation: ir.NextTo) -> PyCall:
        return PyCall(f"{relation.subject}.next_to", (relation.target, relation.direction, *self._buff(relation)))

    def visit_to_edge(self, relation: ir.ToEdge) -> PyCall:
        return PyCall(f"{relation.subject}.to_edge", (relation.edge, *self._buff(relation)))

    def visit_to_corner(self, relation: ir.ToCorner) -> PyCall:
        return PyCall(f"{relation.subject}.to_corner", (relation.corner, *self._buff(relation)))

    def visit_align_to(self, relation: ir.AlignTo) -> PyCall:
        return PyCall(f"{relation.subject}.align_to", (relation.target, relation.edge))

    def visit_arrange(self, relation: ir.Arrange) -> PyCall:
        return PyCall(f"{relation.subject}.arrange", (relation.direction, *self._buff(relation)))

    # animations ---------------------------------------------------------------------------------------------
    def animation(self, animation: ir.AnimationBase) -> PyValue:
        result: PyValue = getattr(self, f"visit_{animation.kind}")(animation)
        return result

    def simple(self, animation: ir.AnimationBase, *extra: PyArg) -> PyCall:
        return PyCall(animation.kind, (animation.target, *extra))

    def visit_Create(self, animation: ir.Create) -> PyCall:
        return self.simple(animation)

    def visit_Write(self, animation: ir.Write) -> PyCall:
        return self.simple(animation)

    def visit_FadeIn(self, animation: ir.FadeIn) -> PyCall:
        return self.simple(animation, *([("shift", animation.shift)] if animation.shift else []))

    def visit_FadeOut(self, animation: ir.FadeOut) -> PyCall:
        return self.simple(animation, *([("shift", animation.shift)] if animation.shift else []))

    def visit_GrowFromCenter(self, animation: ir.GrowFromCenter) -> PyCall:
        return self.simple(animation)

    def visit_GrowArrow(self, animation: ir.GrowArrow) -> PyCall:
        return self.simple(animation)

    def visit_DrawBorderThenFill(self, animation: ir.DrawBorderThenFill) -> PyCall:
        return self.simple(animation)

    def visit_Transform(self, animation: ir.Transform) -> PyCall:
        return self.simple(animation, animation.into)

    def visit_ReplacementTransform(self, animation: ir.ReplacementTransform) -> PyCall:
        return self.simple(animation, animation.into)

    def visit_Indicate(self, animation: ir.Indicate) -> PyCall:
        return self.simple(animation)

    def visit_Circumscribe(self, animation: ir.Circumscribe) -> PyCall:
        return self.simple(animation)

    def visit_Rotate(self, animation: ir.Rotate) -> PyCall:
        return self.simple(animation, ("angle", f"{number(animation.angle)} * DEGREES"))

    def visit_MoveTo(self, animation: ir.MoveTo) -> PyCall:
        return PyCall(f"{animation.target}.animate.move_to", (point(animation.point),))

    def visit_Shift(self, animation: ir.Shift) -> PyCall:
        return PyCall(f"{animation.target}.animate.shift", (point(animation.vector),))

    def visit_Scale(self, animation: ir.Scale) -> PyCall:
        return PyCall(f"{animation.target}.animate.scale", (number(animation.factor),))

    def visit_SetColor(self, animation: ir.SetColor) -> PyCall:
        return PyCall(f"{animation.target}.animate.set_color", (color(animation.color),))

    # steps --------------------------------------------------------------------------------------------------
    def label(self, step: ir.StepBase) -> None:
        if step.label:
            self.writer.line(f"# {step.label}")

    def visit_play(self, step: ir.Play) -> None:
        self.label(step)
        animations: list[PyArg] = [self.animation(animation) for animation in step.animations]
        if step.lag_ratio is not None:
            animations = [PyCall("LaggedStart", (*animations, ("lag_ratio", number(step.lag_ratio))))]
        options: list[PyArg] = []
        if step.run_time is not None:
            options.append(("run_time", number(step.run_time)))
        if step.rate_func is not None:
            exported = step.rate_func in RATE_FUNCS_EXPORTED
            options.append(("rate_func", step.rate_func if exported else f"rate_functions.{step.rate_func}"))
        self.writer.statement("", PyCall("self.play", (*animations, *options)))

    def visit_wait(self, step: ir.Wait) -> None:
        self.label(step)
        self.writer.statement("", PyCall("self.wait", (number(step.duration),)))

    def visit_add(self, step: ir.Add) -> None:
        self.label(step)
        self.writer.statement("", PyCall("self.add", tuple(step.targets)))


def compile_scene(scene: ir.Scene) -> str:
    """Compile a checked scene to Manim CE source.

    Examples
    --------
    DSL ``t.next_to(c, UP, buff=0.3)`` becomes ``t.next_to(c, UP, buff=0.3)`` right after ``t`` is built, and
    ``play(FadeIn(t, shift=UP))`` becomes ``self.play(FadeIn(t, shift=UP))``.
    """
    return ManimCompiler(scene).compile()
