"""Violation of expectation: does JEPA surprise tell broken animations from valid ones?

Run it from the repository root::

    .venv/bin/python -m experiments.violation_of_expectation --data data/pretrain-l2 \\
        --jepa runs/tiny-cpu/lightning_logs/version_0/weights.safetensors --n 200

Clips come from the ``--split`` (``test`` by default) of the ``--data`` directories, decided by scene hash as the
data module decides it (``split_of``, 5 % val, 5 % test), so the JEPA never trained on them. When the split holds
fewer than ``--n`` clips the script says so and tops the set up with clips of the other splits, in stream order.

Every clip is scored as it is (*normal*) and once per injector of ``jepa_planner.evaluation.surprise``
(``teleport``, ``off_frame``, ``collision``), each with its own generator seeded by ``(--seed, clip, injector)``;
an injector that finds no suitable object skips the clip. The score is the JEPA's *surprise*: the predictor sees
the first ``--context-slots`` time slots and predicts the rest, and the error is taken against the target
encoder's tokens of the (violated) clip. Two reductions over the predicted tokens are reported: the mean (the
surprise) and the peak (the largest token error), as the violations touch only a few tokens.

For each violation and encoder the report gives the ROC AUC of violated against all normal clips (0.5: chance),
the paired win rate (the share of clips whose violated version is more surprising than the normal one), the mean
surprise of both, and the AUC per predicted time slot. The encoders are the trained JEPA and random
initialisations of the same ``JEPAPretraining`` (one per ``--random-seeds``, drawn after
``torch.manual_seed(seed)``). A reference without learning, ``still_frame``, scores the same clips by the pixel
error of predicting every future frame as the last context frame: it says how visible the violations are at all.
It writes ``<out>.json`` and ``<out>.md``.
"""

from __future__ import annotations

import argparse
import functools
import statistics
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import torch

from jepa_planner.data.datamodule import split_of
from jepa_planner.data.shards import Sample, stream_samples
from jepa_planner.evaluation.surprise import (
    INJECTORS,
    Violation,
    future_errors,
    roc_auc,
    still_frame_errors,
)
from jepa_planner.models.video import to_video
from jepa_planner.results import write_results
from jepa_planner.systems import runs
from jepa_planner.systems.jepa import JEPAPretraining

REPO = Path(__file__).resolve().parents[1]

DEFAULT_OUT = REPO / "experiments" / "results" / "violation"
#: Per-clip scores, with their titles in the report.
SCORES: dict[str, str] = {"mean": "mean token error (surprise)", "peak": "peak token error"}


def log(message: str) -> None:
    """Print one progress line."""
    print(f"[violation] {message}", flush=True)


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    """The command line (see the module docstring)."""
    parser = runs.jepa_parser(__doc__)
    parser.add_argument("--n", type=int, default=200, help="clips to score")
    parser.add_argument("--split", choices=("train", "val", "test"), default="test", help="the split to draw from")
    parser.add_argument("--seed", type=int, default=0, help="seeds the injectors")
    parser.add_argument("--random-seeds", type=int, nargs="+", default=[0, 1, 2], help="random-init baselines")
    parser.add_argument("--context-slots", type=int, default=None, help="context time slots (default: half)")
    parser.add_argument("--batch-size", type=int, default=32, help="clips per forward pass")
    parser.add_argument("--threads", type=int, default=1, help="torch threads")
    runs.add_shape_arguments(parser)
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="output path without suffix (.json, .md)")
    args = parser.parse_args(argv)
    if args.n < 1:
        parser.error("--n must be at least 1")
    return runs.resolve_shape_arguments(args, args.jepa)


def load_clips(args: argparse.Namespace) -> tuple[list[Sample], dict[str, Any]]:
    """Up to ``--n`` clips of ``--split``, topped up from the other splits when it holds too few."""
    started = time.perf_counter()
    chosen: list[Sample] = []
    others: list[Sample] = []
    for sample in stream_samples(args.data):
        if split_of(sample.meta["scene_hash"], 0.05, 0.05) == args.split:
            chosen.append(sample)
            if len(chosen) == args.n:
                break
        elif len(others) < args.n:
            others.append(sample)
    from_split = len(chosen)
    if from_split < args.n:
        log(f"warning: the {args.split} split holds only {from_split} clips; topping up with other splits' clips")
        chosen += others[: args.n - from_split]
    if not chosen:
        raise SystemExit("no clips found")
    expected = (args.frames, args.height, args.width, 3)
    if chosen[0].arrays["frames"].shape != expected:
        raise SystemExit(f"clips are {chosen[0].arrays['frames'].shape}, the encoder takes {expected}")
    log(f"{len(chosen)} clips ({from_split} from the {args.split} split) in {time.perf_counter() - started:.1f} s")
    return chosen, {"split": args.split, "from_split": from_split, "topped_up": len(chosen) - from_split}


