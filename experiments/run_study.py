"""The label-efficiency study and its ablations: does the JEPA encoder make the scene decoder need fewer labels?

For every encoder × label count × seed a scene decoder is trained with Lightning (``DecoderTraining`` on a
``ClipDataModule``), exported as a planner file (``export_planner``) and scored on the held-out test split by the
evaluation harness (``jepa_planner.evaluation.harness``), per curriculum level:

- ``jepa``: the frozen JEPA target encoder (``--jepa`` weights);
- ``scratch``: a randomly initialised encoder trained with the decoder (``freeze_encoder=False``);
- ``random``: a randomly initialised encoder, frozen.

The seed drives everything of one run: the encoder's and decoder's initialisation (``seed_everything``), the data
order, and which train clips are labelled. ``ClipDataModule`` reads whole directories, so the labels of a run are
a *subset directory* of real shards: the first ``L`` clips of a seeded permutation of the train split (so a seed's
50 labels are among its 500). Its clips are all train clips by scene hash, so the data module's splits keep them
in train. Each run also scores the ``nearest`` baseline retrieving from the same ``L`` labelled clips.

Ablations, on the ``--ablation-encoder`` runs with the most labels:

- grammar and semantic masks off (the harness's ``unconstrained`` method, scored on its raw text);
- render-and-compare refinement with ``k`` in ``--refine``;
- the object-set head against a plain autoregressive object decoder (``decoder.sequence``): the same cell trained
  again, per seed, with ``object_head: sequence`` (run ``<encoder>-<labels>-seed<s>-sequence``).

Last, the world model itself: ``experiments/violation_of_expectation.py`` on ``--violation-clips`` test clips of the
same data, with the ``--jepa`` weights (its surprise on teleports, off-frame exits and collisions as ROC AUC).

The harness measures every run's JEPA-latent distance (``l3.latent_l1``) with the ``--jepa`` target encoder, so
that planners on different encoders share one yardstick.

Every run is one LightningCLI YAML (``<out>/configs/<run>.yaml``): ``jepa-planner fit --config`` on it repeats the
run, and a GPU run is the same config with ``--accelerator gpu --devices N`` (``devices > 1`` trains in a
subprocess, since DDP relaunches its script). A rerun skips the runs and evaluations already done.

The defaults are the study at its smallest size, the one ``experiments/RESULTS.md`` reports: 30 runs of 250 steps
(27 cells and the head ablation's three), scored on 60 test clips, in under two hours on the 2-core CPU (measured:
5,177 s of training and 1,181 s of evaluation, some of it beside other jobs). Bigger
is a flag away (``--max-steps 2000 --limit-test 50``, with ``--accelerator gpu --precision bf16-mixed`` on a GPU);
on this CPU a decoder step of batch 32 took about 0.43 s, so 2,000 steps would take about 7 hours of training.

Run it from the repository root::

    .venv/bin/python -m experiments.run_study --jepa runs/tiny-cpu/lightning_logs/version_0/weights.safetensors
    .venv/bin/python -m experiments.run_study --mini --work /tmp/study --out /tmp/study/results   # a minute

Outputs: ``<out>/study.json`` (settings, command, subsets, every run's figures), ``<out>/labels-<level>.png``,
``<out>/configs/*.yaml`` and ``--results`` (``experiments/RESULTS.md``; with ``--mini``, ``<out>/RESULTS.md``).
Heavy files (subset shards, run logs, weights, planners, per-run evaluations) go to ``--work``.
"""

from __future__ import annotations

import argparse
import json
import math
import platform
import shlex
import shutil
import subprocess
import sys
import time
import warnings
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

import numpy as np
import yaml

from jepa_planner.data.shards import DatasetSettings, DatasetWriter, Sample, read_index
from jepa_planner.evaluation.harness import EvalSettings, evaluate, split_samples
from jepa_planner.evaluation.report import HEADLINE, jsonable

REPO = Path(__file__).resolve().parents[1]

