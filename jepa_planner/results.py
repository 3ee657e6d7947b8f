"""Writing an experiment's results: the same figures as JSON (for tools) and Markdown (for people), atomically."""

from __future__ import annotations

import argparse
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


def results_parser(doc: str | None, default_out: str | Path) -> argparse.ArgumentParser:
    """An experiment's command line: its description is the first line of ``doc`` (the script's docstring), and
    ``--out`` (no suffix; ``write_results`` adds ``.json`` and ``.md``) defaults to ``default_out``."""
    parser = argparse.ArgumentParser(description=doc.splitlines()[0] if doc else None)
    parser.add_argument(
        "--out", type=Path, default=Path(default_out), help="output path without suffix; writes <out>.json and <out>.md"
    )
    return parser
