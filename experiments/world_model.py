"""Evidence that the world model learns: both tables of the JEPA issue, from one command.

1. An attentive probe on frozen features (``probe_encoders.py``): the tiny-cpu JEPA's target encoder against a
   randomly initialised encoder of the same shape, predicting the number of objects, their kinds, and the verb
   of the active step.
2. The action-conditioned predictor (``eval_action_model.py``): latent error of the next state against the
   copy-last baseline, with the JEPA encoder and with a random one.

Usage::

    python -m experiments.world_model --data data/pretrain-l2 data/pretrain-l3 \\
        --jepa runs/tiny-cpu/lightning_logs/version_0/weights.safetensors

writes ``experiments/results/world_model.md`` (and each part's own JSON and Markdown beside it).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from experiments import eval_action_model, probe_encoders


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", nargs="+", required=True)
    parser.add_argument("--jepa", required=True)
    parser.add_argument("--train", type=int, default=500)
    parser.add_argument("--test", type=int, default=500)
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--ac-epochs", type=int, default=4)
    parser.add_argument("--ac-limit", type=int, default=None)
    parser.add_argument("--results", default="experiments/results")
    args = parser.parse_args(argv)
    results = Path(args.results)
    probe_encoders.main(
        [
            "--data",
            *args.data,
            "--jepa",
            args.jepa,
            "--train",
            str(args.train),
            "--test",
            str(args.test),
            "--seeds",
            *map(str, args.seeds),
            "--out",
            str(results / "probe_encoders"),
        ]
    )
    limit = ["--limit", str(args.ac_limit)] if args.ac_limit else []
    eval_action_model.main(
        [
            "--data",
            *args.data,
            "--jepa",
            args.jepa,
            "--epochs",
            str(args.ac_epochs),
            *limit,
            "--out",
            str(results / "action_model"),
        ]
    )
    command = "python -m experiments.world_model " + " ".join(sys.argv[1:] if argv is None else argv)
    parts = [(results / name).with_suffix(".md").read_text() for name in ("probe_encoders", "action_model")]
    (results / "world_model.md").write_text(
        "# World model evidence\n\nProduced by `" + command + "`.\n\n" + "\n\n".join(parts)
    )
    print(f"wrote {results / 'world_model.md'}")


if __name__ == "__main__":
    main()