ENCODERS: Final = ("jepa", "scratch", "random")
#: Columns of the RESULTS.md tables (harness figure keys and titles).
TABLE: Final = (
    ("valid", "valid"), ("l1.exact_match", "exact"), ("l1.object_f1", "obj F1"), ("l1.relation_f1", "rel F1"),
    ("l1.step_accuracy", "step acc"), ("l2.f1", "log F1"), ("l3.ssim", "SSIM"), ("l3.temporal", "temporal"),
    ("l3.latent_l1", "z L1"), ("latency.median", "p50 s"),
)  # fmt: skip
#: Flag defaults of the full study and of ``--mini`` (tiny data made on the spot, a few steps).
FULL: Final[dict[str, Any]] = {
    "data": [f"data/pretrain-l{level}" for level in (1, 2, 3, 4)], "labels": [50, 500, 5000], "seeds": [0, 1, 2],
    "max_steps": 250, "batch_size": 32, "limit_test": 15, "refine": [1, 4, 16], "test_fraction": 0.05,
    "decoder_width": 128, "decoder_depth": 2, "max_tokens": 160, "slots": 6, "timeline_steps": 8,
    "threads": None, "work": "runs/study", "violation_clips": 180,
    "out": "experiments/results/study",
}  # fmt: skip
MINI: Final[dict[str, Any]] = {
    "data": None, "labels": [4, 8], "seeds": [0], "max_steps": 2, "batch_size": 4, "limit_test": 1, "refine": [1, 2],
    "test_fraction": 0.25, "decoder_width": 32, "decoder_depth": 1, "max_tokens": 48, "slots": 3, "timeline_steps": 2,
    "threads": 1, "work": None, "out": None, "violation_clips": 4,
}  # fmt: skip
SUBSET_SHARD: Final = 64
MINI_JEPA_SEED: Final = 1234


def log(message: str) -> None:
    print(f"[study] {message}", file=sys.stderr, flush=True)


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--mini", action="store_true", help="tiny generated data and a few steps (CI smoke run)")
    parser.add_argument("--data", nargs="+", help="dataset directories (default data/pretrain-l1..l4)")
    parser.add_argument("--jepa", help="JEPA weights.safetensors (default: the newest runs/tiny-cpu version)")
    parser.add_argument("--encoders", nargs="+", choices=ENCODERS, default=list(ENCODERS))
    parser.add_argument("--labels", type=int, nargs="+", help="labelled train clips per run (default 50 500 5000)")
    parser.add_argument("--seeds", type=int, nargs="+", help="seeds (default 0 1 2)")
    parser.add_argument("--max-steps", type=int, help="optimizer steps per run (default 250)")
    parser.add_argument("--batch-size", type=int)
    parser.add_argument("--decoder-width", type=int)
    parser.add_argument("--decoder-depth", type=int)
    parser.add_argument("--max-tokens", type=int, help="longest timeline in tokens, in training and decoding (160)")
    parser.add_argument("--slots", type=int, help="object slots of the decoder (6)")
    parser.add_argument("--timeline-steps", type=int, help="most timeline steps trained and decoded (8)")
    parser.add_argument("--limit-test", type=int, help="test clips per dataset directory (default 15)")
    parser.add_argument("--refine", type=int, nargs="+", help="refinement k of the ablation (default 1 4 16)")
    parser.add_argument("--ablation-encoder", choices=ENCODERS, default="jepa")
    parser.add_argument(
        "--violation-clips", type=int, help="test clips of the violation-of-expectation test (default 180; 0: skip)"
    )
    parser.add_argument("--test-fraction", type=float, help="share of scene hashes held out for test (0.05)")
    parser.add_argument("--val-fraction", type=float, default=0.05)
    parser.add_argument("--accelerator", default="cpu", help="Lightning accelerator (cpu, gpu, auto)")
    parser.add_argument("--devices", type=int, default=1)
    parser.add_argument("--precision", default="32-true", help="Lightning precision (bf16-mixed on a GPU)")
    parser.add_argument("--num-workers", type=int, default=0, help="dataloader workers per run")
    parser.add_argument("--subprocess", action="store_true", help="train each run with `jepa-planner fit`")
    parser.add_argument(
        "--threads",
        type=int,
        help="torch threads for training (default torch's; 1 with --mini, "
        "since two threads on a busy 2-core machine made the mini run 5x slower); evaluation "
        "always uses one (see harness.evaluate)",
    )
    parser.add_argument("--work", help="subsets, run logs, weights, evaluations (default runs/study)")
    parser.add_argument("--out", help="study.json, plots, configs (default experiments/results/study)")
    parser.add_argument(
        "--results", help="the Markdown report (default experiments/RESULTS.md; <out>/RESULTS.md with --mini)"
    )
    args = parser.parse_args(argv)
    defaults = MINI if args.mini else FULL
    for key, value in defaults.items():
        if getattr(args, key) is None:
            setattr(args, key, value)
    if args.mini and args.work is None:
        parser.error("--mini needs --work (a scratch folder)")
    args.work = Path(args.work)
    args.out = Path(args.out) if args.out is not None else args.work / "results"
    args.results = (
        Path(args.results)
        if args.results
        else (args.out / "RESULTS.md" if args.mini else REPO / "experiments" / "RESULTS.md")
    )
    return args


