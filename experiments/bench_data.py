"""Benchmark dataset generation: clips per second for each curriculum level with 1 and 2 workers.

Run it from the repository root::

    .venv/bin/python -m experiments.bench_data --out experiments/results/bench_data

It writes ``<out>.json`` (every run's timing, the medians, memory, bytes and the machine) and ``<out>.md``.

Each (level, workers) pair runs in a fresh Python process, which:

1. imports Manim, so that the generator's forked workers inherit it as the CLI's would after its first clip;
2. runs one untimed warm-up ``generate()`` of ``--warmup`` clips, which also fills the dataset's TeX cache
   (``OUT/.cache/tex``, kept between runs, so formulas are compiled once and not once per timed run);
3. times ``--repeats`` pairs of ``generate()`` calls into the same directory, a short one of ``--n-short`` clips
   and a full one, deleting the shards and the index (but not the cache) before each. It quotes the medians of:
   clips/s of the full run (start-up included), the CPU time per clip of the full run (user + system of the
   process and its workers; unlike clips/s it barely changes when other programs share the cores), and the two
   terms of ``seconds = start-up + clips / steady rate`` solved from each pair: the fixed cost of a call (loading
   the curriculum, forking and warming the workers, closing the pool) and the rate once the workers run (only
   where the full run has at least ten times the short run's clips, so that the short run's clips are a fair
   sample of its cost);
4. reports the peak resident memory of a rendering worker: the process's own ``VmHWM`` with 1 worker (it renders
   in-process), and the largest ``ru_maxrss`` of its reaped children with 2 workers (their peak includes the pages
   shared with the parent they were forked from).

Clips are 64x36 with 16 frames, ``--n-simple`` (1000) clips at levels 1 and 2 and ``--n-rich`` (60) at levels 3
and 4. A full run of simple clips lasts seconds, as a real ``data gen`` run does at steady state; with 200 clips
(the earlier default) the start-up of two workers was a large share of a run of about one second, and the table
measured mostly that. The start-up column keeps it in view. On-disk bytes per clip are the shard bytes divided
by the clips.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from jepa_planner import clip_format
from jepa_planner.data.generate import GenerateRequest, generate
from jepa_planner.data.shards import INDEX_NAME
from jepa_planner.results import results_parser, write_results

REPO = Path(__file__).resolve().parents[1]

LEVELS = (1, 2, 3, 4)
WORKERS = (1, 2)
WIDTH, HEIGHT, LENGTH = clip_format.WIDTH, clip_format.HEIGHT, clip_format.FRAMES


def log(message: str) -> None:
    """Print one progress line."""
    print(f"[bench_data] {message}", flush=True)


def machine_info() -> dict[str, Any]:
    """CPU model and count, memory, and the versions that matter here."""
    import manim

    info: dict[str, Any] = {
        "cpu_model": platform.processor() or platform.machine(),
        "cpu_count": os.cpu_count(),
        "cpus_usable": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count(),
        "memory_gb": None,
        "platform": platform.platform(),
        "python": platform.python_version(),
        "manim": manim.__version__,
    }
    for path, prefix, key in (("/proc/cpuinfo", "model name", "cpu_model"), ("/proc/meminfo", "MemTotal", "memory_gb")):
        if not Path(path).exists():
            continue
        for line in Path(path).read_text(encoding="utf-8", errors="replace").splitlines():
            if line.startswith(prefix):
                value = line.split(":", 1)[1].strip()
                info[key] = round(int(value.split()[0]) / 1024**2, 1) if key == "memory_gb" else value
                break
    return info


def vm_hwm_mb() -> float:
    """This process's peak resident memory (``VmHWM``) in MiB."""
    for line in Path("/proc/self/status").read_text(encoding="utf-8").splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def cpu_seconds() -> float:
    """User + system CPU seconds of this process and of its reaped children so far."""
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def reset(out: Path) -> None:
    """Delete a dataset's shards and index, keeping its cache, so the next run generates everything again."""
    (out / INDEX_NAME).unlink(missing_ok=True)
    for shard in out.glob("shard-*.tar"):
        shard.unlink()


def startup_model(short_n: int, short: list[float], n: int, full: list[float]) -> dict[str, float | None]:
    """Medians of the steady rate and the start-up that solve ``seconds = start-up + clips / rate`` for each pair.

    The solution takes the short run's clips to cost what the full run's clips cost on average, which only holds
    when the full run is much longer (clips differ in cost by several times), so it is None below ten times the
    short run's clips, and where no pair gives a rate.
    """
    rates, startups = [], []
    for brief, whole in zip(short, full, strict=True):
        if n >= 10 * short_n and whole > brief:
            rate = (n - short_n) / (whole - brief)
            rates.append(rate)
            startups.append(brief - short_n / rate)
    if not rates:
        return {"steady_clips_per_s": None, "startup_s": None}
    return {"steady_clips_per_s": statistics.median(rates), "startup_s": statistics.median(startups)}