def inject(samples: Sequence[Sample], seed: int) -> dict[str, dict[int, Violation]]:
    """Each injector's violations by clip number; the generator of clip ``i``, injector ``k`` is ``(seed, i, k)``."""
    violations: dict[str, dict[int, Violation]] = {}
    for k, (name, injector) in enumerate(INJECTORS.items()):
        found = {}
        for i, sample in enumerate(samples):
            rng = np.random.default_rng([seed, i, k])
            violation = injector(sample.arrays["frames"], sample.arrays["boxes"], rng)
            if violation is not None:
                found[i] = violation
        violations[name] = found
        log(f"{name}: injected into {len(found)} of {len(samples)} clips")
    return violations


#: Future-token errors ``[B, F, N]`` of a clip batch ``[B, T, 3, H, W]``: a system's, or the still-frame reference.
Scorer = Callable[[torch.Tensor], torch.Tensor]


def score(scorer: Scorer, frames: Sequence[np.ndarray], batch_size: int) -> dict[str, np.ndarray]:
    """Per-clip scores of clips ``[T, H, W, 3]`` uint8: ``mean`` and ``peak`` ``[S]``, ``per_slot`` ``[S, F]``."""
    errors = []
    for start in range(0, len(frames), batch_size):
        errors.append(scorer(to_video(np.stack(frames[start : start + batch_size]))))  # [B, F, N]
    error = torch.cat(errors)
    return {
        "mean": error.mean(dim=(1, 2)).numpy(),
        "peak": error.amax(dim=(1, 2)).numpy(),
        "per_slot": error.mean(dim=2).numpy(),
    }


def compare(normal: dict[str, np.ndarray], violated: dict[str, np.ndarray], clips: list[int]) -> dict[str, Any]:
    """Violated clips (made from the normal clips ``clips``) against normal ones.

    The AUC ranks the violated clips against *all* normal clips; the paired win rate and the means compare each
    violated clip with its own normal clip.
    """
    out: dict[str, Any] = {"n": len(clips)}
    for key in SCORES:
        out[key] = {
            "auc": roc_auc(normal[key], violated[key]),
            "paired_win": float(np.mean(violated[key] > normal[key][clips])),
            "normal": float(normal[key][clips].mean()),
            "violated": float(violated[key].mean()),
        }
    slots = normal["per_slot"].shape[1]
    out["per_slot"] = {
        "auc": [roc_auc(normal["per_slot"][:, s], violated["per_slot"][:, s]) for s in range(slots)],
        "normal": normal["per_slot"][clips].mean(axis=0).tolist(),
        "violated": violated["per_slot"].mean(axis=0).tolist(),
    }
    return out


def evaluate(
    name: str,
    scorer: Scorer,
    samples: Sequence[Sample],
    violations: dict[str, dict[int, Violation]],
    batch_size: int,
) -> dict[str, Any]:
    """Score the normal and violated clips with one scorer; the comparison per violation."""
    started = time.perf_counter()
    normal = score(scorer, [s.arrays["frames"] for s in samples], batch_size)
    out: dict[str, Any] = {}
    for violation, found in violations.items():
        clips = sorted(found)
        if not clips:
            continue
        violated = score(scorer, [found[i].frames for i in clips], batch_size)
        out[violation] = compare(normal, violated, clips)
    shown = ", ".join(f"{v} {m['mean']['auc']:.3f}" for v, m in out.items())
    log(f"{name}: AUC (mean) {shown} ({time.perf_counter() - started:.1f} s)")
    return out


def system_scorer(system: JEPAPretraining, context_slots: int) -> Scorer:
    """A system's future-token errors (``future_errors``)."""
    return functools.partial(future_errors, system, context_slots=context_slots)


