"""The evaluation harness on a tiny random planner and two tiny generated datasets: its reports, its baselines, its
command line and its errors."""

from __future__ import annotations

import importlib.util
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import torch

from dsl.parser import parse
from dsl.printer import to_text
from jepa_planner.cli import run_eval
from jepa_planner.data.generate import GenerateRequest, generate
from jepa_planner.decoder.decode import decode_scene
from jepa_planner.errors import DatasetError
from jepa_planner.evaluation.harness import EvalSettings, EvaluationError, evaluate, held_out_clips, split_samples
from jepa_planner.evaluation.methods import NearestMethod, raw_text
from jepa_planner.models.video import to_video
from jepa_planner.planning.model import Planner, PlannerConfig, save_planner
from tests.jepa_planner.helpers import save_jepa_run

#: Half the scene hashes held out, so that eight clips per level leave a few to test on.
TEST_FRACTION = 0.5
TINY = PlannerConfig(slots=3, decoder_width=32, decoder_depth=1, max_tokens=48, max_steps=3)


@pytest.fixture(autouse=True)
def one_thread() -> Iterator[None]:
    """One torch thread, as ``evaluate`` uses: two on a busy 2-core machine made these decodes many times slower."""
    previous = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(previous)


@pytest.fixture(scope="module")
def data(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    """Eight clips of level 1 and eight of level 2 (64x36, 16 frames)."""
    root = tmp_path_factory.mktemp("harness")
    dirs = [root / f"l{level}" for level in (1, 2)]
    for level, out in enumerate(dirs, 1):
        generate(GenerateRequest(out=out, level=level, n=8, shard_size=8, seed=level), progress=False)
    return dirs


def tiny_planner(seed: int) -> Planner:
    torch.manual_seed(seed)
    return Planner(TINY)


@pytest.fixture(scope="module")
def planner_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return save_planner(tiny_planner(0), tmp_path_factory.mktemp("planner") / "tiny.safetensors")


@pytest.fixture(scope="module")
def report(
    data: list[Path], planner_file: Path, tmp_path_factory: pytest.TempPathFactory
) -> tuple[dict[str, Any], Path]:
    out = tmp_path_factory.mktemp("eval") / "report"
    settings = EvalSettings(limit=2, methods=("planner", "unconstrained", "nearest"), test_fraction=TEST_FRACTION)
    summary = evaluate({"tiny": planner_file}, data, settings, out_dir=out, progress=False)
    return summary, out


def test_report_files_are_written(report: tuple[dict[str, Any], Path]) -> None:
    summary, out = report
    written = json.loads((out / "metrics.json").read_text(encoding="utf-8"), parse_constant=_no_constants)
    assert written == summary
    table = (out / "metrics.md").read_text(encoding="utf-8")
    assert "## All levels" in table and "## Level 1" in table and "## Level 2" in table
    assert "| tiny/planner |" in table and "| tiny/nearest |" in table and "| tiny/unconstrained |" in table
    has_matplotlib = importlib.util.find_spec("matplotlib") is not None
    assert (out / "metrics.png").exists() == has_matplotlib
    if has_matplotlib:
        assert (out / "metrics.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_planner_is_always_valid(report: tuple[dict[str, Any], Path]) -> None:
    summary, _ = report
    assert summary["clips"]["total"] == summary["clips"]["L1"] + summary["clips"]["L2"] > 0
    run = summary["runs"]["tiny/planner"]
    assert set(run["levels"]) == {"all", "L1", "L2"}
    for figures in run["levels"].values():
        assert figures["valid"] == figures["parsed"] == 1.0
        assert figures["latency.median"] > 0 and 0.0 <= figures["l1.object_f1"] <= 1.0
        assert 0.0 <= figures["l3.ssim"] <= 1.0 and 0.0 <= figures["layout.overlap_rate"] <= 1.0
        assert figures["l3.latent_l1"] >= 0.0
    assert summary["settings"]["latent"] == "each planner's world encoder"
    assert run["errors"] == {}


def test_baselines_run(report: tuple[dict[str, Any], Path]) -> None:
    summary, _ = report
    nearest = summary["runs"]["tiny/nearest"]["levels"]["all"]
    assert nearest["valid"] == 1.0, "retrieved scenes are real labels, so they always render"
    unconstrained = summary["runs"]["tiny/unconstrained"]
    assert 0.0 <= unconstrained["levels"]["all"]["valid"] <= 1.0
    rows = [row for row in summary["per_clip"] if row["run"] == "tiny/unconstrained"]
    assert len(rows) == summary["clips"]["total"]
    for row in rows:  # an invalid raw decode is scored as it is, never repaired
        if row["valid"]:
            assert _parses_and_checks(row["text"])
        else:
            assert row["error"]


def test_raw_text_is_what_decode_scene_parsed() -> None:
    planner = tiny_planner(1)
    for seed in range(2):
        frames = np.random.default_rng(seed).integers(0, 256, (16, 36, 64, 3), dtype=np.uint8)
        with torch.no_grad():
            clip = to_video(frames)[None]
            memory, predicted = planner.decoder.objects(planner.encoder(clip), clip)
            decoded = decode_scene(planner.decoder, memory, predicted, name="Same", max_steps=3)
        assert not decoded.repaired
        assert to_text(parse(raw_text(planner.decoder, decoded, name="Same"))) == to_text(decoded.scene)


def test_nearest_retrieves_an_indexed_clip_itself(data: list[Path]) -> None:
    samples = list(split_samples(data, "train", test_fraction=TEST_FRACTION))
    method = NearestMethod(tiny_planner(2), ((s.arrays["frames"], s.meta["dsl"]) for s in samples))
    query = samples[-1]
    predicted = parse(method.predict(query.arrays["frames"], name="Renamed"))
    assert predicted.name == "Renamed"
    assert to_text(predicted) == to_text(parse(query.meta["dsl"]).model_copy(update={"name": "Renamed"}))


def test_command_line_compares_planners(data: list[Path], planner_file: Path, tmp_path: Path) -> None:
    other = save_planner(tiny_planner(3), tmp_path / "other.safetensors")
    jepa = save_jepa_run(tmp_path / "jepa.safetensors", frames=8, height=24, width=32, pred_dim=32)
    out = tmp_path / "cli"
    argv = [
        "--planner",
        f"a={planner_file}",
        f"b={other}",
        "--data",
        *map(str, data),
        "--limit",
        "1",
        "--test-fraction",
        str(TEST_FRACTION),
        "--baselines",
        "nearest",
        "--out",
        str(out),
        "--latent-jepa",
        str(jepa),
        "--quiet",
    ]
    assert run_eval(argv) == 0
    summary = json.loads((out / "metrics.json").read_text(encoding="utf-8"))
    assert list(summary["runs"]) == ["a/planner", "a/nearest", "b/planner", "b/nearest"]
    assert summary["settings"]["planners"] == {"a": str(planner_file), "b": str(other)}
    assert summary["settings"]["latent"] == str(jepa), "one JEPA measures every planner's latent distance"
    assert all(run["levels"]["all"]["l3.latent_l1"] >= 0.0 for run in summary["runs"].values())
    with pytest.raises(EvaluationError, match="holds results already"):
        run_eval(argv)


def test_user_errors(data: list[Path], planner_file: Path, tmp_path: Path) -> None:
    with pytest.raises(DatasetError, match="no such dataset directory"):
        held_out_clips([tmp_path / "missing"])
    with pytest.raises(DatasetError, match="holds no clip"):
        held_out_clips(data, test_fraction=0.0)
    with pytest.raises(EvaluationError, match="unknown method"):
        evaluate(planner_file, data, EvalSettings(methods=("oracle",), test_fraction=TEST_FRACTION), progress=False)
    with pytest.raises(EvaluationError, match="share a name"):
        run_eval(["--planner", f"a={planner_file}", f"a={planner_file}", "--data", str(data[0])])


def _parses_and_checks(text: str) -> bool:
    from dsl.checks import check

    try:
        return not check(parse(text))
    except Exception:  # noqa: BLE001 - any failure means "not valid" here
        return False


def _no_constants(name: str) -> None:
    raise AssertionError(f"metrics.json holds {name}, which is not strict JSON")
