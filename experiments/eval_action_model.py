"""Does the action-conditioned predictor beat "nothing changes"? Latent error on held-out transitions.

For each encoder (the pretrained JEPA's target encoder, and a random encoder of the same shape), the predictor is
trained on the train split's keyframe transitions and evaluated on the test split: the teacher-forced L1 error of
the next state's latents and the two-step rollout error, each beside the copy-last baseline on the same
transitions. Errors are measured in each encoder's own (layer-normed) latent space, so compare a row with its own
baseline, not across encoders.

Usage::

    python -m experiments.eval_action_model --data data/pretrain-l2 data/pretrain-l3 \\
        --jepa runs/tiny-cpu/lightning_logs/version_0/weights.safetensors --epochs 4
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Sequence
from typing import Any

import lightning as L
import torch

from jepa_planner.data.shards import read_index
from jepa_planner.data.transitions import TransitionDataModule
from jepa_planner.results import write_results
from jepa_planner.systems.action import ActionConditionedTraining

METRICS = ("loss_teacher", "baseline_teacher", "loss_rollout", "baseline_rollout")


def train_and_test(
    data: TransitionDataModule,
    *,
    encoder_weights: str | None,
    epochs: int,
    seed: int,
    threads: int,
    geometry: dict[str, int],
) -> dict[str, float]:
    """Train one predictor and return its test metrics."""
    torch.set_num_threads(threads)
    L.seed_everything(seed, verbose=False)
    system = ActionConditionedTraining(encoder_weights=encoder_weights, **geometry)  # type: ignore[arg-type]
    trainer = L.Trainer(
        max_epochs=epochs,
        accelerator="cpu",
        logger=False,
        enable_checkpointing=False,
        enable_progress_bar=False,
        enable_model_summary=False,
        limit_val_batches=0,
    )
    trainer.fit(system, data)
    (results,) = trainer.test(system, data, verbose=False)
    return {name: float(results[f"test/{name}"]) for name in METRICS}


def markdown(report: dict[str, Any]) -> str:
    """The results as a Markdown table, with the relative improvement over copy-last."""
    lines = [
        "# Action-conditioned predictor against copy-last",
        "",
        f"Test transitions from {', '.join(report['data'])}: {report['sizes']['test']} clips "
        f"(train {report['sizes']['train']}), {report['epochs']} epochs, seed {report['seed']}.",
        "",
        "| encoder | teacher L1 | copy-last L1 | gain | 2-step rollout L1 | copy-last L1 | gain |",
        "|---|---|---|---|---|---|---|",
    ]
    for name, row in report["results"].items():
        gain_t = 1 - row["loss_teacher"] / row["baseline_teacher"]
        gain_r = 1 - row["loss_rollout"] / row["baseline_rollout"]
        lines.append(
            f"| {name} | {row['loss_teacher']:.5f} | {row['baseline_teacher']:.5f} | {gain_t:+.1%} | "
            f"{row['loss_rollout']:.5f} | {row['baseline_rollout']:.5f} | {gain_r:+.1%} |"
        )
    lines += [
        "",
        "Each row's L1 lives in its own encoder's latent space, so L1s compare only within a row; the gain columns "
        "(the predictor against copy-last in that space) compare across rows. A random encoder's latents are "
        "mostly positional code (`experiments/token_energy.py`), which copy-last gets exactly right, so its L1s "
        "are small whatever it predicts.",
        "",
        f"Command: `{report['command']}`",
        "",
    ]
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", nargs="+", required=True)
    parser.add_argument("--jepa", help="weights.safetensors of a JEPA pretraining run")
    parser.add_argument("--epochs", type=int, default=4)
    parser.add_argument("--limit", type=int, default=None, help="at most this many clips per split")
    parser.add_argument("--test-fraction", type=float, default=0.15)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--out", default="experiments/results/action_model")
    args = parser.parse_args(argv)
    data = TransitionDataModule(
        data_dirs=args.data, batch_size=32, val_fraction=0.0, test_fraction=args.test_fraction, limit=args.limit
    )
    data.setup()
    settings = read_index(args.data[0])["settings"]
    geometry = {"frames": settings["length"], "height": settings["height"], "width": settings["width"]}
    encoders = {"random encoder": None} | ({"JEPA (tiny-cpu)": args.jepa} if args.jepa else {})
    results = {}
    for name, weights in encoders.items():
        start = time.time()
        print(f"eval_action_model: {name}", flush=True)
        results[name] = train_and_test(
            data, encoder_weights=weights, epochs=args.epochs, seed=args.seed, threads=args.threads, geometry=geometry
        )
        print(f"  {results[name]} ({time.time() - start:.0f} s)", flush=True)
    report = {
        "data": args.data,
        "sizes": {split: len(dataset) for split, dataset in data.datasets.items()},
        "epochs": args.epochs,
        "seed": args.seed,
        "results": results,
        "command": "python -m experiments.eval_action_model " + " ".join(sys.argv[1:] if argv is None else argv),
    }
    write_results(args.out, report, markdown(report))
    return report


if __name__ == "__main__":
    main()
