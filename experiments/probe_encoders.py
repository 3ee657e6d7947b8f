"""Does JEPA pretraining help? Probe a trained JEPA target encoder and a random one of the same shape, frozen.

Run it from the repository root::

    .venv/bin/python -m experiments.probe_encoders --data data/probe-l2 \\
        --jepa runs/tiny-cpu/lightning_logs/version_0/weights.safetensors

The encoder's shape comes from the hyperparameters stored in the weights file, which holds a whole
``JEPAPretraining`` (encoders and predictor); shape flags (``--height`` ...) override them, and a file without
them gets the tiny-cpu config's (``experiments/configs/tiny-cpu.yaml``).

Clips are streamed from ``--data`` and split into ``--train`` and ``--test`` clips by ``meta["scene_hash"]``:
every clip of one scene lands on the same side, so the test set holds no scene the probe was trained on. Each
encoder's tokens are extracted once and an ``AttentiveProbe`` (``jepa_planner.probe``) is trained on them for
every seed in ``--seeds``. For the JEPA the seed changes only the probe; for the random encoder it also changes
the encoder's initialisation, which is drawn exactly as ``JEPAPretraining`` draws it (``torch.manual_seed(seed)``
then the constructor): with the seed the JEPA run started from (``seed_everything`` in its config), it is the
JEPA's own starting point, as long as nothing else drew from torch's RNG first. A row that always answers the
train set's majority is the floor.

It also reports, for each encoder, the effective rank and the per-dimension std of clip-mean features (the token
average of each clip), and the per-dimension std of the tokens themselves: a collapsing JEPA shows a low rank. The
shares of the layer-normed tokens' energy held by position, clip and token-specific parts (``energy_shares``)
say how much of them a predictor could get right without looking at the clip. Each probe's fit on its own train
clips is reported beside its test scores.

Torch runs on ``--threads`` threads (1 by default: on this busy 2-core machine, two threads made feature
extraction 2-4 times slower and the probe's small steps far slower still).

It writes ``<out>.json`` (every run, the summaries, the settings and the command) and ``<out>.md`` (tables of
mean ± std over seeds). Probe the JEPA on clips it was not pretrained on (a dataset generated with another
``--seed``), so that the comparison is about features, not memory.
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections import Counter
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import torch
from torch import nn

from jepa_planner.data.shards import Sample, stream_samples
from jepa_planner.probe import (
    FIT_METRICS,
    MAX_OBJECTS,
    VERB_NAMES,
    TubeletPixels,
    extract_features,
    majority_metrics,
    probe_labels,
    stack_labels,
    train_and_evaluate_probe,
)
from jepa_planner.results import write_results
from jepa_planner.systems.jepa import effective_rank, energy_shares
from jepa_planner.systems.runs import (
    add_shape_arguments,
    jepa_parser,
    random_system,
    resolve_shape_arguments,
    run_on_threads,
    shape_config,
    trained_system,
)

REPO = Path(__file__).resolve().parents[1]

DEFAULT_OUT = REPO / "experiments" / "results" / "probe_encoders"
#: Metrics in the Markdown table, with their column titles.
TABLE_METRICS: dict[str, str] = {
    "count_acc": "count acc",
    "kinds_exact": "kinds exact",
    "kinds_f1": "kinds micro-F1",
    "kinds_acc": "kinds per-kind acc",
    "verb_acc": "verb acc",
}
FEATURE_STATS: dict[str, str] = {
    "effective_rank": "effective rank (clip-mean)",
    "clip_std": "per-dim std (clip-mean)",
    "token_std": "per-dim std (tokens)",
    "position": "position share",
    "clip": "clip share",
    "specific": "token-specific share",
}


#: Clips whose tokens ``feature_stats`` splits into position, clip and token-specific energy.
ENERGY_CLIPS = 512


def log(message: str) -> None:
    """Print one progress line."""
    print(f"[probe_encoders] {message}", flush=True)


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    """The command line (see the module docstring)."""
    parser = jepa_parser(__doc__)
    parser.add_argument(
        "--jepa-encoder",
        choices=("target", "context"),
        default="target",
        help="which of the JEPA's encoders to probe: the EMA target (default) or the online context encoder",
    )
    parser.add_argument("--train", type=int, default=500, help="labelled clips to train the probe on")
    parser.add_argument("--test", type=int, default=500, help="clips to test on (scenes disjoint from train)")
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--epochs", type=int, default=40, help="probe training epochs")
    parser.add_argument("--lr", type=float, default=3e-3, help="probe learning rate (AdamW, cosine decay)")
    parser.add_argument("--probe-batch-size", type=int, default=64)
    parser.add_argument("--queries", type=int, default=4, help="learned queries of the attentive probe")
    parser.add_argument("--batch-size", type=int, default=32, help="clips per encoder forward pass")
    parser.add_argument(
        "--threads", type=int, default=1, help="torch threads (1: on a busy 2-core machine two were 2-4x slower)"
    )
    add_shape_arguments(parser)
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="output path without suffix (.json, .md)")
    args = parser.parse_args(argv)
    if args.train < 1 or args.test < 1:
        parser.error("--train and --test must be at least 1")
    return resolve_shape_arguments(args, args.jepa)


def jepa_encoder(config: dict[str, Any], weights: str | Path, which: str = "target") -> nn.Module:
    """The ``which`` (target or context) encoder of a trained ``JEPAPretraining`` (``CheckpointError`` if unfit)."""
    system = trained_system(config, weights)
    return system.target_encoder if which == "target" else system.encoder


def random_encoder(config: dict[str, Any], seed: int) -> nn.Module:
    """The target encoder of a freshly initialised ``JEPAPretraining``, drawn after ``torch.manual_seed(seed)``."""
    return random_system(config, seed).target_encoder


def disjoint_split(samples: Iterable[Sample], n_train: int, n_test: int) -> tuple[list[Sample], list[Sample]]:
    """Fill a train and a test set from a stream, keeping every clip of a scene (``scene_hash``) on one side.

    A new scene goes to the side its hash prefers (test for a share ``n_test / (n_train + n_test)`` of the hash
    space), or to the other side when that one is full; reading stops once both are full.
    """
    wanted = {"train": n_train, "test": n_test}
    chosen: dict[str, list[Sample]] = {"train": [], "test": []}
    side_of: dict[str, str] = {}
    test_share = n_test / (n_train + n_test)
    for sample in samples:
        scene = sample.meta["scene_hash"]
        if scene not in side_of:
            preferred, other = ("test", "train") if int(scene[:8], 16) / 16**8 < test_share else ("train", "test")
            side_of[scene] = preferred if len(chosen[preferred]) < wanted[preferred] else other
        side = side_of[scene]
        if len(chosen[side]) < wanted[side]:
            chosen[side].append(sample)
        if all(len(chosen[s]) >= wanted[s] for s in wanted):
            break
    return chosen["train"], chosen["test"]


def feature_stats(features: torch.Tensor) -> dict[str, float]:
    """Effective rank and mean per-dimension std of clip-mean features ``[S, D]``, per-dim std of tokens, and the
    shares of the layer-normed tokens' energy held by position, clip and token-specific parts (``energy_shares``,
    over the first ``ENERGY_CLIPS`` clips: the raw pixels of 3,000 clips would take over a gigabyte per copy)."""
    clip_mean = features.mean(dim=1)  # [S, D]
    return {
        "effective_rank": effective_rank(clip_mean).item(),
        "clip_std": clip_mean.std(dim=0).mean().item(),
        "token_std": features.flatten(0, 1).std(dim=0).mean().item(),
        **energy_shares(features[:ENERGY_CLIPS]),
    }


def summarise(runs: Sequence[dict[str, float]]) -> dict[str, dict[str, float]]:
    """Mean and sample std (0 for one run) of every key the runs share."""
    keys = [key for key in runs[0] if all(key in run for run in runs)]
    return {
        key: {
            "mean": statistics.fmean(run[key] for run in runs),
            "std": statistics.stdev(run[key] for run in runs) if len(runs) > 1 else 0.0,
        }
        for key in keys
    }


def probe_features(
    name: str,
    features: tuple[torch.Tensor, torch.Tensor],
    labels: tuple[dict[str, torch.Tensor], dict[str, torch.Tensor]],
    args: argparse.Namespace,
    seed: int,
) -> dict[str, float]:
    """Train and test one probe on extracted features, with progress lines."""
    started = time.perf_counter()
    metrics = train_and_evaluate_probe(
        features[0], labels[0], features[1], labels[1],
        epochs=args.epochs, lr=args.lr, seed=seed, batch_size=args.probe_batch_size, queries=args.queries,
        threads=None,
    )  # fmt: skip
    shown = ", ".join(f"{key} {metrics[key]:.3f}" for key in TABLE_METRICS)
    log(f"{name} seed {seed}: {shown} ({time.perf_counter() - started:.1f} s)")
    return metrics


def extract(
    name: str, encoder: nn.Module, train: list[Sample], test: list[Sample], batch_size: int
) -> tuple[tuple[torch.Tensor, torch.Tensor], float]:
    """Train and test features of one encoder, with a progress line."""
    started = time.perf_counter()
    feats = extract_features(encoder, train + test, batch_size)
    seconds = time.perf_counter() - started
    log(f"{name}: features {tuple(feats.shape)} in {seconds:.1f} s ({len(feats) / seconds:.0f} clips/s)")
    return (feats[: len(train)], feats[len(train) :]), seconds


def evaluate_encoders(args: argparse.Namespace, train: list[Sample], test: list[Sample]) -> dict[str, dict[str, Any]]:
    """Probe the JEPA encoder and one random encoder per seed; runs, summaries and feature statistics."""
    labels = (stack_labels([probe_labels(s) for s in train]), stack_labels([probe_labels(s) for s in test]))
    config = shape_config(args)
    encoder = jepa_encoder(config, args.jepa, args.jepa_encoder)
    features, seconds = extract("jepa", encoder, train, test, args.batch_size)
    jepa_stats = feature_stats(torch.cat(features))
    log("jepa: " + ", ".join(f"{k} {v:.3g}" for k, v in jepa_stats.items()))
    jepa_runs = [probe_features("jepa", features, labels, args, seed) for seed in args.seeds]
    random_runs, random_stats = [], []
    for seed in args.seeds:
        features, _ = extract(f"random seed {seed}", random_encoder(config, seed), train, test, args.batch_size)
        random_stats.append(feature_stats(torch.cat(features)))
        log(f"random seed {seed}: " + ", ".join(f"{k} {v:.3g}" for k, v in random_stats[-1].items()))
        random_runs.append(probe_features("random", features, labels, args, seed))
    features, _ = extract("pixels", TubeletPixels(tuple(args.tubelet)), train, test, args.batch_size)
    pixel_stats = feature_stats(torch.cat(features))
    pixel_runs = [probe_features("pixels", features, labels, args, seed) for seed in args.seeds]
    return {
        "jepa": {
            "runs": [{"seed": s, **m} for s, m in zip(args.seeds, jepa_runs, strict=True)],
            "summary": summarise(jepa_runs),
            "features": jepa_stats,
            "extract_seconds": seconds,
        },
        "random": {
            "runs": [{"seed": s, **m} for s, m in zip(args.seeds, random_runs, strict=True)],
            "summary": summarise(random_runs),
            "features": summarise(random_stats),
            "features_by_seed": random_stats,
        },
        "pixels": {
            "runs": [{"seed": s, **m} for s, m in zip(args.seeds, pixel_runs, strict=True)],
            "summary": summarise(pixel_runs),
            "features": pixel_stats,
        },
        "majority": {"summary": summarise([majority_metrics(*labels)])},
    }


def label_histograms(samples: Sequence[Sample]) -> dict[str, dict[str, int]]:
    """How often each object count and middle-frame verb occurs, for reading the accuracies against chance."""
    labels = stack_labels([probe_labels(s) for s in samples])
    counts = Counter(int(c) + 1 for c in labels["count"])
    verbs = Counter(VERB_NAMES[int(v)] for v in labels["verb"])
    return {
        "count": {str(k): counts[k] for k in range(1, MAX_OBJECTS + 1) if counts[k]},
        "verb": dict(sorted(verbs.items(), key=lambda item: -item[1])),
    }


def _cell(summary: dict[str, float], scale: float = 100.0, spec: str = ".1f") -> str:
    return f"{summary['mean'] * scale:{spec}} ± {summary['std'] * scale:{spec}}"


def markdown(results: dict[str, Any]) -> str:
    """The Markdown report: probe metrics and feature statistics per encoder."""
    encoders = results["encoders"]
    titles = {
        "jepa": f"JEPA {results.get('jepa_encoder', 'target')} encoder (`{results['jepa']}`)",
        "random": "random init (same architecture)",
        "pixels": "raw tubelet pixels (no encoder; reference)",
        "majority": "majority of train (floor)",
    }
    lines = [
        "# Frozen-encoder probe: JEPA against random initialisation",
        "",
        f"Command: `{results['command']}`",
        "",
        f"Data: {', '.join(f'`{d}`' for d in results['data'])}; **{results['n_train']} train / {results['n_test']} "
        "test clips**, split by scene hash (no scene on both sides). "
        f"Seeds {results['seeds']}; mean ± std over seeds, in %. Probe: {results['probe']['epochs']} epochs, "
        f"lr {results['probe']['lr']}, {results['probe']['queries']} queries.",
        "",
        "| encoder | " + " | ".join(TABLE_METRICS.values()) + " |",
        "|---|" + "---:|" * len(TABLE_METRICS),
    ]
    for name, title in titles.items():
        summary = encoders[name]["summary"]
        lines.append(f"| {title} | " + " | ".join(_cell(summary[key]) for key in TABLE_METRICS) + " |")
    lines += [
        "",
        "How well each probe fits its own train clips (count acc / kinds micro-F1 / verb acc, mean over seeds, in %):"
        " a test score far under its fit is a probe that memorised the train set.",
        "",
    ]
    for name, title in titles.items():
        summary = encoders[name]["summary"]
        if all(f"train_{key}" in summary for key in FIT_METRICS):
            fit = " / ".join(f"{100 * summary[f'train_{key}']['mean']:.1f}" for key in FIT_METRICS)
            lines.append(f"- {title}: {fit}")
    lines += [
        "",
        "Features of all probed clips (the random row: mean ± std over its seeds' encoders):",
        "",
        "| encoder | " + " | ".join(FEATURE_STATS.values()) + " |",
        "|---|" + "---:|" * len(FEATURE_STATS),
        "| JEPA | " + " | ".join(f"{encoders['jepa']['features'][key]:.3g}" for key in FEATURE_STATS) + " |",
        "| random | "
        + " | ".join(_cell(encoders["random"]["features"][key], 1.0, ".3g") for key in FEATURE_STATS)
        + " |",
        "| pixels | " + " | ".join(f"{encoders['pixels']['features'][key]:.3g}" for key in FEATURE_STATS) + " |",
        "",
        "For the JEPA the seed changes only the probe; for the random encoder it also changes the encoder's "
        "initialisation. Test label histograms: count "
        + ", ".join(f"{k}: {v}" for k, v in results["test_labels"]["count"].items())
        + "; verb "
        + ", ".join(f"{k}: {v}" for k, v in results["test_labels"]["verb"].items())
        + ".",
        "",
    ]
    return "\n".join(lines)


def load_split(args: argparse.Namespace) -> tuple[list[Sample], list[Sample]]:
    """The train and test clips, scene-disjoint; exits with a message when there are none or they do not fit."""
    started = time.perf_counter()
    log(f"reading up to {args.train} train + {args.test} test clips from {', '.join(args.data)}")
    train, test = disjoint_split(stream_samples(args.data), args.train, args.test)
    if not train or not test:
        raise SystemExit(f"not enough clips: got {len(train)} train and {len(test)} test")
    if len(train) < args.train or len(test) < args.test:
        log(f"warning: the data holds only {len(train)} train and {len(test)} test clips")
    expected = (args.frames, args.height, args.width, 3)
    if train[0].arrays["frames"].shape != expected:
        raise SystemExit(f"clips are {train[0].arrays['frames'].shape}, the encoder takes {expected}")
    log(f"{len(train)} train / {len(test)} test clips ({time.perf_counter() - started:.1f} s)")
    return train, test


def run(args: argparse.Namespace, command: str) -> dict[str, Any]:
    """The whole comparison, written to ``<out>.json`` and ``<out>.md``."""
    started = time.perf_counter()
    train, test = load_split(args)
    results: dict[str, Any] = {
        "command": command,
        "data": list(args.data),
        "jepa": str(args.jepa),
        "jepa_encoder": args.jepa_encoder,
        "encoder": shape_config(args),
        "n_train": len(train),
        "n_test": len(test),
        "seeds": list(args.seeds),
        "probe": {"epochs": args.epochs, "lr": args.lr, "batch_size": args.probe_batch_size, "queries": args.queries},
        "torch_threads": torch.get_num_threads(),
        "test_labels": label_histograms(test),
        "encoders": evaluate_encoders(args, train, test),
    }
    results["seconds"] = time.perf_counter() - started
    json_path, md_path = write_results(args.out, results, markdown(results))
    log(f"wrote {json_path} and {md_path.name} in {results['seconds']:.0f} s")
    return results


def main(argv: Sequence[str] | None = None) -> dict[str, Any]:
    """Parse the command line, run the comparison with ``--threads`` torch threads, and return the results."""
    return run_on_threads("experiments.probe_encoders", argv, parse_args, run)


if __name__ == "__main__":
    main()
