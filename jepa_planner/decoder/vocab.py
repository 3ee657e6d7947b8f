"""The decoder's label lists: the kinds, colours and fills the object heads name, and the words of the timeline.

A leaf module: every other ``jepa_planner.decoder`` module imports it, and it imports only ``dsl``. The lists are
subsets of what the IR knows (``dsl.ir``, ``dsl.vocabulary``); where the IR already orders them they are derived
from it, and where they are the order of the shipped weights' output ids they are written out, and a test checks
them against the IR.
"""

from __future__ import annotations

from typing import Final, Literal, get_args

from dsl import ir

#: Kinds the IR has that the object heads cannot name yet: structures built on other objects, and groups.
UNDECODED_KINDS: Final = frozenset({"Brace", "SurroundingRectangle", "Axes", "NumberPlane", "Plot", "Group"})
#: Kinds the object heads can name, in the IR's order.
KINDS: Final = tuple(kind for kind in ir.OBJECT_KINDS if kind not in UNDECODED_KINDS)
#: The "no object" class comes after the kinds.
NO_OBJECT: Final = len(KINDS)
#: Fill opacities the heads choose between (None: Manim's default, no fill).
FILLS: Final = (None, 0.5, 1.0)
#: Colours and rate functions the decoder can name (the curriculum's palette and its rate functions).
PALETTE: Final = ("BLUE", "RED", "GREEN", "YELLOW", "ORANGE", "PURPLE", "TEAL", "PINK", "WHITE", "GOLD")
COLORS: Final = PALETTE
RATE_FUNCS: Final = ("smooth", "linear", "rush_into", "rush_from", "ease_in_out_sine")
SHIFT_DIRECTIONS: Final = ("UP", "DOWN", "LEFT", "RIGHT")
#: Every verb the timeline decoder can write, in the order of its word ids.
VERBS: Final = (
    "Create", "Write", "FadeIn", "GrowFromCenter", "DrawBorderThenFill", "GrowArrow",
    "Indicate", "Circumscribe", "Rotate", "Shift", "Scale", "SetColor", "MoveTo", "FadeOut",
    "Transform", "ReplacementTransform",
)  # fmt: skip
#: Verbs that bring an object on screen, that morph one object into another, and that animate one already there
#: (``dsl.ir.AnimationBase.screen`` says which is which).
INTRO_VERBS: Final = tuple(verb for verb in VERBS if ir.ANIMATION_KINDS[verb].screen["target"] == ir.BRINGS_IN)
MORPH_VERBS: Final = tuple(verb for verb in VERBS if "into" in ir.ANIMATION_KINDS[verb].screen)
MOTION_VERBS: Final = tuple(verb for verb in VERBS if verb not in INTRO_VERBS and verb not in MORPH_VERBS)
KEYWORDS: Final = ("run_time", "rate_func", "lag_ratio", "shift")
#: Non-negative numbers the decoder can write; a minus sign is its own token. Targets snap to the nearest.
NUMBERS: Final = (*(round(0.1 * i, 1) for i in range(0, 31)), 3.5, 4.0, 4.2, 4.5, 5.0, 6.0, 45.0, 90.0, 180.0)
#: Ranges of the numbers each place takes: durations (run time, wait), scale factors, coordinates, angles.
MAX_DURATION: Final = 3.0
MAX_FACTOR: Final = 3.0
MAX_COORDINATE: Final = 6.0
ANGLES: Final = (45.0, 90.0, 180.0)
#: The most animations in one play step.
MAX_ANIMATIONS: Final = 3
#: The label of an unknown colour or fill, left out of the losses (``torch.nn.functional.cross_entropy``'s).
IGNORE: Final = -100
#: How the objects are predicted: all at once from proposal queries, or written one after another.
ObjectHead = Literal["set", "sequence"]
OBJECT_HEADS: Final = get_args(ObjectHead)
