"""Round trips of the scene IR: text (``parse(to_text(s)) == s``), JSON, and the canonical form's idempotence.

Also holds the contract of ``tests.strategies.valid_scenes``: what it draws passes the semantic checks, since the
codegen tests rely on that.
"""

from __future__ import annotations

from pathlib import Path

from hypothesis import HealthCheck, given, settings

from dsl import ir
from dsl.checks import check
from dsl.parser import parse
from dsl.printer import to_text
from tests.strategies import scenes, valid_scenes

DEMO = Path(__file__).resolve().parents[2] / "experiments" / "examples" / "demo.mscene"
_SLOW_DRAWS = [HealthCheck.too_slow, HealthCheck.data_too_large]


@settings(max_examples=300, deadline=None, suppress_health_check=_SLOW_DRAWS)
@given(scenes())
def test_text_round_trip(scene: ir.Scene) -> None:
    assert parse(to_text(scene)) == scene


@settings(max_examples=300, deadline=None, suppress_health_check=_SLOW_DRAWS)
@given(scenes())
def test_json_round_trip(scene: ir.Scene) -> None:
    assert ir.Scene.model_validate_json(scene.model_dump_json()) == scene


@settings(max_examples=200, deadline=None, suppress_health_check=_SLOW_DRAWS)
@given(scenes())
def test_canonical_text_is_a_fixed_point(scene: ir.Scene) -> None:
    text = to_text(scene)
    assert to_text(parse(text)) == text


@settings(max_examples=200, deadline=None, suppress_health_check=_SLOW_DRAWS)
@given(valid_scenes())
def test_valid_scenes_pass_the_checks(scene: ir.Scene) -> None:
    errors = check(scene)
    assert errors == [], "\n".join(str(error) for error in errors) + "\n\n" + to_text(scene)


@settings(max_examples=100, deadline=None, suppress_health_check=_SLOW_DRAWS)
@given(valid_scenes())
def test_valid_scenes_round_trip(scene: ir.Scene) -> None:
    text = to_text(scene)
    assert parse(text) == scene
    assert check(parse(text)) == []


def test_bundled_example_round_trips() -> None:
    scene = parse(DEMO.read_text(encoding="utf-8"))
    assert check(scene) == []
    text = to_text(scene)
    assert parse(text) == scene
    assert to_text(parse(text)) == text
    assert ir.Scene.model_validate_json(scene.model_dump_json()) == scene


def test_tricky_strings_round_trip() -> None:
    """Quotes, backslashes, newlines and raw-string look-alikes survive the printer's choice of literal."""
    texts = ['say "hi"', "a\\b", "\\", 'r"x"', "line\nbreak", "\r\n", '\\"', "tab\there", "é∑😀", "#not a comment"]
    scene = ir.Scene(objects=tuple(ir.TextObj(name=f"t{i}", text=text) for i, text in enumerate(texts)))
    assert parse(to_text(scene)) == scene
