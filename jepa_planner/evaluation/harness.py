"""The evaluation harness: plan every held-out clip, score it against its true scene, report per curriculum level.

For each clip of one split (``test`` by default; splits are decided by scene hash, ``data.datamodule.split_of``)
the true scene is rendered once (``scoring.render_target``). Then every *run*, a (planner, method) pair, predicts
scene text from the clip's frames, timed with ``time.perf_counter`` around the prediction alone, and the text is
scored with ``scoring.score_prediction`` at the clip's own size and length. Each run first predicts the first clip
once, untimed, so that first-call costs (TeX compiles, lazy imports) do not count as a clip's latency. Scores are
averaged per curriculum level and over all clips (``scoring.aggregate``), with latency percentiles and the share of
rendered predictions that have any overlap or any object off the frame added (``report.figures``).

Several planner files can be compared in one report (``--planner jepa=a.safetensors scratch=b.safetensors``);
the baselines ``decoder``, ``unconstrained`` and ``nearest`` (``evaluation.methods``) run on each of them.
``--out`` receives ``metrics.json`` (settings, every figure, every clip's prediction), ``metrics.md`` (a table per
level) and ``metrics.png`` (bar charts of the headline figures), each written atomically. ``EvalSettings`` holds what is
measured, and ``metrics.json`` keeps it; the command line is ``jepa_planner.cli``'s ``eval``.

Examples
--------
::

    jepa-planner eval --planner jepa_planner/weights/default.safetensors \\
        --data data/pretrain-l1 data/pretrain-l2 --limit 50 --baselines unconstrained nearest --out eval/default

    settings = EvalSettings(limit=5, methods=("planner", "nearest"))
    result = evaluate("planner.safetensors", ["data/l1"], settings, out_dir="out")
    result["runs"]["planner/planner"]["levels"]["all"]["valid"]      # 1.0
"""

from __future__ import annotations