def prepare_mini(args: argparse.Namespace) -> None:
    """Generate two tiny datasets and a random JEPA weights file into ``--work`` (only what is missing)."""
    from jepa_planner.data.generate import GenerateRequest, generate

    args.data = []
    for level in (1, 2):
        out = args.work / "mini-data" / f"l{level}"
        generate(GenerateRequest(out=out, level=level, n=12, shard_size=12, seed=level), progress=False)
        args.data.append(str(out))
    if args.jepa is None and "jepa" in args.encoders:
        import torch

        from jepa_planner.systems.jepa import JEPAPretraining
        from jepa_planner.systems.weights import run_metadata, save_weights

        path = args.work / "mini-jepa.safetensors"
        if not path.exists():  # a seed no run uses, so that this "JEPA" is not the random encoder of seed 0
            torch.manual_seed(MINI_JEPA_SEED)
            system = JEPAPretraining()
            save_weights(system, path, run_metadata(system))
        args.jepa = str(path)


def default_jepa() -> str:
    runs = sorted(
        REPO.glob("runs/tiny-cpu/lightning_logs/version_*/weights.safetensors"), key=lambda p: p.stat().st_mtime
    )
    if not runs:
        raise SystemExit("no JEPA weights: pass --jepa, or train them with experiments/configs/tiny-cpu.yaml")
    return str(runs[-1].relative_to(REPO))  # relative, so that configs and reports hold no machine's path


# ---------------------------------------------------------------------------------------------------- label subsets


class SubsetWriter:
    """Writes one label subset as a dataset directory of real shards, plus ``subset.json`` naming its clips."""

    def __init__(self, directory: Path, settings: dict[str, Any], labels: int, seed: int) -> None:
        self.directory, self.labels, self.seed = directory, labels, seed
        dataset = DatasetSettings(
            level=0,
            seed=seed,
            width=settings["width"],
            height=settings["height"],
            length=settings["length"],
            shard_size=SUBSET_SHARD,
            curriculum="subset",
            n=labels,
        )
        self.writer = DatasetWriter(directory, dataset)
        self.sources: list[dict[str, str]] = []

    def add(self, source: str, sample: Sample) -> None:
        self.writer.add(sample)
        self.sources.append({"directory": source, "key": sample.key, "scene_hash": sample.meta["scene_hash"]})

    def close(self) -> None:
        self.writer.close()
        (self.directory / "subset.json").write_text(
            json.dumps({"labels": len(self.sources), "seed": self.seed, "clips": self.sources}, indent=1) + "\n"
        )


def _train_samples(args: argparse.Namespace) -> Iterator[tuple[str, Sample]]:
    for directory in args.data:
        for sample in split_samples(
            [directory], "train", val_fraction=args.val_fraction, test_fraction=args.test_fraction
        ):
            yield directory, sample


