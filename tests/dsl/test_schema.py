"""The IR as JSON: the packaged schema equals the IR's, JSON round-trips, and errors name the JSON path."""

from __future__ import annotations

import json

import pytest
from hypothesis import given

from dsl import ir
from dsl.errors import DSLError
from dsl.schema import SCHEMA_ID, SCHEMA_VERSION, packaged_schema, read_json, scene_schema, schema_text, to_json
from tests.strategies import scenes


def test_the_packaged_schema_file_is_the_irs() -> None:
    assert packaged_schema() == schema_text(), "regenerate it: dsl2manim schema -o dsl/scene.schema.json --force"


def test_the_schema_has_an_id_and_a_version() -> None:
    schema = scene_schema()
    assert schema["$id"] == SCHEMA_ID and SCHEMA_VERSION in SCHEMA_ID and schema["version"] == SCHEMA_VERSION
    assert schema["$schema"].startswith("https://json-schema.org/")
    assert set(schema["$defs"]) >= set(ir.OBJECT_KINDS) - {"Text"} | {"TextObj"}


@given(scenes())
def test_json_round_trips(scene: ir.Scene) -> None:
    text = to_json(scene)
    assert json.loads(text)["$schema"] == SCHEMA_ID
    assert read_json(text) == scene


@pytest.mark.parametrize(
    ("document", "needle"),
    [
        ('{"objects": [{"kind": "Circle", "name": "c", "radius": -1}]}', "s.json: $.objects[0].radius: type error"),
        (
            '{"objects": [{"kind": "Circle", "name": "c"}], "timeline": [{"kind": "play", "animations": '
            '[{"kind": "Create", "target": "c", "wobble": 1}]}]}',
            "$.timeline[0].animations[0].wobble",
        ),
        ('{"nmae": "A"}', "$.nmae: type error: Extra inputs are not permitted"),
        ("[1, 2]", "s.json: $: type error: a scene is a JSON object"),
        ('{"name": "A",}', "s.json: input error: not valid JSON"),
        ('{"$schema": "urn:other", "name": "A"}', "s.json: $.$schema: input error: the document names schema"),
    ],
)
def test_errors_name_the_json_path(document: str, needle: str) -> None:
    with pytest.raises(DSLError) as caught:
        read_json(document, filename="s.json")
    assert needle in caught.value.render()
