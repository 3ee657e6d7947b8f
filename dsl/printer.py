"""The canonical pretty-printer: IR → scene text, such that ``parse(to_text(scene)) == scene``.

The canonical form writes objects, then relations, then the timeline, each section separated by one blank line.
Positional fields come first, then keyword fields in model order; ``None`` fields are left out. Numbers use the
shortest repr that round-trips; strings with a backslash and no quote are written raw (``r"\\frac{a}{b}"``).

Examples
--------
>>> from dsl import ir
>>> to_text(ir.Scene(name="Demo", objects=(ir.Circle(name="c", radius=1.0),)))
'scene Demo\\n\\nc = Circle(radius=1.0)\\n'
"""

from __future__ import annotations

import json
from typing import Any

from dsl import ir

#: Binding strength of each operator (``neg`` is unary minus); atoms bind tightest. Python's is the same.
PRECEDENCE = {"+": 1, "-": 1, "*": 2, "/": 2, "neg": 3, "^": 4}
ATOM = 5


def format_number(value: float | int) -> str:
    """Shortest text that parses back to the same number (``1.0``, ``0.1``, ``1e-05``, ``3``)."""
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return repr(float(value))


def format_string(value: str) -> str:
    """A string literal: raw when that needs no escapes, JSON-escaped otherwise."""
    if "\\" in value and not any(char in value for char in '"\n\r'):
        return f'r"{value}"'
    return json.dumps(value, ensure_ascii=False)


def expr_precedence(expr: ir.Node) -> int:
    """How tightly an expression node binds (see ``PRECEDENCE``)."""
    if isinstance(expr, ir.BinOp):
        return PRECEDENCE[expr.op]
    if isinstance(expr, ir.Neg):
        return PRECEDENCE["neg"]
    return ATOM


def format_expr(expr: ir.Node) -> str:
    """Write an expression tree with the fewest parentheses that keep its shape.

    Examples
    --------
    DSL ``sin(2 * x) + x ^ 2`` stays as written; the compiler emits ``np.sin(2.0 * x) + x**2.0``.
    """
    if isinstance(expr, ir.Num):
        return format_number(expr.value)
    if isinstance(expr, ir.Var):
        return "x"
    if isinstance(expr, ir.Const):
        return expr.name
    if isinstance(expr, ir.Call):
        return f"{expr.func}({format_expr(expr.arg)})"
    if isinstance(expr, ir.Neg):
        return "-" + _wrap(expr.operand, PRECEDENCE["neg"])
    assert isinstance(expr, ir.BinOp), f"unexpected expression node {expr!r}"
    own = PRECEDENCE[expr.op]
    if expr.op == "^":
        # The grammar reads `atom ^ unary`: the base must be an atom, the exponent may be signed.
        return f"{_wrap(expr.left, ATOM)} ^ {_wrap(expr.right, PRECEDENCE['neg'])}"
    return f"{_wrap(expr.left, own)} {expr.op} {_wrap(expr.right, own + 1)}"


def _wrap(expr: ir.Node, minimum: int) -> str:
    text = format_expr(expr)
    return text if expr_precedence(expr) >= minimum else f"({text})"


def format_value(name: str, value: Any) -> str:
    """Write one field value as DSL syntax."""
    if name == "function":
        return format_expr(value)
    hexed = name in ("color", "background") and isinstance(value, str) and value.startswith("#")
    if name in ("text", "tex") or hexed:
        return format_string(value)
    if isinstance(value, tuple):
        return "(" + ", ".join(format_number(item) for item in value) + ")"
    if isinstance(value, int | float) and not isinstance(value, bool):
        return format_number(value)
    assert isinstance(value, str), f"cannot print {name}={value!r}"
    return value


_STYLE = ("color", "fill_opacity", "stroke_opacity", "stroke_width", "z_index")


def _arguments(node: ir.Node, skip: tuple[str, ...] = ()) -> list[str]:
    parts = [format_value(name, getattr(node, name)) for name in node.positional]
    # The fields of the kind first, then the shared style fields, so ``Circle(radius=1.0, color=BLUE)``.
    names = [name for name in type(node).model_fields if name not in _STYLE]
    names += [name for name in _STYLE if name in type(node).model_fields]
    for name in names:
        if name in ("kind", "name", "label", "subject", *node.positional, *skip):
            continue
        value = getattr(node, name)
        if value is not None:
            parts.append(f"{name}={format_value(name, value)}")
    return parts


def format_object(obj: ir.ObjectBase) -> str:
    """``c = Circle(radius=1.0)``; a Group lists its members positionally."""
    if isinstance(obj, ir.Group):
        parts = [*obj.members, *_arguments(obj, skip=("members",))]
    else:
        parts = _arguments(obj)
    return f"{obj.name} = {obj.kind}({', '.join(parts)})"


def format_relation(relation: ir.RelationBase) -> str:
    """``t.next_to(c, UP, buff=0.3)``."""
    return f"{relation.subject}.{relation.kind}({', '.join(_arguments(relation))})"


def format_animation(animation: ir.AnimationBase) -> str:
    """``FadeIn(c, shift=UP)``."""
    return f"{animation.kind}({', '.join(_arguments(animation))})"


def format_step(step: ir.StepBase) -> str:
    """``intro: play(Create(c), run_time=2.0)``, ``wait(0.5)`` or ``add(c, d)``."""
    label = f"{step.label}: " if step.label else ""
    if isinstance(step, ir.Play):
        animations = ", ".join(format_animation(animation) for animation in step.animations)
        if step.lag_ratio is not None:
            animations = f"LaggedStart({animations}, lag_ratio={format_number(step.lag_ratio)})"
        options = _arguments(step, skip=("animations", "lag_ratio"))
        return f"{label}play({', '.join([animations, *options])})"
    if isinstance(step, ir.Add):
        return f"{label}add({', '.join(step.targets)})"
    assert isinstance(step, ir.Wait), f"unexpected step {step!r}"
    return f"{label}wait({format_number(step.duration)})"


def to_text(scene: ir.Scene) -> str:
    """Print a scene in canonical form; ``parse(to_text(s)) == s`` for every valid ``s``."""
    sections = [
        [format_object(obj) for obj in scene.objects],
        [format_relation(relation) for relation in scene.relations],
        [format_step(step) for step in scene.timeline],
    ]
    body = "\n\n".join("\n".join(lines) for lines in sections if lines)
    settings = f"(background={format_value('background', scene.background)})" if scene.background is not None else ""
    return f"scene {scene.name}{settings}\n" + (f"\n{body}\n" if body else "")
