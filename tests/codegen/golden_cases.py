"""Small DSL scenes for the golden last-frame tests, one per feature of the language.

Each case exercises one object kind, one relation, one animation or one kind of step, and nothing much else, so
a changed golden frame points at the feature that changed. Every scene passes ``dsl.checks.check`` and leaves
something on screen in its last frame (``test_golden`` asserts it), so an empty golden cannot pass unnoticed.

The frame is 64×36 pixels, about 4.5 pixels per Manim unit, so the objects are drawn large and thick.

Examples
--------
>>> from dsl.parser import parse
>>> parse(CASES["obj_circle"]).objects[0].kind
'Circle'
"""

from __future__ import annotations

from typing import Final


def _scene(name: str, *lines: str) -> str:
    """Join a scene header and its statements into DSL text."""
    return "\n".join((f"scene {name}", *lines)) + "\n"


#: Case name → DSL text. The name is also the golden file's stem (``golden/<name>.npz``).
CASES: Final[dict[str, str]] = {
    # objects ------------------------------------------------------------------------------------------------
    "obj_circle": _scene("ObjCircle", "c = Circle(radius=2.5, color=BLUE, fill_opacity=0.5)", "add(c)"),
    "obj_square": _scene(
        "ObjSquare", "s = Square(side_length=4, color=ORANGE, fill_opacity=0.6, stroke_width=8)", "add(s)"
    ),
    "obj_rectangle": _scene(
        "ObjRectangle", "r = Rectangle(width=9, height=4, color=GREEN, stroke_width=10, stroke_opacity=0.8)", "add(r)"
    ),
    "obj_triangle": _scene("ObjTriangle", "t = Triangle(radius=3, color=YELLOW, fill_opacity=1.0)", "add(t)"),
    "obj_regular_polygon": _scene(
        "ObjRegularPolygon", "h = RegularPolygon(6, radius=3, color=PURPLE, fill_opacity=0.7)", "add(h)"
    ),
    "obj_ellipse": _scene(
        "ObjEllipse", 'el = Ellipse(width=10, height=4, color="#1F77B4", fill_opacity=0.8)', "add(el)"
    ),
    "obj_dot": _scene("ObjDot", "d = Dot(radius=0.8, color=RED)", "add(d)"),
    "obj_line": _scene("ObjLine", "l = Line((-5, -3), (5, 3), color=TEAL, stroke_width=12)", "add(l)"),
    "obj_arrow": _scene("ObjArrow", "a = Arrow((-5, 0), (5, 0), color=GOLD, stroke_width=12)", "add(a)"),
    "obj_double_arrow": _scene(
        "ObjDoubleArrow", "a = DoubleArrow((0, -3.5), (0, 3.5), color=PINK, stroke_width=12)", "add(a)"
    ),
    "obj_text": _scene("ObjText", 't = Text("Hi!", font_size=160, color=WHITE)', "add(t)"),
    "obj_math_tex": _scene("ObjMathTex", 'm = MathTex(r"x^2", font_size=200, color=YELLOW)', "add(m)"),
    "obj_brace": _scene(
        "ObjBrace",
        "s = Square(side_length=4, color=BLUE)",
        "b = Brace(s, direction=DOWN, color=YELLOW)",
        "add(s, b)",
    ),
    "obj_surrounding_rectangle": _scene(
        "ObjSurroundingRectangle",
        "c = Circle(radius=2, color=BLUE, fill_opacity=0.5)",
        "box = SurroundingRectangle(c, buff=0.4, color=RED)",
        "add(c, box)",
    ),
    "obj_axes": _scene(
        "ObjAxes", "ax = Axes(x_range=(-4, 4, 1), y_range=(-2, 2, 1), x_length=12, y_length=7, color=GREEN)", "add(ax)"
    ),
    "obj_number_plane": _scene("ObjNumberPlane", "p = NumberPlane(x_range=(-8, 8, 2), y_range=(-5, 5, 2))", "add(p)"),
    "obj_plot": _scene(
        "ObjPlot",
        "ax = Axes(x_range=(-3, 3, 1), y_range=(-1.5, 1.5, 1), x_length=12, y_length=7)",
        "f = Plot(ax, sin(2 * x) * exp(-x ^ 2 / 4), x_range=(-3, 3), color=YELLOW, stroke_width=10)",
        "add(ax, f)",
    ),
    "obj_group": _scene(
        "ObjGroup",
        "a = Square(side_length=3, color=RED, fill_opacity=0.5)",
        "b = Circle(radius=1.5, color=BLUE, fill_opacity=0.5)",
        "g = Group(a, b)",
        "a.move_to((-3, 0))",
        "b.move_to((3, 0))",
        "add(g)",
    ),
    # relations ----------------------------------------------------------------------------------------------
    "rel_move_to": _scene("RelMoveTo", "d = Dot(radius=0.8, color=RED)", "d.move_to((4, 2))", "add(d)"),
    "rel_next_to": _scene(
        "RelNextTo",
        "c = Circle(radius=1.5, color=BLUE, fill_opacity=0.8)",
        "s = Square(side_length=2, color=GREEN, fill_opacity=0.8)",
        "s.next_to(c, UP, buff=0.5)",
        "add(c, s)",
    ),
    "rel_to_edge": _scene(
        "RelToEdge", "s = Square(side_length=3, color=ORANGE, fill_opacity=0.8)", "s.to_edge(LEFT, buff=0.5)", "add(s)"
    ),
    "rel_to_corner": _scene(
        "RelToCorner", "s = Square(side_length=3, color=TEAL, fill_opacity=0.8)", "s.to_corner(UR, buff=0.5)", "add(s)"
    ),
    "rel_align_to": _scene(
        "RelAlignTo",
        "big = Rectangle(width=6, height=2, color=BLUE, fill_opacity=0.8)",
        "small = Square(side_length=2, color=RED, fill_opacity=0.8)",
        "big.move_to((0, 2))",
        "small.move_to((3, -2))",
        "small.align_to(big, LEFT)",
        "add(big, small)",
    ),
    "rel_arrange": _scene(
        "RelArrange",
        "a = Circle(radius=1, color=RED, fill_opacity=1.0)",
        "b = Square(side_length=2, color=GREEN, fill_opacity=1.0)",
        "c = Triangle(radius=1.2, color=BLUE, fill_opacity=1.0)",
        "g = Group(a, b, c)",
        "g.arrange(RIGHT, buff=1.0)",
        "add(g)",
    ),
    # animations ---------------------------------------------------------------------------------------------
    "anim_create": _scene("AnimCreate", "c = Circle(radius=2.5, color=BLUE, stroke_width=10)", "play(Create(c))"),
    "anim_write": _scene("AnimWrite", 't = Text("Write", font_size=120)', "play(Write(t))"),
    "anim_fade_in": _scene(
        "AnimFadeIn", "s = Square(side_length=3, color=GREEN, fill_opacity=0.8)", "play(FadeIn(s, shift=UP))"
    ),
    "anim_fade_out": _scene(
        "AnimFadeOut",
        "gone = Circle(radius=1.5, color=RED, fill_opacity=1.0)",
        "kept = Square(side_length=2.5, color=BLUE, fill_opacity=1.0)",
        "gone.move_to((-3, 0))",
        "kept.move_to((3, 0))",
        "add(gone, kept)",
        "play(FadeOut(gone, shift=DOWN))",
    ),
    "anim_grow_from_center": _scene(
        "AnimGrowFromCenter", "c = Circle(radius=2.5, color=PURPLE, fill_opacity=0.8)", "play(GrowFromCenter(c))"
    ),
    "anim_grow_arrow": _scene(
        "AnimGrowArrow", "a = Arrow((-5, -2), (5, 2), color=YELLOW, stroke_width=12)", "play(GrowArrow(a))"
    ),
    "anim_draw_border_then_fill": _scene(
        "AnimDrawBorderThenFill",
        "s = Square(side_length=4, color=ORANGE, fill_opacity=0.8)",
        "play(DrawBorderThenFill(s))",
    ),
    "anim_transform": _scene(
        "AnimTransform",
        "c = Circle(radius=2, color=BLUE, fill_opacity=0.8)",
        "s = Square(side_length=3, color=RED, fill_opacity=0.8)",
        "s.move_to((3, 0))",
        "add(c)",
        "play(Transform(c, s))",
    ),
    "anim_replacement_transform": _scene(
        "AnimReplacementTransform",
        "c = Circle(radius=2, color=BLUE, fill_opacity=0.8)",
        "t = Triangle(radius=2.5, color=GREEN, fill_opacity=0.8)",
        "t.move_to((-3, 0))",
        "add(c)",
        "play(ReplacementTransform(c, t))",
    ),
    "anim_indicate": _scene(
        "AnimIndicate", "s = Square(side_length=3, color=TEAL, fill_opacity=0.8)", "add(s)", "play(Indicate(s))"
    ),
    "anim_circumscribe": _scene(
        "AnimCircumscribe", "c = Circle(radius=2, color=BLUE, fill_opacity=0.8)", "add(c)", "play(Circumscribe(c))"
    ),
    "anim_rotate": _scene(
        "AnimRotate", "r = Rectangle(width=8, height=2, color=GOLD, fill_opacity=0.8)", "add(r)", "play(Rotate(r, 45))"
    ),
    "anim_move_to": _scene("AnimMoveTo", "d = Dot(radius=0.8, color=RED)", "add(d)", "play(MoveTo(d, (-4, -2)))"),
    "anim_shift": _scene(
        "AnimShift", "s = Square(side_length=2, color=GREEN, fill_opacity=1.0)", "add(s)", "play(Shift(s, (3, 1.5)))"
    ),
    "anim_scale": _scene(
        "AnimScale", "c = Circle(radius=1, color=BLUE, fill_opacity=0.8)", "add(c)", "play(Scale(c, 2.5))"
    ),
    "anim_set_color": _scene(
        "AnimSetColor", "s = Square(side_length=4, color=BLUE, fill_opacity=0.8)", "add(s)", "play(SetColor(s, RED))"
    ),
    # steps --------------------------------------------------------------------------------------------------
    "step_wait": _scene(
        "StepWait", "c = Circle(radius=2, color=MAROON, fill_opacity=0.8)", "add(c)", "pause: wait(0.6)"
    ),
    "step_add": _scene(
        "StepAdd",
        "a = Square(side_length=2.5, color=BLUE, fill_opacity=1.0)",
        "b = Dot(radius=0.6, color=YELLOW)",
        "a.to_edge(LEFT)",
        "b.to_edge(RIGHT)",
        "add(a, b)",
    ),
    "step_lagged_start": _scene(
        "StepLaggedStart",
        "a = Circle(radius=1.2, color=RED, fill_opacity=1.0)",
        "b = Circle(radius=1.2, color=GREEN, fill_opacity=1.0)",
        "c = Circle(radius=1.2, color=BLUE, fill_opacity=1.0)",
        "a.move_to((-4, 0))",
        "c.move_to((4, 0))",
        "play(LaggedStart(FadeIn(a), GrowFromCenter(b), Create(c), lag_ratio=0.5), run_time=1.2, rate_func=linear)",
    ),
}
