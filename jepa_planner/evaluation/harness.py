"""The evaluation harness: plan every held-out clip, score it against its true scene, report per curriculum level.

For each clip of one split (``test`` by default; splits are decided by scene hash, ``data.datamodule.split_of``)
the true scene is rendered once (``scoring.render_target``). Then every *run*, a (planner, method) pair, predicts
scene text from the clip's frames, timed with ``time.perf_counter`` around the prediction alone, and the text is
scored with ``scoring.score_prediction`` at the clip's own size and length. Each run first predicts the first clip
once, untimed, so that first-call costs (TeX compiles, lazy imports) do not count as a clip's latency. Scores are
averaged per curriculum level and over all clips (``scoring.aggregate``), with latency percentiles and the share of
rendered predictions that have any overlap or any object off the frame added (``report.figures``).

Several planner files can be compared in one report (``--planner jepa=a.safetensors scratch=b.safetensors``); the
baselines ``unconstrained`` and ``nearest`` (``evaluation.methods``) run on each of them. ``--out`` receives
``metrics.json`` (settings, every figure, every clip's prediction), ``metrics.md`` (a table per level) and
``metrics.png`` (bar charts of the headline figures), each written atomically.

Examples
--------
::

    jepa-planner eval --planner jepa_planner/weights/default.safetensors \\
        --data data/pretrain-l1 data/pretrain-l2 --limit 50 --baselines unconstrained nearest --out eval/default

    result = evaluate("planner.safetensors", ["data/l1"], limit=5, methods=("planner", "nearest"), out_dir="out")
    result["runs"]["planner/planner"]["levels"]["all"]["valid"]      # 1.0
"""

from __future__ import annotations

import argparse
import itertools
import math
import sys
import time
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

import numpy as np
import torch

from dsl import ir
from dsl.parser import parse
from jepa_planner.data.datamodule import Split, split_of
from jepa_planner.data.shards import Sample, dataset_shards, read_shard
from jepa_planner.errors import DatasetError, PlannerError
from jepa_planner.evaluation.latent import LatentDistance, jepa_target_encoder
from jepa_planner.evaluation.methods import (
    METHODS,
    Method,
    NearestMethod,
    PlannerMethod,
    UnconstrainedMethod,
)
from jepa_planner.evaluation.report import REPORT_FILES, ClipResult, summarise, write_report
from jepa_planner.evaluation.scoring import render_target, score_prediction
from jepa_planner.planning.model import Planner, load_planner

#: A planner as ``evaluate`` takes it: loaded, a file, or None for the shipped default.
PlannerSource = Planner | str | Path | None
#: The name of a planner given without one.
DEFAULT_PLANNER: Final = "planner"


class EvaluationError(PlannerError):
    """The harness was asked for something it cannot do (an unknown method, a bad planner name, an output that
    exists)."""

    code = "evaluation error"


@dataclass(frozen=True)
class HeldOutClip:
    """One clip to evaluate on: where it came from, its frames and its true scene text."""

    directory: str
    key: str
    level: int
    frames: np.ndarray  # [T, H, W, 3] uint8
    dsl: str

    @property
    def scene(self) -> ir.Scene:
        """The true scene."""
        return parse(self.dsl)

    @property
    def size(self) -> tuple[int, int]:
        """``(width, height)`` of the frames."""
        return int(self.frames.shape[2]), int(self.frames.shape[1])


def split_samples(
    data_dirs: Sequence[str | Path],
    split: Split,
    *,
    val_fraction: float = 0.05,
    test_fraction: float = 0.05,
    limit: int | None = None,
) -> Iterator[Sample]:
    """The samples of one split of each directory, in shard order, at most ``limit`` from each directory.

    Raises
    ------
    DatasetError
        A directory is missing or is not a dataset.
    """
    for directory in data_dirs:
        if not Path(directory).is_dir():
            raise DatasetError(
                "no such dataset directory",
                filename=str(directory),
                hint="create one with `jepa-planner data gen --out DIR ...`",
            )
        in_split = (
            sample
            for shard in dataset_shards(directory)
            for sample in read_shard(shard)
            if split_of(sample.meta["scene_hash"], val_fraction, test_fraction) == split
        )
        yield from itertools.islice(in_split, limit)