def make_subsets(args: argparse.Namespace) -> dict[tuple[int, int], Path]:
    """Every (labels, seed) subset directory under ``<work>/subsets``, made in two passes over the train split."""
    wanted = {
        (labels, seed): args.work / "subsets" / f"labels-{labels}-seed-{seed}"
        for labels in args.labels
        for seed in args.seeds
    }
    missing = {key: path for key, path in wanted.items() if not (path / "subset.json").exists()}
    if not missing:
        return wanted
    population = [(directory, sample.key) for directory, sample in _train_samples(args)]
    if not population:
        raise SystemExit(f"the train split of {', '.join(args.data)} holds no clip")
    rank: dict[tuple[int, int], dict[tuple[str, str], int]] = {}
    for labels, seed in missing:
        order = np.random.default_rng(seed).permutation(len(population))
        rank[labels, seed] = {population[i]: position for position, i in enumerate(order[:labels])}
    settings = read_index(args.data[0])["settings"]
    writers = {key: SubsetWriter(missing[key], settings, *key) for key in missing}
    for directory, sample in _train_samples(args):
        for key, writer in writers.items():
            if (directory, sample.key) in rank[key]:
                writer.add(directory, sample)
    for (labels, _), writer in writers.items():
        writer.close()
        if len(writer.sources) < labels:
            log(f"only {len(writer.sources)} train clips for {labels} labels: {writer.directory} holds them all")
    return wanted


# ------------------------------------------------------------------------------------------------------ training


@dataclass(frozen=True)
class Run:
    """One cell of the study, with the set head or (the ablation) the sequence head."""

    encoder: str
    labels: int
    seed: int
    head: str = "set"

    @property
    def name(self) -> str:
        suffix = "" if self.head == "set" else f"-{self.head}"
        return f"{self.encoder}-{self.labels}-seed{self.seed}{suffix}"


def run_config(run: Run, args: argparse.Namespace, subset: Path, run_dir: Path) -> dict[str, Any]:
    """The LightningCLI config of one run (``jepa-planner fit --config`` takes it as it is)."""
    return {
        "seed_everything": run.seed,
        "trainer": {
            "accelerator": args.accelerator, "devices": args.devices, "precision": args.precision,
            "max_steps": args.max_steps, "limit_val_batches": 0, "num_sanity_val_steps": 0,
            "enable_checkpointing": False, "enable_progress_bar": False, "enable_model_summary": False,
            "log_every_n_steps": min(25, args.max_steps), "default_root_dir": str(run_dir),
            "logger": {"class_path": "lightning.pytorch.loggers.CSVLogger",
                       "init_args": {"save_dir": str(run_dir), "name": "lightning_logs", "version": 0}},
            "callbacks": [{"class_path": "jepa_planner.systems.export.ExportWeights"}],
        },
        "model": {
            "class_path": "jepa_planner.systems.decoder.DecoderTraining",
            "init_args": {
                "encoder_weights": args.jepa if run.encoder == "jepa" else None,
                "freeze_encoder": run.encoder != "scratch",
                "decoder_width": args.decoder_width, "decoder_depth": args.decoder_depth,
                "max_tokens": args.max_tokens, "slots": args.slots, "timeline_steps": args.timeline_steps,
                "object_head": run.head,
            },
        },
        "data": {
            "class_path": "jepa_planner.data.datamodule.ClipDataModule",
            "init_args": {"data_dirs": [str(subset)], "labeled": True, "batch_size": args.batch_size,
                          "num_workers": args.num_workers, "seed": run.seed, "val_fraction": args.val_fraction,
                          "test_fraction": args.test_fraction},
        },
    }  # fmt: skip


def train(config: Path, run_dir: Path, args: argparse.Namespace) -> Path:
    """Fit one run from its config (in this process, or with ``jepa-planner fit`` for DDP); its weights file."""
    shutil.rmtree(run_dir, ignore_errors=True)  # a run without weights was interrupted: start it again
    if args.subprocess or args.devices > 1:
        subprocess.run([sys.executable, "-m", "jepa_planner.cli", "fit", "--config", str(config)], check=True)
    else:
        import lightning as L
        from lightning.pytorch.cli import LightningCLI

        with warnings.catch_warnings():  # it warns that this script has command-line arguments of its own
            warnings.filterwarnings("ignore", message="LightningCLI's args parameter")
            LightningCLI(
                L.LightningModule,
                L.LightningDataModule,
                subclass_mode_model=True,
                subclass_mode_data=True,
                args=["fit", "--config", str(config)],
                save_config_kwargs={"overwrite": True},
            )
    weights = sorted(run_dir.rglob("weights.safetensors"))
    if not weights:
        raise SystemExit(f"{run_dir}: the run wrote no weights.safetensors")
    return weights[0]