def child(spec: dict[str, Any]) -> dict[str, Any]:
    """One (level, workers) measurement, run in its own process (see the module docstring)."""
    import manim  # noqa: F401  (imported before forking, as explained above)

    level, workers, n = int(spec["level"]), int(spec["workers"]), int(spec["n"])
    with tempfile.TemporaryDirectory(prefix="bench_data-") as tmp:
        out = Path(tmp) / "data"

        def run(clips: int) -> tuple[float, float]:
            reset(out)
            request = GenerateRequest(
                out=out,
                level=level,
                n=clips,
                seed=int(spec["seed"]),
                width=WIDTH,
                height=HEIGHT,
                length=LENGTH,
                workers=workers,
            )
            start, cpu = time.perf_counter(), cpu_seconds()
            generate(request, progress=False)
            return time.perf_counter() - start, cpu_seconds() - cpu

        warmup_s = run(int(spec["warmup"]))[0]
        short_n = int(spec["short"])
        short, timed = [], []
        for _ in range(int(spec["repeats"])):
            short.append(run(short_n)[0])
            timed.append(run(n))
        runs = [seconds for seconds, _ in timed]
        shard_bytes = sum(path.stat().st_size for path in out.glob("shard-*.tar"))
    children_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return {
        "level": level,
        "workers": workers,
        "clips": n,
        "warmup_clips": int(spec["warmup"]),
        "warmup_s": warmup_s,
        "short_clips": short_n,
        "short_runs_s": short,
        "runs_s": runs,
        "clips_per_s": statistics.median(n / seconds for seconds in runs),
        **startup_model(short_n, short, n, runs),
        "cpu_ms_per_clip": statistics.median(1000 * cpu / n for _, cpu in timed),
        "worker_peak_rss_mb": vm_hwm_mb() if workers == 1 else children_mb,
        "parent_peak_rss_mb": vm_hwm_mb(),
        "bytes_per_clip": shard_bytes / n,
        "load_average_1min": os.getloadavg()[0],
    }


def measure(spec: dict[str, Any]) -> dict[str, Any]:
    """Run ``child(spec)`` in a fresh interpreter and return its result."""
    with tempfile.TemporaryDirectory(prefix="bench_data-result-") as tmp:
        result = Path(tmp) / "result.json"
        command = [sys.executable, "-m", "experiments.bench_data", "--child", json.dumps(spec), "--result", str(result)]
        done = subprocess.run(command, cwd=REPO, capture_output=True, text=True, check=False, timeout=1800)
        if done.returncode != 0:
            raise RuntimeError(f"measurement {spec} failed ({done.returncode}):\n{done.stderr[-3000:]}")
        measured: dict[str, Any] = json.loads(result.read_text(encoding="utf-8"))
        return measured