def held_out_clips(
    data_dirs: Sequence[str | Path],
    split: Split = "test",
    *,
    limit: int | None = None,
    val_fraction: float = 0.05,
    test_fraction: float = 0.05,
) -> list[HeldOutClip]:
    """Every clip of ``split`` in ``data_dirs`` (at most ``limit`` per directory).

    Raises
    ------
    DatasetError
        A directory is missing or not a dataset, or the split holds no clip.
    """
    clips = [
        HeldOutClip(str(directory), sample.key, int(sample.meta["level"]), sample.arrays["frames"], sample.meta["dsl"])
        for directory in data_dirs
        for sample in split_samples(
            [directory], split, val_fraction=val_fraction, test_fraction=test_fraction, limit=limit
        )
    ]
    if not clips:
        raise DatasetError(
            f"the {split} split of {', '.join(map(str, data_dirs))} holds no clip",
            hint=f"generate more clips, or give the {split} split a larger share of the scene hashes",
        )
    return clips


def load_planners(planners: PlannerSource | Mapping[str, PlannerSource]) -> dict[str, Planner]:
    """Named, loaded planners; a single planner is called ``DEFAULT_PLANNER``."""
    named = planners if isinstance(planners, Mapping) else {DEFAULT_PLANNER: planners}
    if not named:
        raise EvaluationError("no planner to evaluate")
    return {name: p if isinstance(p, Planner) else load_planner(p) for name, p in named.items()}


def check_methods(methods: Sequence[str]) -> None:
    """Raise ``EvaluationError`` for an empty list or a method the harness does not know."""
    unknown = [m for m in methods if m not in METHODS]
    if unknown:
        raise EvaluationError(f"unknown method {unknown[0]!r}", hint=f"choose from {', '.join(METHODS)}")
    if not methods:
        raise EvaluationError("no method to run", hint=f"choose from {', '.join(METHODS)}")


def build_methods(
    planners: Mapping[str, Planner],
    methods: Sequence[str],
    *,
    refine: int,
    seed: int,
    index_dirs: Sequence[str | Path],
    index_limit: int | None,
    val_fraction: float,
    test_fraction: float,
) -> dict[str, tuple[Method, float]]:
    """Every run ``"<planner>/<method>"`` and the seconds spent setting it up (the retrieval index, for one)."""
    check_methods(methods)
    runs: dict[str, tuple[Method, float]] = {}
    for planner_name, planner in planners.items():
        for method_name in dict.fromkeys(methods):
            start = time.perf_counter()
            method: Method
            if method_name == "planner":
                method = PlannerMethod(planner, refine=refine, seed=seed)
            elif method_name == "unconstrained":
                method = UnconstrainedMethod(planner)
            else:
                index = (
                    (s.arrays["frames"], s.meta["dsl"])
                    for s in split_samples(
                        index_dirs, "train", val_fraction=val_fraction, test_fraction=test_fraction, limit=index_limit
                    )
                )
                try:
                    method = NearestMethod(planner, index)
                except ValueError:
                    raise DatasetError(
                        f"the train split of {', '.join(map(str, index_dirs))} holds no clip to retrieve",
                        hint="give --index a dataset with training clips",
                    ) from None
            runs[f"{planner_name}/{method_name}"] = (method, time.perf_counter() - start)
    return runs


def latent_yardsticks(planners: Mapping[str, Planner], latent: str | Path | None) -> dict[str, LatentDistance]:
    """The JEPA-latent distance each planner's runs are measured with: one JEPA run's target encoder for all of
    them (``latent``, its weights file), or else each planner's own ``world_encoder``."""
    if latent is not None:
        encoder, frames, size = jepa_target_encoder(latent)
        shared = LatentDistance(encoder, frames=frames, size=size)
        return dict.fromkeys(planners, shared)
    return {name: LatentDistance(p.world_encoder, frames=p.config.frames, size=p.size) for name, p in planners.items()}


