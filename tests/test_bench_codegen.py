"""Smoke test of ``experiments/bench_codegen.py``: its smallest run writes a JSON and a Markdown report."""

from __future__ import annotations

import json
from pathlib import Path

from experiments.bench_codegen import main


def test_smallest_run_writes_positive_figures(tmp_path: Path) -> None:
    out = tmp_path / "bench"
    results = main(["--out", str(out), "--repeats", "1", "--max-scenes", "1", "--skip-subprocess"])

    written = json.loads(out.with_name("bench.json").read_text(encoding="utf-8"))
    assert written == json.loads(json.dumps(results)), "the JSON file is not the returned results"
    assert {"machine", "settings", "compile", "inprocess", "subprocess"} <= set(written)
    assert written["subprocess"] is None
    assert written["machine"]["cpu_count"] > 0 and written["machine"]["manim"]
    assert written["settings"]["scenes"] == ["demo"]
    assert written["compile"]["scenes"] == 1 and written["compile"]["scenes_per_s"] > 0
    assert set(written["inprocess"]) == {"64x36", "128x72"}
    for stage in written["inprocess"].values():
        assert stage["clips"] == 1
        assert stage["clips_per_s"] > 0 and stage["s_per_clip"] > 0 and stage["mean_frames_per_clip"] > 1
    table = out.with_name("bench.md").read_text(encoding="utf-8")
    assert "| stage | scenes | median |" in table and "scenes/s" in table and "clips/s" in table
