"""Benchmark the planner's pixel fidelity: does the plan's render look like the clip? (issue 13's goals)

Run it from the repository root::

    .venv/bin/python -m experiments.bench_fidelity --per-level 8 --out experiments/results/bench_fidelity

In distribution, ``--per-level`` scenes per curriculum level L1-L4 are drawn with the sampler under ``--seed``
(training used seed 0) and rendered at 320x180, 15 fps, as the true clips. The wild set is every clip that
``experiments/wild/render.py`` rendered (``experiments/wild/clips/480p``; for measuring only). Each clip is
planned by every method, measured in this one run:

- ``decoder``: the learned decoder of before perception (``plan_with_decoder``, greedy);
- ``fast``, ``default``: perception and fitting at that effort (``plan(Spec(effort=...))``).

Each plan is rendered at 256x144 with the clip's frame count and scored with ``evaluation.fidelity`` (tolerant
Dice, colour-aware Dice, strict IoU on 16 frames at 128x72) and ``evaluation.timing`` (lifespan tIoU and event
F1, from perception of both clips), plus seconds per plan (after one untimed warm-up),
validity (it parsed, passed the checks and rendered) and, in distribution, the object F1 against the true scene
(``dsl.metrics.compare``), and the layout's readability (``evaluation.readability``: statements per object,
the share placed by relations, and how many of the truth's relative placements the plan keeps). Medians are
quoted: the machine is shared. Writes ``OUT.json`` and ``OUT.md``.
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
from tqdm import tqdm

from codegen.render import render_frames
from dsl.metrics import compare
from jepa_planner.data.sampler import SceneSampler
from jepa_planner.evaluation.fidelity import fidelity_scores
from jepa_planner.evaluation.readability import readability
from jepa_planner.evaluation.timing import Timeline, event_counts, event_f1, lifespan_tiou, timeline
from jepa_planner.perception import perceive, read_clip
from jepa_planner.planning.inputs import read_frames
from jepa_planner.planning.plan import SceneGraph, Spec, plan, plan_with_decoder
from jepa_planner.results import write_results

METHODS = ("decoder", "fast", "default")
CLIP_SIZE, CLIP_FPS = (320, 180), 15.0
PREVIEW = (256, 144)
WILD = Path("experiments/wild/clips/480p")


def _planner(method: str) -> Callable[[np.ndarray, float], SceneGraph]:
    def run(frames: np.ndarray, fps: float) -> SceneGraph:
        if method == "decoder":
            return plan_with_decoder(Spec(clip=frames, fps=fps))
        return plan(Spec(clip=frames, fps=fps, effort=method))

    return run


def _score(frames: np.ndarray, fps: float, method: str, seen: Timeline, truth: Any = None) -> dict[str, Any]:
    start = time.perf_counter()
    try:
        graph = _planner(method)(frames, fps)
        seconds = time.perf_counter() - start
        rendered = render_frames(graph.scene, PREVIEW[0], PREVIEW[1], fps)
    except Exception as error:  # noqa: BLE001 - a failure is a measured outcome here
        print(f"{method}: {type(error).__name__}: {error}")
        zero = dict.fromkeys(("dice", "colour_dice", "strict_iou", "lifespan_tiou", "event_f1"), 0.0)
        return {"valid": 0.0, **zero, "seconds": float("nan")}
    planned = timeline(perceive(read_clip(rendered, fps=fps)))
    row = {
        "valid": 1.0,
        **fidelity_scores(frames, rendered),
        "lifespan_tiou": lifespan_tiou(seen, planned),
        "event_f1": event_f1(seen, planned),
        "seconds": seconds,
        "events": {kind: list(c) for kind, c in event_counts(seen, planned).items()},
    }
    if truth is not None:
        row["object_f1"] = compare(graph.scene, truth)["object_f1"]
    layout = readability(graph.scene, truth)
    row |= {"statements": layout.statements, "by_relation": layout.by_relation}
    if layout.truth_statements is not None:
        row |= {
            "truth_statements": layout.truth_statements,
            "relative_truth": float(layout.relative_truth),
            "relative_same": float(layout.relative_same),
        }
    return row


def _clips(levels: list[int], per_level: int, seed: int) -> list[tuple[str, np.ndarray, float, Any]]:
    sampler, clips = SceneSampler(), []
    for level in levels:
        for index in range(per_level):
            scene = sampler.sample(level=level, seed=seed, index=index)
            clips.append((f"L{level}", render_frames(scene, *CLIP_SIZE, CLIP_FPS), CLIP_FPS, scene))
    return clips


def _wild(limit: int | None) -> list[tuple[str, np.ndarray, float, Any]]:
    manifest = WILD.parent / "manifest.json"
    if not manifest.exists():
        return []
    rows = [c for c in json.loads(manifest.read_text())["clips"] if c["size"] == "480p"][:limit]
    return [("wild", read_frames(WILD.parent / c["file"]), float(c["fps"]), None) for c in rows]


def _summary(rows: list[dict[str, Any]]) -> dict[str, dict[str, dict[str, float]]]:
    table: dict[str, dict[str, dict[str, float]]] = {}
    for group in dict.fromkeys(r["group"] for r in rows):
        table[group] = {}
        for method in METHODS:
            mine = [r[method] for r in rows if r["group"] == group]
            keys = [k for k in mine[0] if k not in ("valid", "events")]
            pooled = ("relative_truth", "relative_same")  # counts: summed over the clips, not a median
            keys = [k for k in keys if k not in pooled]
            table[group][method] = {
                "clips": float(len(mine)),
                "valid": float(np.mean([m["valid"] for m in mine])),
                **{k: float(sum(m.get(k, 0.0) for m in mine)) for k in pooled if any(k in m for m in mine)},
                **_event_f1_by_type(mine),
                **{
                    k: float(statistics.median([m[k] for m in mine if k in m and m[k] == m[k]] or [np.nan]))
                    for k in keys
                },
            }
    return table


def _event_f1_by_type(rows: list[dict[str, Any]]) -> dict[str, float]:
    """``f1_<type>``: event F1 of each type, from the pairs and event counts pooled over the clips."""
    pooled: dict[str, np.ndarray] = {}
    for row in rows:
        for kind, counts in row.get("events", {}).items():
            pooled[kind] = pooled.get(kind, np.zeros(3)) + np.array(counts, dtype=float)
    return {f"f1_{kind}": float(2 * m / (a + b)) for kind, (m, a, b) in sorted(pooled.items()) if a + b}


def _markdown(table: dict[str, dict[str, dict[str, float]]], command: str) -> str:
    lines = [
        "# Plan fidelity: the plan's render against the clip",
        "",
        f"Command: `{command}` ({platform.node()}, {platform.processor() or platform.machine()}, 2 cores, shared).",
        "Medians per clip; `valid` is the share of plans that parsed, passed the checks and rendered.",
        "",
        "| set | method | clips | valid | tolerant Dice | colour Dice | strict IoU | lifespan tIoU | event F1 |"
        " object F1 | s / clip |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for group, methods in table.items():
        for method, m in methods.items():
            f1 = f"{m['object_f1']:.2f}" if "object_f1" in m else "-"
            lines.append(
                f"| {group} | {method} | {m['clips']:.0f} | {m['valid']:.2f} | {m['dice']:.3f} | {m['colour_dice']:.3f}"
                f" | {m['strict_iou']:.3f} | {m['lifespan_tiou']:.3f} | {m['event_f1']:.3f} | {f1}"
                f" | {m['seconds']:.2f} |"
            )
    kinds = sorted({k[3:] for methods in table.values() for m in methods.values() for k in m if k.startswith("f1_")})
    lines += [
        "",
        "## Event F1 per type",
        "",
        "Events seen by perception in the clip and in the plan's render, paired by type within two grid frames;",
        "F1 from the pairs pooled over the clips (- where neither has an event of that type).",
        "",
        "| set | method | " + " | ".join(kinds) + " |",
        "|---|---|" + "---:|" * len(kinds),
    ]
    for group, methods in table.items():
        for method, m in methods.items():
            cells = " | ".join(f"{m[f'f1_{k}']:.2f}" if f"f1_{k}" in m else "-" for k in kinds)
            lines.append(f"| {group} | {method} | {cells} |")
    lines += [
        "",
        "## Layout readability (issue 15)",
        "",
        "Statements: layout statements per object (median per clip). By relation: the share of objects not placed by",
        "an absolute `move_to` (median per clip). Relative kept: of the true objects placed relative to another",
        "object (`next_to`, `align_to`), the share the plan places relative to the same object, pooled over clips.",
        "",
        "| set | method | statements (plan) | statements (truth) | by relation | relative kept |",
        "|---|---|---:|---:|---:|---:|",
    ]
    for group, methods in table.items():
        for method, m in methods.items():
            truth = f"{m['truth_statements']:.2f}" if "truth_statements" in m else "-"
            kept = (
                f"{m['relative_same']:.0f}/{m['relative_truth']:.0f} = {m['relative_same'] / m['relative_truth']:.2f}"
                if m.get("relative_truth")
                else "-"
            )
            lines.append(f"| {group} | {method} | {m['statements']:.2f} | {truth} | {m['by_relation']:.2f} | {kept} |")
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--per-level", type=int, default=8)
    parser.add_argument("--levels", type=int, nargs="+", default=[1, 2, 3, 4])
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--wild-limit", type=int, default=None)
    parser.add_argument("--out", default="experiments/results/bench_fidelity")
    args = parser.parse_args()
    clips = _clips(args.levels, args.per_level, args.seed) + _wild(args.wild_limit)
    first = timeline(perceive(read_clip(clips[0][1], fps=clips[0][2])))
    for method in METHODS:  # warm-up: imports, Pango, LaTeX
        _score(clips[0][1], clips[0][2], method, first)
    rows = []
    for group, frames, fps, truth in tqdm(clips, desc="plans", unit="clip"):
        seen = timeline(perceive(read_clip(frames, fps=fps)))
        rows.append({"group": group, **{m: _score(frames, fps, m, seen, truth) for m in METHODS}})
    table = _summary(rows)
    command = "python -m experiments.bench_fidelity " + " ".join(
        f"--{k.replace('_', '-')} {' '.join(map(str, v)) if isinstance(v, list) else v}"
        for k, v in vars(args).items()
        if v is not None
    )
    paths = write_results(args.out, {"command": command, "summary": table, "clips": rows}, _markdown(table, command))
    print("wrote", *paths)


if __name__ == "__main__":
    main()