def _predict(method: Method, clip: HeldOutClip, name: str) -> tuple[str, float, str | None]:
    start = time.perf_counter()
    try:
        text, error = method.predict(clip.frames, name=name), None
    except Exception as exc:  # a method that crashes produced no output: an L0 failure, recorded, not raised
        text, error = "", f"predict: {type(exc).__name__}: {exc}"
    return text, time.perf_counter() - start, error


def _run_all(
    planner: PlannerSource | Mapping[str, PlannerSource],
    data_dirs: Sequence[str | Path],
    *,
    split: Split,
    limit: int | None,
    refine: int,
    methods: Sequence[str],
    seed: int,
    val_fraction: float,
    test_fraction: float,
    index_dirs: Sequence[str | Path] | None,
    index_limit: int | None,
    progress: bool,
    warmup: bool,
    latent: str | Path | None,
) -> tuple[dict[str, list[ClipResult]], dict[str, float]]:
    """Every run's result on every clip, and each run's set-up seconds (``evaluate`` without the report)."""
    from tqdm import tqdm

    loaded = load_planners(planner)
    yardsticks = latent_yardsticks(loaded, latent)
    clips = held_out_clips(data_dirs, split, limit=limit, val_fraction=val_fraction, test_fraction=test_fraction)
    runs = build_methods(
        loaded,
        methods,
        refine=refine,
        seed=seed,
        index_dirs=list(index_dirs or data_dirs),
        index_limit=index_limit,
        val_fraction=val_fraction,
        test_fraction=test_fraction,
    )
    if warmup:  # first-call costs (TeX compiles, lazy imports, allocator) are not a clip's latency
        for method, _ in runs.values():
            _predict(method, clips[0], parse(clips[0].dsl).name)
    results: dict[str, list[ClipResult]] = {run: [] for run in runs}
    for clip in tqdm(clips, desc=f"eval {split}", unit="clip", disable=not progress, file=sys.stderr):
        target = render_target(clip.scene, size=clip.size, frames=len(clip.frames))
        for run, (method, _) in runs.items():
            text, latency, error = _predict(method, clip, target.scene.name)
            measure = yardsticks[run.partition("/")[0]]
            score = score_prediction(target, text, size=clip.size, frames=len(clip.frames), latent=measure)
            results[run].append(ClipResult(clip.directory, clip.key, clip.level, text, latency, score, error))
    return results, {run: seconds for run, (_, seconds) in runs.items()}


