from __future__ import annotations

import pytest

from dsl import ir


@pytest.mark.parametrize(
    ("animation", "screen"),
    [
        (ir.Create(target="a"), {"target": ("hidden", "visible")}),
        (ir.GrowArrow(target="a"), {"target": ("hidden", "visible")}),
        (ir.FadeOut(target="a"), {"target": ("visible", "removed")}),
        (ir.Indicate(target="a"), {"target": ("visible", "visible")}),
        (ir.Transform(target="a", into="b"), {"target": ("visible", "visible"), "into": ("hidden", "hidden")}),
        (
            ir.ReplacementTransform(target="a", into="b"),
            {"target": ("visible", "removed"), "into": ("hidden", "visible")},
        ),
    ],
)
def test_each_animation_says_what_it_needs_and_leaves_on_screen(
    animation: ir.AnimationBase, screen: dict[str, ir.ScreenChange]
) -> None:
    assert dict(animation.screen) == screen
    assert animation.introduces == (screen["target"] == ir.BRINGS_IN)
    assert set(screen) == {"target", *(["into"] if len(animation.names()) == 2 else [])}


def test_every_animation_names_its_objects_in_the_table() -> None:
    for kind, cls in ir.ANIMATION_KINDS.items():
        fields = set(cls.model_fields) & {"target", "into"}
        assert set(cls.screen) == fields, kind
        assert cls.target_kinds is None or cls.target_kinds <= set(ir.OBJECT_KINDS), kind