def train_and_evaluate(run: Run, args: argparse.Namespace, subset: Path) -> dict[str, Any]:
    """Train (unless done), export the planner, evaluate it (unless done); the run's record for study.json."""
    from jepa_planner.planning.model import export_planner, save_planner

    run_dir = args.work / "runs" / run.name
    config = args.out / "configs" / f"{run.name}.yaml"
    config.parent.mkdir(parents=True, exist_ok=True)
    config.write_text(yaml.safe_dump(run_config(run, args, subset, run_dir), sort_keys=False))
    planner = run_dir / "planner.safetensors"
    record: dict[str, Any] = {
        "run": run.name,
        "encoder": run.encoder,
        "labels": run.labels,
        "seed": run.seed,
        "head": run.head,
        "config": str(config),
        "subset": str(subset),
        "planner": str(planner),
    }
    record["labels_used"] = json.loads((subset / "subset.json").read_text())["labels"]
    if not planner.exists():
        start = time.perf_counter()
        save_planner(export_planner(train(config, run_dir, args)), planner)  # train() empties run_dir first
        write_timing(run_dir, {"train_s": time.perf_counter() - start, "eval_s": {}})
    timing = read_timing(run_dir)
    ablation = run.encoder == args.ablation_encoder and run.labels == max(args.labels) and run.head == "set"
    evaluations = {"main": (1, ("planner", "nearest", *(("unconstrained",) if ablation else ())))}
    if run.head != "set":  # the head ablation: its planner only, kept apart from the label-efficiency cells
        evaluations = {f"{run.head}-head": (1, ("planner",))}
    if ablation:
        evaluations.update({f"refine-{k}": (k, ("planner",)) for k in args.refine if k != 1})
    record["metrics"] = {}
    for label, (refine, methods) in evaluations.items():
        out_dir = run_dir / f"eval-{label}"
        metrics = out_dir / "metrics.json"
        if metrics.exists():
            summary = json.loads(metrics.read_text())
        else:
            start = time.perf_counter()
            settings = EvalSettings(
                limit=args.limit_test,
                refine=refine,
                methods=tuple(methods),
                seed=run.seed,
                val_fraction=args.val_fraction,
                test_fraction=args.test_fraction,
                index_dirs=(str(subset),),
                latent=None if args.jepa is None else str(args.jepa),
            )
            summary = evaluate(planner, args.data, settings, out_dir=out_dir, progress=False, force=True)
            timing["eval_s"][label] = time.perf_counter() - start
            write_timing(run_dir, timing)
        for key, figures in summary["runs"].items():
            method = key.partition("/")[2]
            record["metrics"][method if label == "main" else f"{method}@{label}"] = figures["levels"]
    record["train_s"], record["eval_s"] = timing["train_s"], sum(timing["eval_s"].values())
    return record


def read_timing(run_dir: Path) -> dict[str, Any]:
    """What training and each evaluation of a run cost when they were computed (``<run>/timing.json``); the
    training is None for a run trained before timings were kept."""
    path = run_dir / "timing.json"
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else {"train_s": None, "eval_s": {}}


def write_timing(run_dir: Path, timing: dict[str, Any]) -> None:
    from codegen.media import write_text

    write_text(run_dir / "timing.json", json.dumps(timing, indent=1) + "\n")


def violation(args: argparse.Namespace) -> dict[str, Any] | None:
    """``violation_of_expectation.py`` on the JEPA (``<out>/violation.json`` and ``.md``), unless it ran already with
    the same command; None without a JEPA or with ``--violation-clips 0``."""
    if args.jepa is None or not args.violation_clips:
        return None
    from experiments import violation_of_expectation

    out = args.out / "violation"
    argv = ["--data", *args.data, "--jepa", str(args.jepa), "--n", str(args.violation_clips), "--out", str(out)]
    done = out.with_suffix(".json")
    if done.exists():
        previous: dict[str, Any] = json.loads(done.read_text(encoding="utf-8"))
        if previous["command"].endswith(shlex.join(argv)):
            return previous
    return violation_of_expectation.main(argv)