def evaluate(
    planner: PlannerSource | Mapping[str, PlannerSource],
    data_dirs: Sequence[str | Path],
    *,
    split: Split = "test",
    limit: int | None = None,
    refine: int = 1,
    methods: Sequence[str] = ("planner",),
    out_dir: str | Path | None = None,
    seed: int = 0,
    val_fraction: float = 0.05,
    test_fraction: float = 0.05,
    index_dirs: Sequence[str | Path] | None = None,
    index_limit: int | None = None,
    progress: bool = True,
    force: bool = False,
    warmup: bool = True,
    threads: int | None = 1,
    latent: str | Path | None = None,
) -> dict[str, Any]:
    """Evaluate planners and baselines on the held-out clips of ``data_dirs``; see the module docstring.

    Parameters
    ----------
    planner
        A planner (loaded, a file, or None for the shipped default), or a mapping of names to planners.
    data_dirs
        Dataset directories; clips of ``split`` are evaluated, at most ``limit`` from each directory.
    refine
        Render-and-compare candidates of the ``planner`` method (``Spec.refine``).
    methods
        Any of ``methods.METHODS``; each runs on every planner.
    out_dir
        Where to write ``metrics.json``, ``metrics.md`` and ``metrics.png``; None writes nothing.
    seed
        Seed of the refinement samples.
    val_fraction, test_fraction
        The split shares the data was trained with (``ClipDataModule``'s defaults).
    index_dirs, index_limit
        The ``nearest`` baseline retrieves from the train split of these (default ``data_dirs``), at most
        ``index_limit`` clips per directory.
    progress
        Show a progress bar on stderr.
    force
        Replace an existing ``metrics.json`` in ``out_dir``.
    warmup
        Run each method once on the first clip, untimed, before timing any: latency is then the steady state.
    threads
        torch's intra-op threads while evaluating (restored afterwards); None leaves them as they are. One by
        default: a plan is a chain of small ops, and on a busy 2-core machine two threads made planning a tiny
        planner's clip about 100 times slower (3.8 s against 0.04 s), which would swamp the latency figures.
    latent
        A JEPA run's ``weights.safetensors``: its target encoder measures ``l3.latent_l1`` (``evaluation.latent``)
        for every run, so that planners with different encoders are measured alike. None measures each planner
        with its own ``world_encoder``.

    Returns
    -------
    dict
        ``settings``, ``clips`` (counts per level), ``runs`` (per run: ``levels`` → ``"all"``/``"L1"``... →
        figures, ``errors`` → counts, ``setup_s``) and ``per_clip`` rows; NaN is written as null.

    Raises
    ------
    DatasetError
        A directory is missing or not a dataset, or a split it needs holds no clip.
    CheckpointError
        A planner file is missing or damaged.
    EvaluationError
        An unknown method, or ``out_dir`` holds results already and ``force`` is off.
    """
    if out_dir is not None and (Path(out_dir) / "metrics.json").exists() and not force:
        raise EvaluationError(
            "the output folder holds results already",
            filename=str(out_dir),
            hint="pass --force to replace them, or choose another --out",
        )
    if refine < 1:
        raise EvaluationError(f"refine must be at least 1, not {refine}")
    check_methods(methods)
    previous = torch.get_num_threads()
    if threads is not None:
        torch.set_num_threads(threads)
    try:
        results, setup = _run_all(
            planner,
            data_dirs,
            split=split,
            limit=limit,
            refine=refine,
            methods=methods,
            seed=seed,
            val_fraction=val_fraction,
            test_fraction=test_fraction,
            index_dirs=index_dirs,
            index_limit=index_limit,
            progress=progress,
            warmup=warmup,
            latent=latent,
        )
    finally:
        torch.set_num_threads(previous)
    settings = {
        "split": split,
        "limit": limit,
        "refine": refine,
        "seed": seed,
        "methods": list(dict.fromkeys(methods)),
        "planners": {name: _describe(source) for name, source in _named(planner).items()},
        "data_dirs": [str(d) for d in data_dirs],
        "index_dirs": [str(d) for d in index_dirs or data_dirs],
        "index_limit": index_limit,
        "val_fraction": val_fraction,
        "test_fraction": test_fraction,
        "threads": threads,
        "latent": str(latent) if latent is not None else "each planner's world encoder",
    }
    summary = summarise(results, settings, setup=setup)
    if out_dir is not None:
        write_report(Path(out_dir), summary)
    return summary


def _named(planner: PlannerSource | Mapping[str, PlannerSource]) -> Mapping[str, PlannerSource]:
    return planner if isinstance(planner, Mapping) else {DEFAULT_PLANNER: planner}


def _describe(source: PlannerSource) -> str:
    if source is None:
        return "<shipped default>"
    return "<in memory>" if isinstance(source, Planner) else str(source)


def planner_arg(text: str) -> tuple[str, str | None]:
    """``NAME=PATH`` or ``PATH`` (named after the file) from the command line; ``default`` is the shipped one."""
    name, sep, path = text.partition("=")
    if not sep:
        path, name = text, Path(text).stem
    if not name or "/" in name:
        raise argparse.ArgumentTypeError(f"a planner's name must be non-empty without '/', not {name!r}")
    return name, None if path == "default" else path


def _non_negative_fraction(text: str) -> float:
    value = float(text)
    if not 0.0 <= value <= 1.0 or math.isnan(value):
        raise argparse.ArgumentTypeError("must be between 0 and 1")
    return value


def _positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return value


