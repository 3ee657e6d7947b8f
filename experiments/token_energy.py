"""Where do a JEPA's target features put their energy: position, clip, or what the clip shows at each place?

Run it from the repository root::

    .venv/bin/python -m experiments.token_energy --data data/probe-l2-3k \\
        --jepa runs/tiny-cpu/lightning_logs/version_0/weights.safetensors \\
               runs/exp-E/lightning_logs/version_0/weights.safetensors

For each weights file, the EMA target encoder (its shape read from the hyperparameters stored in the file) encodes
the first ``--clips`` clips of ``--data``, and ``jepa_planner.systems.jepa.energy_shares`` splits the mean square
of the layer-normed tokens, the features the JEPA loss predicts, into three orthogonal parts:

- *position*: the mean token at each position over the clips. The predictor gets it right from the mask tokens'
  positions alone, without looking at the clip.
- *clip*: each clip's mean token, less the position part. Any context token tells it.
- *specific*: the rest, what this clip shows at this place and time. Only this part carries where the objects
  are and what they look like.

A random encoder of each shape (``torch.manual_seed(--seed)``, as ``JEPAPretraining`` draws it) is measured too.
Clips must have the encoder's size. It writes ``<out>.json`` and ``<out>.md``.
"""

from __future__ import annotations

import argparse
import itertools
import shlex
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from jepa_planner.data.shards import stream_samples
from jepa_planner.evaluation.latent import jepa_target_encoder
from jepa_planner.probe import extract_features
from jepa_planner.results import write_results
from jepa_planner.systems.jepa import JEPAPretraining, energy_shares
from jepa_planner.systems.runs import random_system
from jepa_planner.systems.weights import read_run_metadata

REPO = Path(__file__).resolve().parents[1]

DEFAULT_OUT = REPO / "experiments" / "results" / "token_energy"
#: The shape hyperparameters a random encoder of the same kind needs.
SHAPE_KEYS = ("frames", "height", "width", "tubelet", "preset")
PARTS = ("position", "clip", "specific")


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    """The command line (see the module docstring)."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0] if __doc__ else None)
    parser.add_argument("--data", nargs="+", required=True, help="dataset directories made by `jepa-planner data gen`")
    parser.add_argument("--jepa", nargs="+", required=True, help="JEPAPretraining weights.safetensors files")
    parser.add_argument("--clips", type=int, default=512, help="clips to encode (the first of --data)")
    parser.add_argument("--seed", type=int, default=0, help="seed of the random encoder of each shape")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="output path without suffix (.json, .md)")
    args = parser.parse_args(argv)
    if args.clips < 2:
        parser.error("--clips must be at least 2")
    return args


def measure(args: argparse.Namespace) -> list[dict[str, Any]]:
    """One row per weights file, then one per distinct shape for its random encoder."""
    samples = list(itertools.islice(stream_samples(args.data), args.clips))
    if len(samples) < 2:
        raise SystemExit(f"not enough clips in {', '.join(args.data)}: got {len(samples)}")
    rows: list[dict[str, Any]] = []
    shapes: dict[str, dict[str, Any]] = {}
    for path in args.jepa:
        encoder, frames, (width, height) = jepa_target_encoder(path)
        size = (frames, height, width, 3)
        if samples[0].arrays["frames"].shape != size:
            raise SystemExit(f"{path} takes clips of {size}; {args.data[0]} holds {samples[0].arrays['frames'].shape}")
        started = time.perf_counter()
        shares = energy_shares(extract_features(encoder, samples))
        rows.append({"encoder": str(path), **shares, "seconds": time.perf_counter() - started})
        print(f"[token_energy] {path}: " + ", ".join(f"{k} {shares[k]:.4f}" for k in PARTS), flush=True)
        hparams = read_run_metadata(path)[1]
        shape = {key: hparams[key] for key in SHAPE_KEYS if key in hparams}
        shapes.setdefault(repr(sorted(shape.items())), shape)
    for shape in shapes.values():
        system: JEPAPretraining = random_system(shape, args.seed)
        shares = energy_shares(extract_features(system.target_encoder, samples))
        label = f"random init, seed {args.seed} ({'x'.join(str(v) for v in shape.get('tubelet', []))} tubelets)"
        rows.append({"encoder": label, **shares, "seconds": 0.0})
        print(f"[token_energy] {label}: " + ", ".join(f"{k} {shares[k]:.4f}" for k in PARTS), flush=True)
    return rows


def markdown(results: dict[str, Any]) -> str:
    """The Markdown table: each encoder's shares of the layer-normed tokens' energy, in %."""
    lines = [
        "# Where the JEPA targets' energy lies",
        "",
        f"Command: `{results['command']}`",
        "",
        f"Layer-normed target-encoder tokens of the first {results['clips']} clips of "
        f"{', '.join(f'`{d}`' for d in results['data'])}, split into orthogonal parts (shares of the mean square, "
        "in %): the mean token at each position, each clip's mean token, and the token-specific rest.",
        "",
        "| encoder | position | clip | token-specific |",
        "|---|---:|---:|---:|",
    ]
    for row in results["rows"]:
        lines.append(f"| `{row['encoder']}` | " + " | ".join(f"{100 * row[k]:.2f}" for k in PARTS) + " |")
    return "\n".join(lines) + "\n"


def main(argv: Sequence[str] | None = None) -> dict[str, Any]:
    """Measure, write ``<out>.json`` and ``<out>.md``, and return the results."""
    args = parse_args(argv)
    command = "python -m experiments.token_energy " + shlex.join(sys.argv[1:] if argv is None else list(argv))
    results = {"command": command, "data": args.data, "clips": args.clips, "rows": measure(args)}
    json_path, md_path = write_results(args.out, results, markdown(results))
    print(f"[token_energy] wrote {json_path} and {md_path.name}", flush=True)
    return results


if __name__ == "__main__":
    main()