# ----------------------------------------------------------------------------------------------------- reporting


def mean_std(values: Sequence[float | None]) -> tuple[float, float, int]:
    numbers = [v for v in values if v is not None and not math.isnan(v)]
    if not numbers:
        return math.nan, math.nan, 0
    return float(np.mean(numbers)), float(np.std(numbers)), len(numbers)


def grouped(records: Sequence[dict[str, Any]], method: str, level: str, key: str) -> dict[tuple[str, int], Any]:
    """(encoder, labels) → mean, std and count over seeds of one figure."""
    cells: dict[tuple[str, int], list[float | None]] = {}
    for record in records:
        levels = record["metrics"].get(method)
        if levels is not None and level in levels:
            cells.setdefault((record["encoder"], record["labels"]), []).append(levels[level].get(key))
    return {cell: mean_std(values) for cell, values in cells.items()}


def _fmt(cell: tuple[float, float, int] | None) -> str:
    if cell is None or cell[2] == 0:
        return "–"
    mean, std, count = cell
    return f"{mean:.3f}" if count == 1 else f"{mean:.3f} ± {std:.3f}"


def table(records: Sequence[dict[str, Any]], methods: Sequence[str], level: str) -> list[str]:
    """Rows encoder × labels × method, columns ``TABLE``, cells mean ± std over seeds."""
    lines = [
        "| encoder | labels | method | " + " | ".join(t for _, t in TABLE) + " |",
        "|---|---:|---|" + "---:|" * len(TABLE),
    ]
    stats = {(m, key): grouped(records, m, level, key) for m in methods for key, _ in TABLE}
    cells = sorted(
        {cell for (m, _), by_cell in stats.items() for cell in by_cell}, key=lambda c: (ENCODERS.index(c[0]), c[1])
    )
    for encoder, labels in cells:
        for method in methods:
            if (encoder, labels) not in stats[method, "valid"]:
                continue
            values = " | ".join(_fmt(stats[method, key].get((encoder, labels))) for key, _ in TABLE)
            lines.append(f"| {encoder} | {labels} | {method} | {values} |")
    return lines


def plot_level(records: Sequence[dict[str, Any]], level: str, path: Path) -> bool:
    """Headline figures against the number of labels (log scale), a line per encoder and method, ± std bars.

    False when matplotlib is not installed (nothing is drawn)."""
    try:
        from matplotlib.figure import Figure
    except ImportError:
        return False

    from codegen.media import atomic_path

    figure = Figure(figsize=(12.0, 6.5), layout="constrained")
    axes = figure.subplots(2, 3, squeeze=False).flatten()
    counts = sorted({record["labels"] for record in records})
    for axis, (key, title) in zip(axes, HEADLINE, strict=True):
        for method, style in (("planner", "-o"), ("nearest", ":s")):
            stats = grouped(records, method, level, key)
            for encoder in ENCODERS:
                points = sorted((labels, cell) for (enc, labels), cell in stats.items() if enc == encoder)
                if points:
                    xs = [labels for labels, _ in points]
                    axis.errorbar(
                        xs,
                        [c[0] for _, c in points],
                        yerr=[c[1] for _, c in points],
                        fmt=style,
                        capsize=3,
                        label=f"{encoder} {method}",
                    )
        axis.set_xscale("log")
        axis.set_xticks(counts, [str(n) for n in counts])
        axis.minorticks_off()
        axis.set_title(title)
        axis.set_xlabel("labelled clips")
        axis.set_ylim(0.0, 1.05)
    handles, names = axes[0].get_legend_handles_labels()
    figure.legend(handles, names, loc="outside lower center", ncols=6, fontsize="small")
    figure.suptitle(f"Label efficiency, {'all levels' if level == 'all' else 'level ' + level[1:]}")
    with atomic_path(path) as temp:
        figure.savefig(temp, format="png", dpi=100)
    return True