def build_parser() -> argparse.ArgumentParser:
    """The arguments of ``jepa-planner eval``."""
    parser = argparse.ArgumentParser(
        prog="jepa-planner eval", description="Score planners and baselines on held-out clips, per curriculum level."
    )
    parser.add_argument(
        "--planner",
        type=planner_arg,
        nargs="+",
        metavar="[NAME=]PATH",
        help="planner files to compare ('default': the shipped one; default: the shipped one)",
    )
    parser.add_argument("--data", nargs="+", required=True, metavar="DIR", help="dataset directories")
    parser.add_argument("--split", choices=("train", "val", "test"), default="test")
    parser.add_argument("--limit", type=_positive, help="at most this many clips from each directory")
    parser.add_argument("--refine", type=_positive, default=1, help="render-and-compare candidates (default 1)")
    parser.add_argument("--seed", type=int, default=0, help="seed of the refinement samples")
    parser.add_argument(
        "--baselines",
        nargs="*",
        default=[],
        choices=METHODS[1:],
        help="baselines to run on each planner, besides the planner itself",
    )
    parser.add_argument("--no-planner", action="store_true", help="run only the baselines")
    parser.add_argument(
        "--index",
        nargs="+",
        metavar="DIR",
        help="datasets whose train split the nearest baseline retrieves from (default: --data)",
    )
    parser.add_argument("--index-limit", type=_positive, help="at most this many index clips from each directory")
    parser.add_argument("--val-fraction", type=_non_negative_fraction, default=0.05)
    parser.add_argument("--test-fraction", type=_non_negative_fraction, default=0.05)
    parser.add_argument("--out", default="eval-results", help="output folder (default ./eval-results)")
    parser.add_argument("--force", action="store_true", help="replace results already in --out")
    parser.add_argument(
        "--threads",
        type=int,
        default=1,
        help="torch threads while evaluating (default 1, see evaluate(); 0: torch's own choice)",
    )
    parser.add_argument(
        "--latent-jepa",
        metavar="WEIGHTS",
        help="a JEPA run's weights.safetensors whose target encoder measures the latent distance of every run "
        "(default: each planner's own world encoder)",
    )
    parser.add_argument("--quiet", action="store_true", help="no progress bar")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """``jepa-planner eval ...`` (``argv`` without ``eval``); user errors raise ``PlannerError`` subclasses."""
    args = build_parser().parse_args(list(sys.argv[1:] if argv is None else argv))
    planners: dict[str, PlannerSource] = dict(args.planner or [(DEFAULT_PLANNER, None)])
    if args.planner and len(planners) < len(args.planner):
        raise EvaluationError("two planners share a name", hint="name them: --planner a=PATH b=PATH")
    methods = ([] if args.no_planner else ["planner"]) + list(args.baselines)
    if not methods:
        raise EvaluationError("nothing to run", hint="drop --no-planner or add --baselines")
    summary = evaluate(
        planners,
        args.data,
        split=args.split,
        limit=args.limit,
        refine=args.refine,
        methods=methods,
        out_dir=args.out,
        seed=args.seed,
        val_fraction=args.val_fraction,
        test_fraction=args.test_fraction,
        index_dirs=args.index,
        index_limit=args.index_limit,
        progress=not args.quiet,
        force=args.force,
        threads=args.threads or None,
        latent=args.latent_jepa,
    )
    for run, figures in summary["runs"].items():
        overall = figures["levels"]["all"]
        print(
            f"{run}: valid {_pct(overall['valid'])}, object F1 {_pct(overall['l1.object_f1'])}, "
            f"SSIM {_num(overall['l3.ssim'])}, latency p50 {_num(overall['latency.median'])} s",
            file=sys.stderr,
        )
    written = [name for name in REPORT_FILES if (Path(args.out) / name).exists()]
    print(f"wrote {', '.join(written)} in {args.out}", file=sys.stderr)
    return 0


def _pct(value: float | None) -> str:
    return "n/a" if value is None else f"{100 * value:.1f}%"


def _num(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.3f}"
