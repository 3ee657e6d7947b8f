from __future__ import annotations

from dsl import ir
from dsl.vocabulary import COLOR_NAMES, DIRECTIONS, RATE_FUNCS
from jepa_planner.decoder import vocab


def test_the_label_lists_keep_the_order_of_the_shipped_weights() -> None:
    # Output ids of the trained heads: reordering any of these silently scrambles a planner's predictions.
    assert vocab.KINDS == (
        "Circle", "Square", "Rectangle", "Triangle", "RegularPolygon", "Ellipse", "Dot",
        "Line", "Arrow", "DoubleArrow", "Text", "MathTex",
    )  # fmt: skip
    assert vocab.NO_OBJECT == 12
    assert vocab.INTRO_VERBS == ("Create", "Write", "FadeIn", "GrowFromCenter", "DrawBorderThenFill", "GrowArrow")
    motion = ("Indicate", "Circumscribe", "Rotate", "Shift", "Scale", "SetColor", "MoveTo", "FadeOut")
    assert vocab.MOTION_VERBS == motion
    assert vocab.MORPH_VERBS == ("Transform", "ReplacementTransform")


def test_the_label_lists_are_words_of_the_dsl() -> None:
    assert set(vocab.KINDS) <= set(ir.OBJECT_KINDS)
    assert set(vocab.UNDECODED_KINDS) | set(vocab.KINDS) == set(ir.OBJECT_KINDS)
    assert set(vocab.VERBS) == set(ir.ANIMATION_KINDS), "the decoder can write every animation"
    assert set(vocab.PALETTE) <= set(COLOR_NAMES)
    assert set(vocab.RATE_FUNCS) <= set(RATE_FUNCS)
    assert set(vocab.SHIFT_DIRECTIONS) <= set(DIRECTIONS)
