"""The harness's report: figures per run and curriculum level, as JSON, Markdown tables and bar charts.

``summarise`` turns every run's per-clip results into one JSON-ready dict (NaN becomes null); ``write_report``
writes it as ``metrics.json``, ``metrics.md`` and ``metrics.png``, each atomically. The plot needs matplotlib;
without it the PNG is skipped and ``metrics.md`` says so.
"""

from __future__ import annotations

import json
import math
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

import numpy as np

from codegen.media import atomic_path, write_text
from jepa_planner.evaluation.scoring import PairScore, aggregate

REPORT_FILES: Final = ("metrics.json", "metrics.md", "metrics.png")
#: Columns of each Markdown table: figure key and title. Validity and F1-like figures are shares (0 to 1).
COLUMNS: Final = (
    ("parsed", "parsed"), ("checked", "checked"), ("compiled", "compiled"), ("valid", "valid"),
    ("l1.exact_match", "exact"), ("l1.exact_match_names", "exact*"), ("l1.object_f1", "obj F1"),
    ("l1.relation_f1", "rel F1"),
    ("l1.step_accuracy", "step acc"), ("l1.step_edit_distance", "step edit"), ("l1.ged", "GED"),
    ("l2.f1", "log F1"), ("l3.dice", "Dice"), ("l3.colour_dice", "colour Dice"), ("l3.ssim", "SSIM"),
    ("l3.fg_iou", "fg IoU"), ("l3.temporal", "temporal"),
    ("l3.latent_l1", "z L1"), ("layout.overlap_rate", "overlap"), ("layout.off_frame_rate", "off-frame"),
    ("latency.median", "p50 s"),
)  # fmt: skip
#: The figures drawn as bar charts, one panel each.
HEADLINE: Final = (
    ("valid", "L0 validity"), ("l1.object_f1", "L1 object F1"), ("l1.step_accuracy", "L1 step accuracy"),
    ("l2.f1", "L2 render-log F1"), ("l3.dice", "L3 tolerant Dice"), ("l3.temporal", "L3 temporal"),
)  # fmt: skip
#: Failure messages kept per run, most frequent first.
TOP_ERRORS: Final = 10


@dataclass(frozen=True)
class ClipResult:
    """One run's prediction for one clip, its latency in seconds and its score.

    ``error`` is set when the method itself raised (it then predicted nothing).
    """

    directory: str
    key: str
    level: int
    text: str
    latency: float
    score: PairScore
    error: str | None = None


def figures(results: Sequence[ClipResult]) -> dict[str, float]:
    """``scoring.aggregate`` of the scores, plus latency percentiles, layout rates and method failures.

    ``layout.overlap_rate`` and ``layout.off_frame_rate`` are the shares of *rendered* predictions with at least one
    overlapping pair or one object off the frame; ``latency.*`` are seconds per clip.
    """
    row = aggregate([r.score for r in results])
    latencies = np.array([r.latency for r in results])
    row["latency.median"] = float(np.median(latencies))
    row["latency.mean"] = float(latencies.mean())
    row["latency.p90"] = float(np.percentile(latencies, 90))
    rendered = [r.score for r in results if r.score.rendered]
    row["layout.overlap_rate"] = float(np.mean([s.overlaps > 0 for s in rendered])) if rendered else math.nan
    row["layout.off_frame_rate"] = float(np.mean([s.off_frame > 0 for s in rendered])) if rendered else math.nan
    row["predict_failed"] = float(np.mean([r.error is not None for r in results]))
    return row


def jsonable(value: Any) -> Any:
    """``value`` with every NaN or infinity replaced by None, so that it is strict JSON."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, Mapping):
        return {key: jsonable(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(item) for item in value]
    return value


def summarise(
    results: Mapping[str, Sequence[ClipResult]], settings: Mapping[str, Any], *, setup: Mapping[str, float]
) -> dict[str, Any]:
    """The harness's result: settings, clip counts, figures per run and level, failures, and per-clip rows."""
    any_run = next(iter(results.values()))
    levels = sorted({r.level for r in any_run})
    runs: dict[str, Any] = {}
    for run, rows in results.items():
        planner, _, method = run.partition("/")
        per_level = {"all": figures(rows)}
        per_level.update({f"L{level}": figures([r for r in rows if r.level == level]) for level in levels})
        failures = Counter(r.error or r.score.error for r in rows if r.error or not r.score.valid)
        runs[run] = {
            "planner": planner,
            "method": method,
            "setup_s": setup.get(run, 0.0),
            "levels": per_level,
            "errors": dict(failures.most_common(TOP_ERRORS)),
        }
    per_clip = [
        {
            "run": run, "directory": r.directory, "key": r.key, "level": r.level, "latency_s": r.latency,
            "valid": r.score.valid, "error": r.error or r.score.error, "exact_match": r.score.symbolic["exact_match"],
            "object_f1": r.score.symbolic["object_f1"], "ssim": r.score.visual["ssim"], "text": r.text,
        }
        for run, rows in results.items()
        for r in rows
    ]  # fmt: skip
    counts = Counter(r.level for r in any_run)
    summary: dict[str, Any] = jsonable(
        {
            "settings": dict(settings),
            "clips": {"total": len(any_run), **{f"L{level}": counts[level] for level in levels}},
            "runs": runs,
            "per_clip": per_clip,
        }
    )
    return summary