def ablation_table(
    records: Sequence[dict[str, Any]],
    variants: Sequence[tuple[str, str]],
    levels: Sequence[str],
    args: argparse.Namespace,
) -> list[str]:
    """Rows level × variant on the ablation runs, cells mean ± std over seeds."""
    chosen = [r for r in records if r["encoder"] == args.ablation_encoder and r["labels"] == max(args.labels)]
    lines = ["| level | variant | " + " | ".join(t for _, t in TABLE) + " |", "|---|---|" + "---:|" * len(TABLE)]
    for level in levels:
        for title, method in variants:
            if not any(method in r["metrics"] for r in chosen):
                continue
            cells = [
                grouped(chosen, method, level, key).get((args.ablation_encoder, max(args.labels))) for key, _ in TABLE
            ]
            lines.append(f"| {level} | {title} | " + " | ".join(_fmt(c) for c in cells) + " |")
    return lines


def results_markdown(
    results: dict[str, Any], args: argparse.Namespace, levels: Sequence[str], plots: dict[str, Path]
) -> str:
    records, settings = results["runs"], results["settings"]
    seeds = len(settings["seeds"])
    lines = [
        "# Results: label efficiency of the scene decoder, and ablations",
        "",
        f"Generated by `experiments/run_study.py` on {results['machine']} ({results['finished']}); do not edit by "
        f"hand. Command: `{results['command']}`. Every figure is the harness's (`jepa-planner eval`), on the test "
        f"split, as mean ± std over {seeds} seed(s).",
        "",
        "## Setup",
        "",
        f"- data: {', '.join(settings['data'])}; test split = {settings['test_fraction']:.0%} of scene hashes, at "
        f"most {settings['limit_test']} test clips per directory ({results['test_clips']}).",
        "- encoders: `jepa` = frozen JEPA target encoder "
        f"(`{settings['jepa']}`); `scratch` = random init, trained with the decoder; `random` = random init, frozen.",
        f"- labels: {settings['labels']} train clips (a seeded subset of the train split, nested across counts); "
        f"seeds {settings['seeds']}; {settings['max_steps']} steps of batch {settings['batch_size']}; decoder "
        f"width {settings['decoder_width']}, depth {settings['decoder_depth']}; {settings['accelerator']} × "
        f"{settings['devices']}, precision {settings['precision']}.",
        "- `planner` is the trained planner (both decoder masks, greedy); `nearest` retrieves the DSL of the most "
        "similar of the same labelled clips (cosine of mean-pooled layer-normed tokens of the same encoder).",
        f"- configs: `{_rel(args.out / 'configs', args.results)}/<run>.yaml` (`jepa-planner fit --config` repeats a "
        f"run); every figure per run and level: `{_rel(args.out / 'study.json', args.results)}`.",
        f"- time: the runs took {results['train_s']:.0f} s of training and {results['eval_s']:.0f} s of evaluation "
        "when they were computed (each run's `timing.json` under `--work`; a rerun reuses what is done), and this "
        f"invocation {results['total_s']:.0f} s.",
        "",
        "## Label efficiency",
        "",
    ]
    for level in levels:
        lines += [f"### {'All levels' if level == 'all' else 'Level ' + level[1:]}", ""]
        if level in plots:
            lines += [f"![{level}]({_rel(plots[level], args.results)})", ""]
        lines += [*table(records, ("planner", "nearest"), level), ""]
    ablation = f"`{args.ablation_encoder}` encoder with {max(args.labels)} labels"
    refine = [(f"k = {k}", "planner" if k == 1 else f"planner@refine-{k}") for k in args.refine]
    lines += [
        "## Ablations", "",
        "### Grammar and semantic masks", "",
        f"The {ablation}, decoded greedily with both masks on (`planner`) and off (`unconstrained`, its raw text "
        "scored, so a timeline that does not parse or check counts against validity).", "",
        *ablation_table(records, [("masks on", "planner"), ("masks off", "unconstrained")], levels, args), "",
        "### Render-and-compare refinement", "",
        f"The {ablation}; `k` candidates (greedy, then samples), the one closest to the input in JEPA latents kept.",
        "",
        *ablation_table(records, refine, levels, args), "",
        "### Set head against a plain autoregressive decoder", "",
        f"The {ablation}, trained twice per seed with everything else equal: the DETR-style object-set head "
        "(`set head`, the planner above) and a causal decoder that writes the objects one field token after another "
        "(`plain autoregressive`, `object_head: sequence`; `jepa_planner/decoder/sequence.py`). The timeline decoder "
        "and both masks are the same.", "",
        *ablation_table(records, [("set head", "planner"), ("plain autoregressive", "planner@sequence-head")],
                        levels, args), "",
    ]  # fmt: skip
    if results.get("violation") is not None:
        report = (args.out / "violation.md").read_text(encoding="utf-8").split("\n", 1)[1]  # without its title
        lines += ["## Violation of expectation", "", "The `--jepa` world model, frozen. " + report.lstrip(), ""]
    return "\n".join(lines)


