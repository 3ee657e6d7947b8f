"""Smoke test of ``experiments/bench_data.py``: its smallest run writes a JSON and a Markdown report."""

from __future__ import annotations

import json
from pathlib import Path

from experiments.bench_data import main


def test_smallest_run_writes_positive_figures(tmp_path: Path) -> None:
    out = tmp_path / "bench"
    results = main(
        ["--out", str(out), "--levels", "1", "--workers", "1", "--repeats", "1", "--warmup", "1", "--n-simple", "3"]
    )
    written = json.loads(out.with_name("bench.json").read_text(encoding="utf-8"))
    assert written == json.loads(json.dumps(results)), "the JSON file is not the returned results"
    assert written["machine"]["cpu_count"] > 0 and written["machine"]["manim"]
    (row,) = written["runs"]
    assert (row["level"], row["workers"], row["clips"]) == (1, 1, 3)
    assert row["clips_per_s"] > 0 and row["cpu_ms_per_clip"] > 0
    assert row["startup_s"] is None, "3 clips are too few to separate start-up from the clips"
    assert row["worker_peak_rss_mb"] > 50 and row["bytes_per_clip"] > 10_000
    table = out.with_name("bench.md").read_text(encoding="utf-8")
    assert "| level | workers |" in table and "| L1 | 1 | 3 |" in table