def _cell(key: str, value: float | None) -> str:
    if value is None:
        return "–"
    if key.startswith("latency."):
        return f"{value:.3f}"
    return f"{value:.2f}" if key in ("l1.step_edit_distance", "l1.ged") else f"{value:.3f}"


def level_table(summary: Mapping[str, Any], level: str) -> list[str]:
    """One Markdown table: a row per run, a column per ``COLUMNS`` entry."""
    header = "| run | n | " + " | ".join(title for _, title in COLUMNS) + " |"
    rule = "|---|---:|" + "---:|" * len(COLUMNS)
    lines = [header, rule]
    for run, figures_of in summary["runs"].items():
        row = figures_of["levels"][level]
        cells = " | ".join(_cell(key, row.get(key)) for key, _ in COLUMNS)
        lines.append(f"| {run} | {int(row['n'])} | {cells} |")
    return lines


def markdown(summary: Mapping[str, Any], *, plotted: bool = True) -> str:
    """``metrics.md``: the settings, a table per level (all levels first), and the most frequent failures."""
    settings = summary["settings"]
    lines = [
        f"# Evaluation on the {settings['split']} split ({summary['clips']['total']} clips)",
        "",
        f"- data: {', '.join(settings['data_dirs'])} "
        + (f"(at most {settings['limit']} clips from each)" if settings["limit"] else "(every clip)"),
        f"- planners: {', '.join(f'{k} = `{v}`' for k, v in settings['planners'].items())}",
        f"- methods: {', '.join(settings['methods'])}; refine k = {settings['refine']}, seed {settings['seed']}",
        "- columns: L0 validity rates (parsed, checked, compiled, valid = rendered); L1 exact match, exact match up "
        "to object names and declaration order (exact*), object F1, "
        "relation F1, step accuracy, step edit distance, graph edit distance; L2 render-log F1; L3 SSIM, foreground "
        "IoU, temporal score, z L1: JEPA-latent L1 distance of the two clips, measured with "
        f"{settings.get('latent', 'the planner encoder')} (rendered predictions only; our own "
        "yardstick, lower is closer); layout: share of rendered predictions with an overlap or an object off the "
        "frame; p50 s: median seconds to predict one clip.",
        "",
    ]
    if not plotted:
        lines += ["(metrics.png was not drawn: matplotlib is not installed.)", ""]
    levels = [key for key in summary["clips"] if key != "total"]
    for level in ["all", *levels]:
        title = "All levels" if level == "all" else f"Level {level[1:]}"
        count = summary["clips"]["total" if level == "all" else level]
        lines += [f"## {title} ({count} clips)", "", *level_table(summary, level), ""]
    lines += ["## Most frequent failures", ""]
    for run, figures_of in summary["runs"].items():
        errors = figures_of["errors"]
        lines.append(
            f"- **{run}**: "
            + ("none" if not errors else "; ".join(f"{count} × `{message}`" for message, count in errors.items()))
        )
    return "\n".join(lines) + "\n"


def plot(summary: Mapping[str, Any], path: Path) -> bool:
    """Bar charts of the ``HEADLINE`` figures per level, one bar per run; False when matplotlib is missing."""
    try:
        from matplotlib.figure import Figure
    except ImportError:
        return False
    runs = list(summary["runs"])
    levels = ["all", *(key for key in summary["clips"] if key != "total")]
    figure = Figure(figsize=(4.0 * 3, 3.0 * 2), layout="constrained")
    axes = figure.subplots(2, 3, squeeze=False).flatten()
    width = 0.8 / len(runs)
    positions = np.arange(len(levels))
    for axis, (key, title) in zip(axes, HEADLINE, strict=True):
        for i, run in enumerate(runs):
            values = [summary["runs"][run]["levels"][level].get(key) for level in levels]
            heights = [math.nan if v is None else v for v in values]
            axis.bar(positions + (i - (len(runs) - 1) / 2) * width, heights, width, label=run)
        axis.set_title(title)
        axis.set_xticks(positions, levels)
        axis.set_ylim(0.0, 1.05)
    handles, names = axes[0].get_legend_handles_labels()
    figure.legend(handles, names, loc="outside lower center", ncols=min(len(runs), 4), fontsize="small")
    with atomic_path(path) as temp:
        figure.savefig(temp, format="png", dpi=100)
    return True


def write_report(out_dir: Path, summary: Mapping[str, Any]) -> list[Path]:
    """Write ``metrics.json``, ``metrics.png`` (when matplotlib is there) and ``metrics.md``; returns the paths."""
    json_path, md_path, png_path = (out_dir / name for name in REPORT_FILES)
    write_text(json_path, json.dumps(summary, indent=2, allow_nan=False) + "\n")
    plotted = plot(summary, png_path)
    write_text(md_path, markdown(summary, plotted=plotted))
    return [json_path, md_path, *([png_path] if plotted else [])]
