"""Writing an experiment's results: the same figures as JSON (for tools) and Markdown (for people), atomically."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from codegen.media import write_text


def write_results(out: str | Path, results: dict[str, Any], markdown: str) -> tuple[Path, Path]:
    """Write ``OUT.json`` and ``OUT.md`` (``out`` has no suffix); returns both paths."""
    json_path, md_path = Path(f"{out}.json"), Path(f"{out}.md")
    write_text(json_path, json.dumps(results, indent=2) + "\n")
    write_text(md_path, markdown)
    return json_path, md_path