import itertools
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
    DecoderMethod,
    Method,
    NearestMethod,
    PlannerMethod,
    UnconstrainedMethod,
)
from jepa_planner.evaluation.report import ClipResult, summarise, write_report
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
class EvalSettings:
    """What an evaluation measures with: one frozen object, passed down whole and stored in ``metrics.json``.

    Parameters
    ----------
    split, limit
        The split evaluated, and at most ``limit`` clips of it from each dataset directory.
    refine
        Render-and-compare candidates of the ``planner`` method (``Spec.refine``).
    methods
        Any of ``methods.METHODS``; each runs on every planner.
    seed
        Seed of the refinement samples.
    val_fraction, test_fraction
        The split shares the data was trained with (``ClipDataModule``'s defaults).
    index_dirs, index_limit
        The ``nearest`` baseline retrieves from the train split of these (default: the evaluated directories), at
        most ``index_limit`` clips per directory.
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
    """

    split: Split = "test"
    limit: int | None = None
    refine: int = 1
    methods: tuple[str, ...] = ("planner",)
    seed: int = 0
    val_fraction: float = 0.05
    test_fraction: float = 0.05
    index_dirs: tuple[str, ...] | None = None
    index_limit: int | None = None
    warmup: bool = True
    threads: int | None = 1
    latent: str | None = None

    def __post_init__(self) -> None:
        if self.refine < 1:
            raise EvaluationError(f"refine must be at least 1, not {self.refine}")
        check_methods(self.methods)

    def as_json(
        self, planner: PlannerSource | Mapping[str, PlannerSource], data_dirs: Sequence[str | Path]
    ) -> dict[str, Any]:
        """The ``settings`` block of ``metrics.json``, with the planners and datasets they were applied to."""
        return {
            "split": self.split,
            "limit": self.limit,
            "refine": self.refine,
            "seed": self.seed,
            "methods": list(dict.fromkeys(self.methods)),
            "planners": {name: _describe(source) for name, source in _named(planner).items()},
            "data_dirs": [str(d) for d in data_dirs],
            "index_dirs": [str(d) for d in self.index_dirs or data_dirs],
            "index_limit": self.index_limit,
            "val_fraction": self.val_fraction,
            "test_fraction": self.test_fraction,
            "threads": self.threads,
            "latent": self.latent if self.latent is not None else "each planner's world encoder",
        }


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
    planners: Mapping[str, Planner], settings: EvalSettings, index_dirs: Sequence[str | Path]
) -> dict[str, tuple[Method, float]]:
    """Every run ``"<planner>/<method>"`` and the seconds spent setting it up (the retrieval index, for one)."""
    runs: dict[str, tuple[Method, float]] = {}
    for planner_name, planner in planners.items():
        for method_name in dict.fromkeys(settings.methods):
            start = time.perf_counter()
            method: Method
            if method_name == "planner":
                method = PlannerMethod(planner, refine=settings.refine, seed=settings.seed)
            elif method_name == "decoder":
                method = DecoderMethod(planner, refine=settings.refine, seed=settings.seed)
            elif method_name == "unconstrained":
                method = UnconstrainedMethod(planner)
            else:
                index = (
                    (s.arrays["frames"], s.meta["dsl"])
                    for s in split_samples(
                        index_dirs,
                        "train",
                        val_fraction=settings.val_fraction,
                        test_fraction=settings.test_fraction,
                        limit=settings.index_limit,
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
    settings: EvalSettings,
    progress: bool,
) -> tuple[dict[str, list[ClipResult]], dict[str, float]]:
    """Every run's result on every clip, and each run's set-up seconds (``evaluate`` without the report)."""
    from tqdm import tqdm

    loaded = load_planners(planner)
    yardsticks = latent_yardsticks(loaded, settings.latent)
    split = settings.split
    clips = held_out_clips(
        data_dirs,
        split,
        limit=settings.limit,
        val_fraction=settings.val_fraction,
        test_fraction=settings.test_fraction,
    )
    runs = build_methods(loaded, settings, list(settings.index_dirs or data_dirs))
    if settings.warmup:  # first-call costs (TeX compiles, lazy imports, allocator) are not a clip's latency
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
    settings: EvalSettings | None = None,
    *,
    out_dir: str | Path | None = None,
    progress: bool = True,
    force: bool = False,
) -> dict[str, Any]:
    """Evaluate planners and baselines on the held-out clips of ``data_dirs``; see the module docstring.

    Parameters
    ----------
    planner
        A planner (loaded, a file, or None for the shipped default), or a mapping of names to planners.
    data_dirs
        Dataset directories; clips of ``settings.split`` are evaluated.
    settings
        What to measure, and how (``EvalSettings``; None: its defaults). They are stored in ``metrics.json``.
    out_dir
        Where to write ``metrics.json``, ``metrics.md`` and ``metrics.png``; None writes nothing.
    progress
        Show a progress bar on stderr.
    force
        Replace an existing ``metrics.json`` in ``out_dir``.

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
        ``out_dir`` holds results already and ``force`` is off.
    """
    settings = settings or EvalSettings()
    if out_dir is not None and (Path(out_dir) / "metrics.json").exists() and not force:
        raise EvaluationError(
            "the output folder holds results already",
            filename=str(out_dir),
            hint="pass --force to replace them, or choose another --out",
        )
    previous = torch.get_num_threads()
    if settings.threads is not None:
        torch.set_num_threads(settings.threads)
    try:
        results, setup = _run_all(planner, data_dirs, settings, progress)
    finally:
        torch.set_num_threads(previous)
    summary = summarise(results, settings.as_json(planner, data_dirs), setup=setup)
    if out_dir is not None:
        write_report(Path(out_dir), summary)
    return summary


def _named(planner: PlannerSource | Mapping[str, PlannerSource]) -> Mapping[str, PlannerSource]:
    return planner if isinstance(planner, Mapping) else {DEFAULT_PLANNER: planner}


def _describe(source: PlannerSource) -> str:
    if source is None:
        return "<shipped default>"
    return "<in memory>" if isinstance(source, Planner) else str(source)
