"""The closed vocabularies of the DSL: colour names, directions, rate functions and expression functions.

They are spelled exactly as Manim CE exports them, so the compiler can emit them as bare names. A test checks
each one against ``manim`` itself; this module does not import Manim, so parsing stays fast.
"""

from __future__ import annotations

from typing import Final

_SHADES: Final = ("BLUE", "GOLD", "GRAY", "GREEN", "MAROON", "PURPLE", "RED", "TEAL", "YELLOW")

#: Manim palette names accepted as colours (hex ``"#RRGGBB"`` is accepted too).
COLOR_NAMES: Final[tuple[str, ...]] = tuple(
    sorted(
        {
            "WHITE",
            "BLACK",
            "GRAY",
            "LIGHT_GRAY",
            "DARK_GRAY",
            "ORANGE",
            "PINK",
            "LIGHT_PINK",
            "LIGHT_BROWN",
            "DARK_BROWN",
            "DARK_BLUE",
            "PURE_RED",
            "PURE_GREEN",
            "PURE_BLUE",
            *_SHADES,
            *(f"{shade}_{letter}" for shade in _SHADES for letter in "ABCDE"),
        }
    )
)

#: Unit directions by name, as (x, y) in Manim units.
DIRECTIONS: Final[dict[str, tuple[float, float]]] = {
    "UP": (0.0, 1.0),
    "DOWN": (0.0, -1.0),
    "LEFT": (-1.0, 0.0),
    "RIGHT": (1.0, 0.0),
    "UL": (-1.0, 1.0),
    "UR": (1.0, 1.0),
    "DL": (-1.0, -1.0),
    "DR": (1.0, -1.0),
}
EDGES: Final[tuple[str, ...]] = ("UP", "DOWN", "LEFT", "RIGHT")
CORNERS: Final[tuple[str, ...]] = ("UL", "UR", "DL", "DR")

#: Rate functions that ``from manim import *`` exports by name; the compiler emits them bare.
RATE_FUNCS_EXPORTED: Final[tuple[str, ...]] = (
    "smooth",
    "linear",
    "rush_into",
    "rush_from",
    "there_and_back",
    "double_smooth",
)
#: Rate functions the DSL exposes; those not exported by name are emitted as ``rate_functions.NAME``.
RATE_FUNCS: Final[tuple[str, ...]] = (
    *RATE_FUNCS_EXPORTED,
    "ease_in_sine",
    "ease_out_sine",
    "ease_in_out_sine",
    "ease_in_out_cubic",
    "ease_out_bounce",
)

#: Functions allowed in plotted expressions, mapped to the numpy function the compiler emits.
EXPR_FUNCS: Final[dict[str, str]] = {
    "sin": "np.sin",
    "cos": "np.cos",
    "tan": "np.tan",
    "exp": "np.exp",
    "log": "np.log",
    "sqrt": "np.sqrt",
    "abs": "np.abs",
}
#: Named constants allowed in plotted expressions.
EXPR_CONSTS: Final[dict[str, str]] = {"pi": "np.pi", "e": "np.e"}

#: Words with a fixed meaning in the DSL, or that the compiled code uses as globals (np, rate functions); they
#: cannot name an object or a step.
RESERVED: Final[frozenset[str]] = frozenset(
    {"scene", "play", "wait", "add", "x", "self", "np", *EXPR_FUNCS, *EXPR_CONSTS, *RATE_FUNCS}
)
