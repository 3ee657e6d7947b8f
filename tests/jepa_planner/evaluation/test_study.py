"""Smoke test of ``experiments/run_study.py --mini``: tiny data, every encoder, two label counts, a few steps; it
trains, exports, evaluates and reports end to end, and a rerun skips what is done."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import yaml

from experiments.run_study import ENCODERS, MINI, main
from jepa_planner.data.datamodule import split_of


def test_mini_study_runs_end_to_end(tmp_path: Path) -> None:
    results = main(["--mini", "--work", str(tmp_path)])
    out = tmp_path / "results"

    expected = {
        (encoder, labels, seed, "set") for encoder in ENCODERS for labels in MINI["labels"] for seed in MINI["seeds"]
    }
    expected |= {("jepa", max(MINI["labels"]), seed, "sequence") for seed in MINI["seeds"]}
    assert {(r["encoder"], r["labels"], r["seed"], r["head"]) for r in results["runs"]} == expected
    sequence = [r for r in results["runs"] if r["head"] == "sequence"]
    for record in sequence:  # the head ablation: its own config and planner, scored apart from the label cells
        config = yaml.safe_load(Path(record["config"]).read_text(encoding="utf-8"))
        assert config["model"]["init_args"]["object_head"] == "sequence"
        assert set(record["metrics"]) == {"planner@sequence-head"}
        assert record["metrics"]["planner@sequence-head"]["all"]["valid"] == 1.0
    for record in (r for r in results["runs"] if r["head"] == "set"):
        assert record["labels_used"] == record["labels"]
        assert record["metrics"]["planner"]["all"]["valid"] == 1.0, record["run"]
        assert record["metrics"]["nearest"]["all"]["valid"] == 1.0, record["run"]
        assert record["metrics"]["planner"]["all"]["l3.latent_l1"] >= 0.0, "measured with the JEPA's encoder"
        config = yaml.safe_load(Path(record["config"]).read_text(encoding="utf-8"))
        assert config["seed_everything"] == record["seed"]
        assert config["model"]["init_args"]["freeze_encoder"] == (record["encoder"] != "scratch")
        assert (config["model"]["init_args"]["encoder_weights"] is None) == (record["encoder"] != "jepa")
    ablation = next(r for r in results["runs"] if r["encoder"] == "jepa" and r["labels"] == max(MINI["labels"]))
    assert {"unconstrained", "planner@refine-2"} <= set(ablation["metrics"])

    # Subsets: nested across label counts, all from the train split.
    subsets = {}
    for labels in MINI["labels"]:
        listing = json.loads((tmp_path / "subsets" / f"labels-{labels}-seed-0" / "subset.json").read_text())
        subsets[labels] = {clip["scene_hash"] for clip in listing["clips"]}
        assert all(split_of(h, 0.05, MINI["test_fraction"]) == "train" for h in subsets[labels])
    assert subsets[min(MINI["labels"])] < subsets[max(MINI["labels"])]

    written = json.loads((out / "study.json").read_text(encoding="utf-8"))
    assert written["settings"]["labels"] == MINI["labels"] and len(written["runs"]) == len(expected)
    report = (out / "RESULTS.md").read_text(encoding="utf-8")
    for heading in (
        "## Label efficiency",
        "### All levels",
        "### Level 1",
        "### Grammar and semantic masks",
        "### Render-and-compare refinement",
        "### Set head against a plain autoregressive decoder",
        "## Violation of expectation",
    ):
        assert heading in report
    assert "| jepa | 4 | planner |" in report and "| all | plain autoregressive |" in report
    assert (out / "violation.json").exists() and "| teleport |" in report
    assert written["violation"]["n_clips"] == MINI["violation_clips"]
    if importlib.util.find_spec("matplotlib") is not None:
        assert (out / "labels-all.png").exists() and "![all](labels-all.png)" in report

    planners = {r["planner"]: Path(r["planner"]).stat().st_mtime_ns for r in results["runs"]}
    assert all(r["train_s"] > 0 and r["eval_s"] > 0 for r in results["runs"]), "each run's cost is kept"
    rerun = main(["--mini", "--work", str(tmp_path)])
    assert {r["planner"]: Path(r["planner"]).stat().st_mtime_ns for r in rerun["runs"]} == planners, "nothing retrained"
    assert [(r["train_s"], r["eval_s"]) for r in rerun["runs"]] == [
        (r["train_s"], r["eval_s"]) for r in results["runs"]
    ]
    assert [r["metrics"] for r in rerun["runs"]] == [r["metrics"] for r in written["runs"]]
