"""The compiler's output is byte-identical for the same scene: in one process, and in fresh ones.

A fresh interpreter with another ``PYTHONHASHSEED`` orders sets and hashed dicts differently, so any iteration
over a set inside the compiler would show up here as a changed source (after Jinja2's ``test_compile.py``).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from codegen.compiler import compile_scene
from dsl.parser import parse
from tests.codegen.golden_cases import CASES

REPO = Path(__file__).resolve().parents[2]
DEMO = REPO / "experiments" / "examples" / "demo.mscene"

#: Run in a fresh interpreter: compile every golden case and the demo, print {case: source} as JSON.
_CHILD = """
import json, sys
from pathlib import Path
from codegen.compiler import compile_scene
from dsl.parser import parse
from tests.codegen.golden_cases import CASES
texts = dict(CASES, demo=Path(sys.argv[1]).read_text(encoding="utf-8"))
json.dump({case: compile_scene(parse(text)) for case, text in texts.items()}, sys.stdout, ensure_ascii=True)
"""


def all_texts() -> dict[str, str]:
    """The golden cases and the demo scene, by name."""
    return dict(CASES, demo=DEMO.read_text(encoding="utf-8"))


def source_bytes(text: str) -> bytes:
    """Parse and compile ``text``; the source as UTF-8 bytes."""
    return compile_scene(parse(text)).encode("utf-8")


@pytest.mark.parametrize("case", list(all_texts()))
def test_compiling_twice_gives_identical_source(case: str) -> None:
    text = all_texts()[case]
    scene = parse(text)
    first = compile_scene(scene).encode("utf-8")
    assert compile_scene(scene).encode("utf-8") == first, "the same IR object compiled differently"
    assert source_bytes(text) == first, "parsing the text again compiled differently"


@pytest.mark.parametrize("hash_seed", ["0", "12345"])
def test_fresh_process_gives_identical_source(hash_seed: str) -> None:
    env = dict(os.environ, PYTHONHASHSEED=hash_seed)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, (str(REPO), os.environ.get("PYTHONPATH"))))
    child = subprocess.run(
        [sys.executable, "-c", _CHILD, str(DEMO)], cwd=REPO, env=env, capture_output=True, check=False, timeout=120
    )
    assert child.returncode == 0, child.stderr.decode("utf-8", "replace")
    theirs: dict[str, str] = json.loads(child.stdout)
    ours = all_texts()
    assert list(theirs) == list(ours), "the child compiled a different set of cases"
    for case, text in ours.items():
        assert theirs[case].encode("utf-8") == source_bytes(text), f"{case}: source differs in a fresh process"