def summarise_random(runs: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """Mean and std over random seeds of each violation's AUC and paired win rate, per score."""
    summary: dict[str, Any] = {}
    for violation in runs[0]:
        summary[violation] = {}
        for key in SCORES:
            for metric in ("auc", "paired_win", "normal", "violated"):
                values = [run[violation][key][metric] for run in runs]
                summary[violation].setdefault(key, {})[metric] = {
                    "mean": statistics.fmean(values),
                    "std": statistics.stdev(values) if len(values) > 1 else 0.0,
                }
    return summary


def markdown(results: dict[str, Any]) -> str:
    """The report: AUC per violation and encoder, then the trained JEPA's AUC per predicted time slot."""
    jepa, random = results["encoders"]["jepa"], results["encoders"]["random"]["summary"]
    still = results["encoders"]["still_frame"]
    clips = results["clips"]
    tubelet_t = results["system"]["tubelet"][0]
    context = results["context_slots"]
    lines = [
        "# Violation of expectation: JEPA surprise on broken clips",
        "",
        f"Command: `{results['command']}`",
        "",
        f"Data: {', '.join(f'`{d}`' for d in results['data'])}; **{results['n_clips']} clips**, "
        f"{clips['from_split']} from the {clips['split']} split (by scene hash)"
        + (f", {clips['topped_up']} topped up from other splits" if clips["topped_up"] else "")
        + f". Context: the first {context} time slots (frames 0-{context * tubelet_t - 1}); the rest is predicted. "
        f"Violations start at a frame drawn from the second half. Random init: mean ± std over seeds "
        f"{results['random_seeds']}.",
        "",
        "ROC AUC of violated against normal clips (0.5 is chance), paired win rate (violated clip more surprising "
        "than its normal clip), and mean surprise of the same clips (normal → violated). The still-frame row is a "
        "reference without learning: the pixel error of predicting every future frame as the last context frame.",
        "",
        "| violation | clips | encoder | AUC (mean) | AUC (peak) | paired win (mean) | surprise normal → violated |",
        "|---|---:|---|---:|---:|---:|---|",
    ]
    for violation, metrics in jepa.items():
        mean, peak = metrics["mean"], metrics["peak"]
        lines.append(
            f"| {violation} | {metrics['n']} | JEPA | {mean['auc']:.3f} | {peak['auc']:.3f} | "
            f"{mean['paired_win']:.3f} | {mean['normal']:.4f} → {mean['violated']:.4f} |"
        )
        r_mean, r_peak = random[violation]["mean"], random[violation]["peak"]
        lines.append(
            f"| {violation} | {metrics['n']} | random | {r_mean['auc']['mean']:.3f} ± {r_mean['auc']['std']:.3f} | "
            f"{r_peak['auc']['mean']:.3f} ± {r_peak['auc']['std']:.3f} | "
            f"{r_mean['paired_win']['mean']:.3f} ± {r_mean['paired_win']['std']:.3f} | "
            f"{r_mean['normal']['mean']:.4f} → {r_mean['violated']['mean']:.4f} |"
        )
        s_mean, s_peak = still[violation]["mean"], still[violation]["peak"]
        lines.append(
            f"| {violation} | {metrics['n']} | still frame (pixels) | {s_mean['auc']:.3f} | {s_peak['auc']:.3f} | "
            f"{s_mean['paired_win']:.3f} | {s_mean['normal']:.4f} → {s_mean['violated']:.4f} |"
        )
    slots = range(context, context + len(next(iter(jepa.values()))["per_slot"]["auc"]) if jepa else context)
    lines += [
        "",
        "The trained JEPA per predicted time slot: AUC of the slot's mean token error (normal → violated surprise).",
        "",
        "| violation | "
        + " | ".join(f"slot {s} (frames {s * tubelet_t}-{(s + 1) * tubelet_t - 1})" for s in slots)
        + " |",
        "|---|" + "---:|" * len(slots),
    ]
    for violation, metrics in jepa.items():
        per_slot = metrics["per_slot"]
        cells = [
            f"{auc:.3f} ({n:.3f} → {v:.3f})"
            for auc, n, v in zip(per_slot["auc"], per_slot["normal"], per_slot["violated"], strict=True)
        ]
        lines.append(f"| {violation} | " + " | ".join(cells) + " |")
    lines += ["", "Examples: " + "; ".join(results["examples"]) + ".", ""]
    return "\n".join(lines)


def run(args: argparse.Namespace, command: str) -> dict[str, Any]:
    """The whole measurement, written to ``<out>.json`` and ``<out>.md``."""
    started = time.perf_counter()
    samples, clips = load_clips(args)
    violations = inject(samples, args.seed)
    config = runs.shape_config(args)
    jepa = runs.trained_system(config, args.jepa)
    context_slots = jepa.encoder.grid[0] // 2 if args.context_slots is None else args.context_slots
    batches = (samples, violations, args.batch_size)
    random_runs = [
        evaluate(f"random seed {seed}", system_scorer(runs.random_system(config, seed), context_slots), *batches)
        for seed in args.random_seeds
    ]
    still = functools.partial(still_frame_errors, tubelet=config["tubelet"], context_slots=context_slots)
    results: dict[str, Any] = {
        "command": command,
        "data": list(args.data),
        "jepa": str(args.jepa),
        "system": {**config, "tubelet": list(config["tubelet"])},
        "n_clips": len(samples),
        "clips": clips,
        "seed": args.seed,
        "random_seeds": list(args.random_seeds),
        "context_slots": context_slots,
        "torch_threads": torch.get_num_threads(),
        "injected": {name: len(found) for name, found in violations.items()},
        "examples": [next(iter(found.values())).description for found in violations.values() if found],
        "encoders": {
            "jepa": evaluate("jepa", system_scorer(jepa, context_slots), *batches),
            "random": {"runs": random_runs, "summary": summarise_random(random_runs)},
            "still_frame": evaluate("still frame", still, *batches),
        },
    }
    results["seconds"] = time.perf_counter() - started
    json_path, md_path = write_results(args.out, results, markdown(results))
    log(f"wrote {json_path} and {md_path.name} in {results['seconds']:.0f} s")
    return results


def main(argv: Sequence[str] | None = None) -> dict[str, Any]:
    """Parse the command line, run with ``--threads`` torch threads, and return the results."""
    return runs.run_on_threads("experiments.violation_of_expectation", argv, parse_args, run)


if __name__ == "__main__":
    main()
