"""JEPA systems for the scripts that probe a run: the encoder's shape flags, a run's trained system, a random one.

The shape of a ``JEPAPretraining`` comes, in order, from the command line, from the hyperparameters stored in the
run's weights file, and from the tiny-cpu config. ``trained_system`` and ``random_system`` build the system the
flags describe, with a run's weights or freshly drawn.
"""

from __future__ import annotations

import argparse
import shlex
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import torch

from jepa_planner import clip_format
from jepa_planner.systems.jepa import JEPAPretraining
from jepa_planner.systems.weights import CheckpointError, load_weights, read_run_metadata

#: The tiny-cpu shape (``experiments/configs/tiny-cpu.yaml``): what a shape flag means when neither the command
#: line nor the weights file says otherwise.
TINY_CPU_SHAPE: dict[str, Any] = {
    "frames": clip_format.FRAMES,
    "height": clip_format.HEIGHT,
    "width": clip_format.WIDTH,
    "tubelet": [4, 6, 8],
    "preset": "tiny",
    "pred_dim": 64,
    "pred_depth": 2,
    "pred_heads": 4,
}


def run_on_threads(
    module: str,
    argv: Sequence[str] | None,
    parse: Callable[[Sequence[str] | None], argparse.Namespace],
    run: Callable[[argparse.Namespace, str], dict[str, Any]],
) -> dict[str, Any]:
    """A script's ``main``: parse ``argv`` (the process's own when None), then ``run(args, command)`` with torch on
    ``args.threads`` threads (restored afterwards); ``command`` is the command line that reproduces the run, for
    its report."""
    args = parse(argv)
    command = f"python -m {module} " + shlex.join(sys.argv[1:] if argv is None else list(argv))
    previous = torch.get_num_threads()
    torch.set_num_threads(args.threads)
    try:
        return run(args, command)
    finally:
        torch.set_num_threads(previous)


def jepa_parser(doc: str | None) -> argparse.ArgumentParser:
    """The command line of a script that scores a trained JEPA on datasets: its description (the first line of
    ``doc``), ``--data`` and ``--jepa``; the script adds its own flags and ``add_shape_arguments``."""
    parser = argparse.ArgumentParser(description=doc.split("\n", 1)[0] if doc else None)
    parser.add_argument("--data", nargs="+", required=True, help="dataset directories made by `jepa-planner data gen`")
    parser.add_argument("--jepa", required=True, help="a JEPAPretraining weights.safetensors")
    return parser


def add_shape_arguments(parser: argparse.ArgumentParser) -> None:
    """The flags that fix a ``JEPAPretraining``'s shape, for scripts that load its weights.

    Left out, each comes from the hyperparameters stored in the weights file (``resolve_shape_arguments``), and
    from the tiny-cpu config when the file has none.
    """
    shape = parser.add_argument_group("encoder (default: as stored in the weights file, else the tiny-cpu config)")
    shape.add_argument("--frames", type=int)
    shape.add_argument("--height", type=int)
    shape.add_argument("--width", type=int)
    shape.add_argument("--tubelet", type=int, nargs=3, metavar=("T", "H", "W"))
    shape.add_argument("--preset")
    shape.add_argument("--pred-dim", type=int)
    shape.add_argument("--pred-depth", type=int)
    shape.add_argument("--pred-heads", type=int)


def resolve_shape_arguments(args: argparse.Namespace, weights: str | Path) -> argparse.Namespace:
    """Fill the shape flags left out (None) from ``weights``' stored hyperparameters, else from ``TINY_CPU_SHAPE``.

    A file that cannot be read leaves the defaults: loading it later raises the ``CheckpointError`` that says why.
    """
    try:
        system, stored = read_run_metadata(weights)
    except CheckpointError:
        system, stored = None, {}
    if system != JEPAPretraining.__name__:
        stored = {}
    for key, default in TINY_CPU_SHAPE.items():
        if getattr(args, key) is None:
            value = stored.get(key, default)
            setattr(args, key, list(value) if key == "tubelet" else value)
    return args


def shape_config(args: argparse.Namespace) -> dict[str, Any]:
    """``JEPAPretraining`` constructor arguments from the flags of ``add_shape_arguments`` (resolved)."""
    return {
        "frames": args.frames,
        "height": args.height,
        "width": args.width,
        "tubelet": tuple(args.tubelet),
        "preset": args.preset,
        "pred_dim": args.pred_dim,
        "pred_depth": args.pred_depth,
        "pred_heads": args.pred_heads,
    }


def trained_system(config: dict[str, Any], weights: str | Path) -> JEPAPretraining:
    """A ``JEPAPretraining`` of this shape with the weights file loaded (``CheckpointError`` if it does not fit)."""
    system = JEPAPretraining(**config)
    load_weights(system, weights)
    return system


def random_system(config: dict[str, Any], seed: int) -> JEPAPretraining:
    """A freshly initialised ``JEPAPretraining``, drawn after ``torch.manual_seed(seed)`` (global RNG untouched)."""
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        return JEPAPretraining(**config)
