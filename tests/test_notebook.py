"""The bundled notebook runs headless (nbclient) and each displayed value shows a clip beside highlighted DSL."""

from __future__ import annotations

from pathlib import Path

import nbformat
from nbclient import NotebookClient

REPO = Path(__file__).resolve().parent.parent


def test_the_bundled_notebook_runs_and_displays_clips_and_dsl() -> None:
    notebook = nbformat.read(REPO / "experiments" / "examples" / "notebook.ipynb", as_version=4)  # type: ignore[no-untyped-call]
    NotebookClient(notebook, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(REPO)}}).execute()
    code = [cell for cell in notebook.cells if cell.cell_type == "code"]
    for cell in code:
        assert not [output for output in cell.outputs if output.output_type == "error"], cell.outputs
    scene_output, plan_output = (cell.outputs[-1] for cell in code)
    for output in (scene_output, plan_output):
        assert output.output_type == "execute_result"
        page = output.data["text/html"]
        assert '<img src="data:image/gif;base64,' in page, "an animated clip is shown inline"
        assert "<span" in page and "style=" in page, "the DSL is highlighted with inline colours"
        assert output.data["text/plain"].startswith("scene ")
    assert "perception: " in plan_output.data["text/html"], "the plan's notes follow"