def markdown(results: dict[str, Any]) -> str:
    """A Markdown report: the command, the machine, one table of medians and the 2-worker speed-ups."""
    machine, settings = results["machine"], results["settings"]
    rows = []
    for row in results["runs"]:
        runs = ", ".join(f"{seconds:.2f}" for seconds in row["runs_s"])
        steady = "n/a" if row["steady_clips_per_s"] is None else f"{row['steady_clips_per_s']:.1f}"
        startup = "n/a" if row["startup_s"] is None else f"{1000 * row['startup_s']:.0f}"
        ceiling = 1000 * min(row["workers"], machine["cpus_usable"]) / row["cpu_ms_per_clip"]
        rows.append(
            f"| L{row['level']} | {row['workers']} | {row['clips']} | {row['clips_per_s']:.1f} | "
            f"{steady} | {startup} | {row['cpu_ms_per_clip']:.1f} | {ceiling:.0f} | "
            f"{runs} | {row['worker_peak_rss_mb']:.0f} | {row['bytes_per_clip'] / 1024:.1f} | "
            f"{row['load_average_1min']:.1f} |"
        )
    speedups = []
    for level in settings["levels"]:
        by_workers = {row["workers"]: row for row in results["runs"] if row["level"] == level}
        if 1 in by_workers and 2 in by_workers:
            ratio = by_workers[2]["clips_per_s"] / by_workers[1]["clips_per_s"]
            speedups.append(f"L{level} {ratio:.2f}×")
    lines = [
        "# Data generation benchmark",
        "",
        f"Command: `{settings['command']}`",
        "",
        f"Machine: {machine['cpu_model']} ({machine['cpu_count']} CPUs, {machine['cpus_usable']} usable, "
        f"{machine['memory_gb']} GB), Python {machine['python']}, Manim {machine['manim']}, {machine['platform']}.",
        "",
        f"Clips of {settings['length']} frames at {settings['width']}x{settings['height']}, seed {settings['seed']}. "
        f"Each row is a fresh process: one untimed warm-up of {settings['warmup']} clips, then the median of "
        f"{settings['repeats']} timed `generate()` runs (worker start-up and shard writing included), each after a "
        f"short run of {settings['n_short']} clips.",
        "",
        "| level | workers | clips | clips/s (median) | steady clips/s | start-up (ms) | CPU ms/clip "
        "| CPU ceiling (clips/s) | runs (s) | peak RSS per worker (MiB) | KiB/clip | load |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
        *rows,
        "",
        f"Speed-up of 2 workers over 1: {', '.join(speedups) or 'n/a'}.",
        "",
        "*clips/s* is whole runs, start-up included. *steady clips/s* and *start-up* solve "
        "`seconds = start-up + clips / steady rate` from each pair of a short and a full run: start-up is the fixed "
        "cost of one `generate()` call beyond its clips (loading the curriculum, forking the workers, warming their "
        "caches, closing the pool). Both are noisier than the full-run figures, and n/a where the full run has fewer "
        "than ten times the short run's clips (the short run's clips are then not a fair sample of the full run's). "
        "Peak RSS with 2 workers is the largest forked child's, which counts the pages it shares with its parent. "
        "*CPU ms/clip* is user + system time of the generating process and its workers, all processes "
        "together. *CPU ceiling* is what that CPU time allows when the row's workers have the cores to themselves "
        "(1000 x min(workers, usable CPUs) / CPU ms per clip): an estimate, not a measurement. "
        "*load* is the machine's 1-minute load average when the row finished: above the CPU count, "
        "other processes were competing for the cores, and clips/s is lower than the machine can do alone "
        "(CPU ms/clip is much less affected).",
        "",
    ]
    return "\n".join(lines)


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    """Command-line options."""
    parser = results_parser(__doc__, REPO / "experiments" / "results" / "bench_data")
    parser.add_argument("--repeats", type=int, default=3, help="timed runs per row (median reported)")
    parser.add_argument("--warmup", type=int, default=16, help="clips of the untimed warm-up run")
    parser.add_argument("--n-simple", type=int, default=1000, help="clips per run at levels 1 and 2")
    parser.add_argument("--n-rich", type=int, default=60, help="clips per run at levels 3 and 4")
    parser.add_argument("--n-short", type=int, default=16, help="clips of the short run that measures start-up")
    parser.add_argument("--levels", default="1,2,3,4", help="comma-separated levels")
    parser.add_argument("--workers", default="1,2", help="comma-separated worker counts")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--result", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if min(args.repeats, args.warmup, args.n_simple, args.n_rich, args.n_short) < 1:
        parser.error("--repeats, --warmup, --n-simple, --n-rich and --n-short must be at least 1")
    return args


def main(argv: Sequence[str] | None = None) -> dict[str, Any]:
    """Run the benchmark, write ``<out>.json`` and ``<out>.md``, and return the results."""
    args = parse_args(argv)
    if args.child:
        measured = child(json.loads(args.child))
        Path(args.result).write_text(json.dumps(measured), encoding="utf-8")
        return measured
    levels = [int(level) for level in args.levels.split(",")]
    workers = [int(count) for count in args.workers.split(",")]
    command = "python -m experiments.bench_data " + " ".join(argv if argv is not None else sys.argv[1:])
    results: dict[str, Any] = {
        "machine": machine_info(),
        "settings": {
            "command": command.strip(),
            "repeats": args.repeats,
            "warmup": args.warmup,
            "levels": levels,
            "workers": workers,
            "n_simple": args.n_simple,
            "n_rich": args.n_rich,
            "n_short": args.n_short,
            "seed": args.seed,
            "width": WIDTH,
            "height": HEIGHT,
            "length": LENGTH,
        },
        "runs": [],
    }
    for level in levels:
        for count in workers:
            n = args.n_simple if level <= 2 else args.n_rich
            log(f"L{level}, {count} worker(s): {args.repeats} x {n} clips")
            short = max(1, min(args.n_short, n - 1))
            spec = {
                "level": level,
                "workers": count,
                "n": n,
                "repeats": args.repeats,
                "warmup": args.warmup,
                "short": short,
                "seed": args.seed,
            }
            row = measure(spec)
            results["runs"].append(row)
            log(
                f"  {row['clips_per_s']:.1f} clips/s, {row['cpu_ms_per_clip']:.1f} CPU ms/clip, "
                f"worker peak {row['worker_peak_rss_mb']:.0f} MiB, load {row['load_average_1min']:.1f}"
            )
    json_path, md_path = write_results(args.out, results, markdown(results))
    log(f"wrote {json_path} and {md_path}")
    return results


if __name__ == "__main__":
    main()
