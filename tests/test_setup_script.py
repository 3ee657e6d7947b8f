"""``scripts/setup.sh`` reinstalls when pyproject.toml, the torch pin or the torch pip options change, and only then.

The script runs on a copy of the repository's two files, with a stand-in ``.venv/bin/python`` that records what it
is asked to install, and a stand-in ``dpkg`` that says every system package is there: nothing is downloaded.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
_FAKE_PYTHON = """#!/usr/bin/env bash
if [ "$1" = "--version" ]; then echo "Python 3.11.0"; exit 0; fi
echo "$*" >> "$(dirname "$0")/../../pip.log"
"""


def _checkout(tmp_path: Path) -> Path:
    root = tmp_path / "repo"
    (root / "scripts").mkdir(parents=True)
    shutil.copy(REPO / "scripts" / "setup.sh", root / "scripts" / "setup.sh")
    shutil.copy(REPO / "pyproject.toml", root / "pyproject.toml")
    venv = root / ".venv" / "bin"
    venv.mkdir(parents=True)
    (venv / "python").write_text(_FAKE_PYTHON)
    (venv / "python").chmod(0o755)
    tools = tmp_path / "bin"
    tools.mkdir()
    (tools / "dpkg").write_text("#!/usr/bin/env bash\nexit 0\n")
    (tools / "dpkg").chmod(0o755)
    return root


def _setup(root: Path, **env: str) -> list[str]:
    """Run setup.sh; return the pip commands it ran this time."""
    log = root / "pip.log"
    log.unlink(missing_ok=True)
    path = f"{root.parent / 'bin'}{os.pathsep}{os.environ['PATH']}"
    subprocess.run(
        ["bash", "scripts/setup.sh"], cwd=root, env={**os.environ, "PATH": path, **env}, check=True, capture_output=True
    )
    return log.read_text().splitlines() if log.exists() else []


def test_setup_reinstalls_when_the_torch_pin_or_its_options_change(tmp_path: Path) -> None:
    root = _checkout(tmp_path)
    script = root / "scripts" / "setup.sh"
    match = re.search(r'TORCH_PIN="(torch==[^"]+)"', script.read_text())
    assert match is not None, "setup.sh pins torch in TORCH_PIN"
    first = _setup(root)
    assert any(line.endswith(f"install -q {match[1]}") for line in first), first
    assert any("install -q -e .[dev]" in line for line in first), first
    assert _setup(root) == [], "nothing changed, so nothing is installed"

    script.write_text(script.read_text().replace(match[0], 'TORCH_PIN="torch==9.9.9"'))
    assert any(line.endswith("torch==9.9.9") for line in _setup(root)), "a new torch pin reinstalls"
    assert _setup(root) == []

    cpu = "--index-url https://download.pytorch.org/whl/cpu"
    assert any(line.endswith(f"install -q {cpu} torch==9.9.9") for line in _setup(root, TORCH_PIP_ARGS=cpu))
    assert _setup(root, TORCH_PIP_ARGS=cpu) == []

    (root / "pyproject.toml").write_text((root / "pyproject.toml").read_text() + "\n# changed\n")
    assert _setup(root, TORCH_PIP_ARGS=cpu) != [], "a changed pyproject.toml reinstalls"