def _rel(path: Path, document: Path) -> str:
    import os

    return os.path.relpath(path.resolve(), document.resolve().parent)


def machine() -> str:
    import os

    return f"{platform.machine()} {platform.system()}, {os.cpu_count()} CPUs, Python {platform.python_version()}"


def write_outputs(results: dict[str, Any], args: argparse.Namespace) -> None:
    """study.json, a plot per level, and the Markdown report."""
    from codegen.media import write_text

    args.out.mkdir(parents=True, exist_ok=True)
    write_text(args.out / "study.json", json.dumps(jsonable(results), indent=2, allow_nan=False) + "\n")
    if not results["runs"]:
        return
    levels = list(results["runs"][0]["metrics"]["planner"])
    paths = {level: args.out / f"labels-{level}.png" for level in levels}
    plots = {level: path for level, path in paths.items() if plot_level(results["runs"], level, path)}
    write_text(args.results, results_markdown(results, args, levels, plots))


def main(argv: Sequence[str] | None = None) -> dict[str, Any]:
    """Run the study; returns what study.json holds."""
    args = parse_args(argv)
    started = time.perf_counter()
    if args.threads:
        import torch

        torch.set_num_threads(args.threads)
    if args.mini:
        prepare_mini(args)
    if "jepa" in args.encoders and args.jepa is None:
        args.jepa = default_jepa()
    settings = {key: value for key, value in vars(args).items() if key not in ("work", "out", "results")}
    results: dict[str, Any] = {
        "command": shlex.join([Path(sys.argv[0]).name, *(sys.argv[1:] if argv is None else argv)]),
        "machine": machine(),
        "settings": jsonable_settings(settings),
        "runs": [],
    }
    subsets = make_subsets(args)
    results["subsets"] = {f"{labels}-seed{seed}": str(path) for (labels, seed), path in subsets.items()}
    runs = [Run(e, n, s) for n in args.labels for e in args.encoders for s in args.seeds]
    if args.ablation_encoder in args.encoders:
        runs += [Run(args.ablation_encoder, max(args.labels), s, "sequence") for s in args.seeds]
    for number, run in enumerate(runs, 1):
        log(f"{number}/{len(runs)} {run.name}")
        results["runs"].append(train_and_evaluate(run, args, subsets[run.labels, run.seed]))
    clips = json.loads((args.work / "runs" / runs[0].name / "eval-main" / "metrics.json").read_text())["clips"]
    results["test_clips"] = ", ".join(f"{k}: {v}" for k, v in clips.items())
    log("violation of expectation")
    found = violation(args)
    if found is not None:
        kept = ("command", "n_clips", "injected", "seconds")
        results["violation"] = {"report": str(args.out / "violation.md"), **{key: found[key] for key in kept}}
    results["train_s"] = sum(r["train_s"] or 0.0 for r in results["runs"])
    results["eval_s"] = sum(r["eval_s"] for r in results["runs"])
    results["total_s"] = time.perf_counter() - started
    results["finished"] = time.strftime("%Y-%m-%d %H:%M")
    write_outputs(results, args)
    log(f"done in {results['total_s']:.0f} s: {args.results}, {args.out}/study.json")
    return results


def jsonable_settings(settings: dict[str, Any]) -> dict[str, Any]:
    return {key: str(value) if isinstance(value, Path) else value for key, value in settings.items()}


if __name__ == "__main__":
    main()
