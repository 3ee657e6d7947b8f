"""Numeric evaluation of the restricted expression language used by function plots.

The checks sample a plotted function over its range with this, so a plot that would hit a pole or leave the
real numbers is rejected before any Manim code runs. Nothing here uses ``eval``: the tree is walked directly.

Examples
--------
DSL ``Plot(ax, sin(x) + x ^ 2)`` evaluated at ``x = 0`` gives ``0.0``.
"""

from __future__ import annotations

import math
from collections.abc import Callable

from dsl import ir

_FUNCS: dict[str, Callable[[float], float]] = {
    "sin": math.sin,
    "cos": math.cos,
    "tan": math.tan,
    "exp": math.exp,
    "log": math.log,
    "sqrt": math.sqrt,
    "abs": abs,
}
_CONSTS = {"pi": math.pi, "e": math.e}


def evaluate(expr: ir.Node, x: float) -> float | None:
    """Value of ``expr`` at ``x``, or None where it is undefined (a pole, a log of a negative, an overflow)."""
    try:
        return _eval(expr, x)
    except (ValueError, ZeroDivisionError, OverflowError):
        return None


def _eval(expr: ir.Node, x: float) -> float:
    if isinstance(expr, ir.Num):
        return expr.value
    if isinstance(expr, ir.Var):
        return x
    if isinstance(expr, ir.Const):
        return _CONSTS[expr.name]
    if isinstance(expr, ir.Neg):
        return -_eval(expr.operand, x)
    if isinstance(expr, ir.Call):
        return _FUNCS[expr.func](_eval(expr.arg, x))
    assert isinstance(expr, ir.BinOp), f"unexpected expression node {expr!r}"
    left, right = _eval(expr.left, x), _eval(expr.right, x)
    if expr.op == "+":
        return left + right
    if expr.op == "-":
        return left - right
    if expr.op == "*":
        return left * right
    if expr.op == "/":
        return left / right
    value = left**right
    if isinstance(value, complex):
        raise ValueError("complex power")
    return float(value)
