"""The IR as JSON: the published JSON Schema, and reading and writing scenes as JSON documents.

A language model, a web editor or any other program can emit a typed scene as JSON instead of DSL text or Manim
code. ``dsl2manim`` reads ``scene.json`` wherever it reads ``.mscene``; errors name the JSON path
(``$.objects[1].radius``), since JSON has no lines worth quoting. The schema ships in the package as
``dsl/scene.schema.json``, with an ``$id`` that carries its version; a test keeps the file equal to
``scene_schema()``, so it cannot drift from the IR.

Examples
--------
>>> scene = read_json('{"name": "A", "objects": [{"kind": "Circle", "name": "c"}]}')
>>> scene.objects[0].kind
'Circle'
>>> read_json(to_json(scene)) == scene
True
"""

from __future__ import annotations

import json
from importlib.resources import files
from typing import Any

from pydantic import ValidationError

from dsl import ir
from dsl.errors import DSLInputError, DSLTypeError

#: Bumped whenever the IR changes in a way that old documents or tools would notice.
SCHEMA_VERSION = "1.1"  # 1.1: Scene.background
SCHEMA_ID = f"urn:jepa-planner:scene:{SCHEMA_VERSION}"
_DIALECT = "https://json-schema.org/draft/2020-12/schema"
#: The name of the packaged schema file, beside this module.
SCHEMA_FILE = "scene.schema.json"


def scene_schema() -> dict[str, Any]:
    """The JSON Schema of ``ir.Scene``, with ``$schema``, ``$id`` and ``version`` first."""
    body = ir.Scene.model_json_schema()
    # A JSON scene may name its schema, which is how editors such as VS Code find it.
    body["properties"] = {"$schema": {"type": "string", "const": SCHEMA_ID}, **body["properties"]}
    return {"$schema": _DIALECT, "$id": SCHEMA_ID, "version": SCHEMA_VERSION, **body}


def schema_text() -> str:
    """``scene_schema()`` as the text of the packaged file (sorted keys, two-space indent, final newline)."""
    return json.dumps(scene_schema(), indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def packaged_schema() -> str:
    """The text of the schema file shipped in the package."""
    return files("dsl").joinpath(SCHEMA_FILE).read_text(encoding="utf-8")


def to_json(scene: ir.Scene) -> str:
    """A scene as a JSON document naming its schema; left-out attributes are left out, as in the DSL.

    Examples
    --------
    ``c = Circle(radius=1.0)`` becomes ``{"kind": "Circle", "name": "c", "radius": 1.0}`` in ``objects``.
    """
    data = {"$schema": SCHEMA_ID, **scene.model_dump(mode="json", exclude_none=True)}
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


def _location(loc: tuple[int | str, ...]) -> tuple[str | int, ...]:
    """Pydantic's error location without the union tags it inserts (``objects.1.Circle.radius``)."""
    kinds = set(ir.OBJECT_KINDS) | set(ir.RELATION_KINDS) | set(ir.ANIMATION_KINDS) | set(ir.STEP_KINDS)
    return tuple(part for part in loc if not (isinstance(part, str) and part in kinds))


def read_json(text: str, *, filename: str | None = None) -> ir.Scene:
    """Parse a JSON scene document into the IR; every error is a ``DSLError`` naming the JSON path.

    Raises
    ------
    DSLInputError
        When the text is not JSON, or names another schema.
    DSLTypeError
        When the JSON does not fit the IR (the first problem, at its path).
    """
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise DSLInputError(
            f"not valid JSON: {exc.msg}", filename=filename, hint=f"at line {exc.lineno}, column {exc.colno}"
        ) from None
    if not isinstance(data, dict):
        raise DSLTypeError("a scene is a JSON object", filename=filename, path=())
    named = data.pop("$schema", SCHEMA_ID)
    if named != SCHEMA_ID:
        raise DSLInputError(
            f"the document names schema {named!r}, not {SCHEMA_ID!r}",
            filename=filename,
            path=("$schema",),
            hint="convert it with a dsl2manim that reads that version",
        )
    try:
        return ir.Scene.model_validate(data)
    except ValidationError as exc:
        error = exc.errors()[0]
        message = str(error["msg"]).removeprefix("Value error, ")
        more = len(exc.errors()) - 1
        hint = f"and {more} more problem{'s' * (more > 1)}" if more else None
        raise DSLTypeError(message, filename=filename, path=_location(tuple(error["loc"])), hint=hint) from None
