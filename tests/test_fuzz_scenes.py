"""The fuzz benchmark at CI size: 500 random scenes (schema and mutation), and none that passes the checks fails
to compile or render. The 10^5-scene figure is in ``experiments/results/fuzz_scenes.md``."""

from __future__ import annotations

import json
from pathlib import Path

from experiments.fuzz_scenes import FAILURES, OUTCOMES, main


def test_five_hundred_scenes_and_no_failure_after_the_checks(tmp_path: Path) -> None:
    out = tmp_path / "fuzz"
    results = main(["--scenes", "500", "--out", str(out), "--quiet"])
    assert json.loads(out.with_name("fuzz.json").read_text(encoding="utf-8"))["total"] == results["total"]
    total = results["total"]
    assert sum(total[outcome] for outcome in OUTCOMES) == 500
    assert {source: sum(counts.values()) for source, counts in results["counts"].items()} == {
        "schema": 250,
        "mutation": 250,
    }
    assert total["rendered"] >= 25, "enough scenes pass the checks for the benchmark to mean something"
    assert total["rejected"] > 0 and total["invalid"] > 0
    assert {outcome: total[outcome] for outcome in FAILURES} == dict.fromkeys(FAILURES, 0), results["failures"]
    assert "0 failures after the checks" in out.with_name("fuzz.md").read_text(encoding="utf-8")


def test_the_latex_check_is_what_keeps_formulas_from_failing_at_render_time(tmp_path: Path) -> None:
    # Scene 55 of seed 0 holds a formula that passes the brace check and that LaTeX refuses. (The scenes are drawn
    # from the IR's JSON Schema, so a change to the schema changes which index holds one.)
    checked = main(["--replay", "55", "--quiet"])
    unchecked = main(["--replay", "55", "--no-latex", "--quiet"])
    assert checked["outcome"] == "rejected"
    assert unchecked["outcome"] == "render_failed" and "latex error" in str(unchecked["message"])
