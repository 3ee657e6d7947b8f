"""Training throughput and peak memory of the JEPA pretraining configs.

For each config under ``experiments/configs``, the system is built from the YAML's ``model`` section and trained
for a few steps on random clips of the config's size and batch (throughput depends on the model, not the data):
forward, backward, optimizer step and the EMA update, as in ``JEPAPretraining``. Clips/s is the median over the
timed steps; peak memory is the process's peak RSS on CPU, or ``torch.cuda.max_memory_allocated`` on a GPU.

Usage::

    python -m experiments.bench_train --out experiments/results/bench_train
    python -m experiments.bench_train --configs base-1gpu --device cuda --precision bf16   # on a GPU machine
"""

from __future__ import annotations

import argparse
import importlib
import platform
import resource
import statistics
import sys
import time
from pathlib import Path
from typing import Any

import torch
import yaml

from jepa_planner.results import write_results

CONFIGS = Path(__file__).parent / "configs"


def build_system(config_name: str) -> tuple[Any, int]:
    """The LightningModule of a config, and its batch size."""
    config = yaml.safe_load((CONFIGS / f"{config_name}.yaml").read_text())
    module_path, class_name = config["model"]["class_path"].rsplit(".", 1)
    cls = getattr(importlib.import_module(module_path), class_name)
    init_args = {k: tuple(v) if isinstance(v, list) else v for k, v in config["model"]["init_args"].items()}
    return cls(**init_args), int(config["data"]["init_args"]["batch_size"])


def measure(
    config_name: str, *, steps: int, warmup: int, device: str, precision: str, batch: int | None
) -> dict[str, Any]:
    """Train ``steps`` timed steps after ``warmup`` untimed ones and report clips/s and peak memory."""
    system, batch_size = build_system(config_name)
    batch_size = batch or batch_size
    system = system.to(device)
    hp = system.hparams
    video = torch.rand(batch_size, hp["frames"], 3, hp["height"], hp["width"], device=device)
    params = [p for n, p in system.named_parameters() if not n.startswith("target_encoder.")]
    optimizer = torch.optim.AdamW(params, lr=1e-4)
    dtype = torch.bfloat16 if precision == "bf16" else None
    times = []
    for step in range(warmup + steps):
        start = time.perf_counter()
        with torch.autocast(device_type=device.split(":")[0], dtype=dtype, enabled=dtype is not None):
            loss = system.jepa_loss(video)["loss"]
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
        with torch.no_grad():
            for target, online in zip(system.target_encoder.parameters(), system.encoder.parameters(), strict=True):
                target.mul_(0.996).add_(online.detach(), alpha=0.004)
        if device.startswith("cuda"):
            torch.cuda.synchronize()
        if step >= warmup:
            times.append(time.perf_counter() - start)
    if device.startswith("cuda"):
        peak_mb = torch.cuda.max_memory_allocated() / 2**20
    else:
        peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    median = statistics.median(times)
    return {
        "config": config_name,
        "device": device,
        "precision": precision,
        "batch_size": batch_size,
        "tokens_per_clip": system.encoder.num_tokens,
        "parameters_m": round(sum(p.numel() for p in system.parameters()) / 1e6, 2),
        "steps_timed": steps,
        "median_step_s": round(median, 4),
        "clips_per_s": round(batch_size / median, 1),
        "peak_memory_mb": round(peak_mb, 1),
    }


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--configs", nargs="+", default=["tiny-cpu"])
    parser.add_argument("--steps", type=int, default=20)
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--precision", choices=("fp32", "bf16"), default="fp32")
    parser.add_argument("--batch", type=int, default=None, help="override the config's batch size")
    parser.add_argument("--threads", type=int, default=2, help="torch CPU threads")
    parser.add_argument("--out", default="experiments/results/bench_train")
    args = parser.parse_args(argv)
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    rows = []
    for name in args.configs:
        print(f"bench_train: {name} on {args.device} ({args.precision})", flush=True)
        rows.append(
            measure(
                name,
                steps=args.steps,
                warmup=args.warmup,
                device=args.device,
                precision=args.precision,
                batch=args.batch,
            )
        )
        print(f"  {rows[-1]['clips_per_s']} clips/s, peak {rows[-1]['peak_memory_mb']} MB", flush=True)
    report: dict[str, Any] = {
        "machine": {
            "cpu_count": torch.get_num_threads(),
            "processor": platform.processor() or platform.machine(),
            "gpu": torch.cuda.get_device_name() if args.device.startswith("cuda") else None,
            "torch": torch.__version__,
        },
        "command": "python -m experiments.bench_train " + " ".join(sys.argv[1:] if argv is None else argv),
        "rows": rows,
    }
    header = (
        "| config | device | precision | batch | tokens | params (M) | clips/s (median) | peak MB |\n"
        "|---|---|---|---|---|---|---|---|\n"
    )
    lines = [
        f"| {r['config']} | {r['device']} | {r['precision']} | {r['batch_size']} | {r['tokens_per_clip']} | "
        f"{r['parameters_m']} | {r['clips_per_s']} | {r['peak_memory_mb']} |"
        for r in rows
    ]
    machine = report["machine"]
    intro = (
        f"# Training throughput\n\nCommand: `{report['command']}`\n\nMachine: {machine['processor']}, "
        f"{machine['cpu_count']} torch threads, torch {machine['torch']}"
        + (f", {machine['gpu']}" if machine["gpu"] else "")
        + ". Random clips of each config's size; forward, backward, AdamW step and EMA update per step.\n\n"
    )
    write_results(args.out, report, intro + header + "\n".join(lines) + "\n")
    return report


if __name__ == "__main__":
    main()
