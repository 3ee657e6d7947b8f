"""Benchmark the codegen path: compile throughput, in-process rendering, and ``manim -ql`` as a subprocess.

Run it from the repository root::

    .venv/bin/python -m experiments.bench_codegen --out experiments/results/bench_codegen

It writes ``<out>.json`` (every run's timing, the medians and the machine) and ``<out>.md`` (a Markdown table).
The scenes are the golden test cases (``tests/codegen/golden_cases.py``) plus ``experiments/examples/demo.mscene``.

Stages, each timed over ``--repeats`` runs and quoted as the median:

1. parse + check + compile of every scene, in scenes per second (no rendering), after one warm-up pass;
2. in-process ``render_frames`` at 64×36 and at 128×72, in clips per second, of the scenes that play or wait
   (a scene that only adds objects is one frame), each at the frame rate that gives it about ``--frames`` (16)
   frames, after one untimed pass that warms the TeX, Pango and font caches;
3. a few scenes rendered by ``manim -ql <file.py> <Scene> --disable_caching`` in a subprocess with its own media
   dir (also after one warm-up run), in seconds per clip. The same scenes are rendered in-process in the same
   run at ``--fps`` (15, the rate of ``-ql``, so both make the same frames) at 64×36, 128×72 and 854×480, and
   the speed-up ratios compare those with the subprocess.
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from codegen.compiler import compile_scene
from codegen.render import render_frames
from dsl import ir
from dsl.checks import check
from dsl.parser import parse
from jepa_planner.results import results_parser, write_results
from tests.codegen.golden_cases import CASES

REPO = Path(__file__).resolve().parents[1]

DEMO = REPO / "experiments" / "examples" / "demo.mscene"
#: In-process resolutions for the throughput stage, as (width, height).
RESOLUTIONS: tuple[tuple[int, int], ...] = ((64, 36), (128, 72))
#: The resolution of ``manim -ql``, rendered in-process too for a like-for-like ratio.
QL_RESOLUTION = (854, 480)
#: Scenes rendered by the subprocess by default: the demo, then one case each of text, TeX, plots and animation.
DEFAULT_SUBPROCESS_SCENES = ("demo", "obj_text", "obj_math_tex", "obj_plot", "anim_create", "step_lagged_start")


def log(message: str) -> None:
    """Print one progress line."""
    print(f"[bench_codegen] {message}", flush=True)


def load_scenes(max_scenes: int | None = None) -> dict[str, str]:
    """The benchmark's scenes by name: the demo first, then the golden cases, cut to ``max_scenes``."""
    texts = {"demo": DEMO.read_text(encoding="utf-8"), **CASES}
    names = list(texts)[: max_scenes if max_scenes is not None else len(texts)]
    return {name: texts[name] for name in names}


def machine_info() -> dict[str, Any]:
    """CPU, Python and Manim versions of this machine."""
    import manim

    cpu_model = platform.processor()
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        for line in cpuinfo.read_text(encoding="utf-8", errors="replace").splitlines():
            if line.startswith("model name"):
                cpu_model = line.split(":", 1)[1].strip()
                break
    return {
        "cpu_count": os.cpu_count(),
        "cpus_usable": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count(),
        "cpu_model": cpu_model,
        "platform": platform.platform(),
        "python": platform.python_version(),
        "manim": manim.__version__,
    }


def timed_runs(run: Callable[[], object], repeats: int) -> list[float]:
    """Wall-clock seconds of ``repeats`` calls of ``run``."""
    seconds: list[float] = []
    for _ in range(repeats):
        start = time.perf_counter()
        run()
        seconds.append(time.perf_counter() - start)
    return seconds


def compile_all(texts: Sequence[str]) -> list[str]:
    """Parse, check and compile each text; fail loudly on any scene that does not pass the checks."""
    sources: list[str] = []
    for text in texts:
        scene = parse(text)
        errors = check(scene)
        assert not errors, f"benchmark scene fails the checks: {errors[0]}"
        sources.append(compile_scene(scene))
    return sources


def bench_compile(texts: dict[str, str], repeats: int) -> dict[str, Any]:
    """Stage 1: parse + check + compile throughput, in scenes per second, after one warm-up pass."""
    compile_all(list(texts.values()))  # builds the LALR parser table once, as any long-lived process would
    runs = timed_runs(lambda: compile_all(list(texts.values())), repeats)
    rates = [len(texts) / seconds for seconds in runs]
    return {"scenes": len(texts), "runs_s": runs, "scenes_per_s": statistics.median(rates)}


def is_animated(scene: ir.Scene) -> bool:
    """Whether the scene plays or waits, so that it renders to more than one frame."""
    return any(isinstance(step, ir.Play | ir.Wait) for step in scene.timeline)


def clip_fps(scene: ir.Scene, frames: int, media_dir: str) -> float:
    """The frame rate that gives ``scene`` about ``frames`` frames, from one probe render at 10 fps."""
    probe_fps = 10.0
    duration = len(render_frames(scene, 64, 36, probe_fps, media_dir=media_dir)) / probe_fps
    return frames / duration


def render_all(clips: Sequence[tuple[ir.Scene, float]], width: int, height: int, media_dir: str) -> int:
    """Render every (scene, fps) clip in-process; return the total number of frames."""
    return sum(len(render_frames(scene, width, height, fps, media_dir=media_dir)) for scene, fps in clips)


def bench_inprocess(
    clips: Sequence[tuple[ir.Scene, float]], width: int, height: int, repeats: int, media_dir: str
) -> dict[str, Any]:
    """In-process rendering of (scene, fps) clips at one resolution, after one untimed warm-up pass."""
    frames = render_all(clips, width, height, media_dir)
    runs = timed_runs(lambda: render_all(clips, width, height, media_dir), repeats)
    return {
        "width": width,
        "height": height,
        "clips": len(clips),
        "mean_frames_per_clip": frames / len(clips),
        "runs_s": runs,
        "clips_per_s": statistics.median(len(clips) / seconds for seconds in runs),
        "s_per_clip": statistics.median(seconds / len(clips) for seconds in runs),
    }


def render_stage(
    texts: dict[str, str], frames: int, repeats: int, media_dir: str, settings: dict[str, Any]
) -> dict[str, Any]:
    """Stage 2: in-process clips/s at each of ``RESOLUTIONS``; records each clip's frame rate in ``settings``."""
    scenes = {name: parse(text) for name, text in texts.items()}
    animated = {name: scene for name, scene in scenes.items() if is_animated(scene)} or scenes
    fps = {name: clip_fps(scene, frames, media_dir) for name, scene in animated.items()}
    settings["clip_fps"] = fps
    clips = [(scene, fps[name]) for name, scene in animated.items()]
    stages: dict[str, Any] = {}
    for width, height in RESOLUTIONS:
        log(f"stage 2/3: in-process render of {len(clips)} animated scenes at {width}x{height}")
        stage = bench_inprocess(clips, width, height, repeats, media_dir)
        stages[f"{width}x{height}"] = stage
        log(f"  {stage['clips_per_s']:.1f} clips/s ({stage['mean_frames_per_clip']:.1f} frames/clip)")
    return stages


def manim_command(manim: str, path: Path, scene_name: str, media_dir: Path) -> list[str]:
    """The ``manim -ql`` command line for one compiled file."""
    return [
        manim, "-ql", "--disable_caching", "--media_dir", str(media_dir), "--progress_bar", "none",
        "-v", "WARNING", str(path), scene_name,
    ]  # fmt: skip


def run_manim_all(commands: Sequence[list[str]], cwd: Path) -> None:
    """Run each ``manim`` command in turn; raise with its output when one fails."""
    for command in commands:
        done = subprocess.run(command, cwd=cwd, capture_output=True, text=True, check=False, timeout=300)
        if done.returncode != 0:
            raise RuntimeError(f"{' '.join(command)} failed ({done.returncode}):\n{done.stderr[-2000:]}")


def bench_subprocess(
    texts: dict[str, str], fps: float, repeats: int, manim: str, workdir: Path, inprocess_media: str
) -> dict[str, Any]:
    """Stage 3: ``manim -ql`` per clip against in-process rendering of the same scenes, in one run."""
    source_dir, media_dir = workdir / "sources", workdir / "manim-media"
    source_dir.mkdir()
    scenes = [parse(text) for text in texts.values()]
    commands: list[list[str]] = []
    for name, scene in zip(texts, scenes, strict=True):
        path = source_dir / f"{name}.py"
        path.write_text(compile_scene(scene), encoding="utf-8")
        commands.append(manim_command(manim, path, scene.name, media_dir))
    run_manim_all(commands, source_dir)  # warm-up: TeX and Pango caches in the subprocess's own media dir
    runs = timed_runs(lambda: run_manim_all(commands, source_dir), repeats)
    s_per_clip = statistics.median(seconds / len(scenes) for seconds in runs)
    inprocess: dict[str, Any] = {}
    speedup: dict[str, float] = {}
    for width, height in (*RESOLUTIONS, QL_RESOLUTION):
        key = f"{width}x{height}"
        log(f"  in-process on the same {len(scenes)} scenes at {key}")
        inprocess[key] = bench_inprocess([(scene, fps) for scene in scenes], width, height, repeats, inprocess_media)
        speedup[key] = s_per_clip / inprocess[key]["s_per_clip"]
    return {
        "scenes": list(texts),
        "fps": fps,
        "command": " ".join(manim_command("manim", Path("<scene>.py"), "<Scene>", Path("<media>"))),
        "runs_s": runs,
        "s_per_clip": s_per_clip,
        "inprocess_same_scenes": inprocess,
        "speedup_inprocess_vs_subprocess": speedup,
    }


def markdown(results: dict[str, Any]) -> str:
    """A Markdown report: the command, the machine, and one table of medians."""
    machine, settings = results["machine"], results["settings"]
    compiled = results["compile"]
    rows = [
        ("parse + check + compile", compiled["scenes"], f"{compiled['scenes_per_s']:.0f} scenes/s"),
    ]
    for key, stage in results["inprocess"].items():
        label = f"in-process `render_frames` {key}, {stage['mean_frames_per_clip']:.1f} frames/clip"
        rows.append((label, stage["clips"], f"{stage['clips_per_s']:.1f} clips/s"))
    sub = results["subprocess"]
    if sub is not None:
        rows.append(("`manim -ql` subprocess (854x480, mp4)", len(sub["scenes"]), f"{sub['s_per_clip']:.2f} s/clip"))
        for key, stage in sub["inprocess_same_scenes"].items():
            ratio = sub["speedup_inprocess_vs_subprocess"][key]
            label = f"in-process {key} @ {sub['fps']:g} fps, same scenes"
            value = f"{stage['s_per_clip']:.3f} s/clip ({ratio:.1f}× faster than the subprocess)"
            rows.append((label, len(sub["scenes"]), value))
    lines = [
        "# Codegen benchmark",
        "",
        f"Command: `{settings['command']}`",
        "",
        f"Machine: {machine['cpu_model']} ({machine['cpu_count']} CPUs, {machine['cpus_usable']} usable), "
        f"Python {machine['python']}, Manim {machine['manim']}, {machine['platform']}.",
        "",
        f"Medians over {settings['repeats']} timed runs, each after one untimed warm-up pass.",
        "",
        "| stage | scenes | median |",
        "|---|---:|---:|",
        *(f"| {stage} | {count} | {value} |" for stage, count, value in rows),
        "",
    ]
    if sub is not None:
        lines += [
            f"Subprocess scenes: {', '.join(sub['scenes'])}. Each subprocess pays for starting Python, importing "
            "Manim and writing an mp4; the 854x480 in-process row isolates that cost from the resolution.",
            "",
        ]
    return "\n".join(lines)


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    """Command-line options."""
    parser = results_parser(__doc__, REPO / "experiments" / "results" / "bench_codegen")
    parser.add_argument("--repeats", type=int, default=3, help="timed runs per stage (median reported)")
    parser.add_argument("--frames", type=int, default=16, help="frames per clip in the in-process render stage")
    parser.add_argument(
        "--fps",
        type=float,
        default=15.0,
        help="frame rate of the in-process renders compared with the subprocess (-ql uses 15)",
    )
    parser.add_argument("--max-scenes", type=int, default=None, help="use only the first N scenes (demo first)")
    parser.add_argument(
        "--subprocess-scenes",
        default=",".join(DEFAULT_SUBPROCESS_SCENES),
        help="comma-separated scene names for the manim subprocess stage",
    )
    parser.add_argument("--skip-subprocess", action="store_true", help="skip the manim subprocess stage")
    parser.add_argument("--manim", default=None, help="manim executable (default: next to this Python)")
    args = parser.parse_args(argv)
    if args.repeats < 1:
        parser.error("--repeats must be at least 1")
    return args


def find_manim(explicit: str | None) -> str:
    """The ``manim`` executable: the one given, the one beside this interpreter, or the one on PATH."""
    if explicit:
        return explicit
    beside = Path(sys.executable).parent / "manim"
    found = str(beside) if beside.exists() else shutil.which("manim")
    if found is None:
        raise FileNotFoundError("no manim executable found; pass --manim or use --skip-subprocess")
    return found


def main(argv: Sequence[str] | None = None) -> dict[str, Any]:
    """Run the benchmark, write ``<out>.json`` and ``<out>.md``, and return the results."""
    args = parse_args(argv)
    texts = load_scenes(args.max_scenes)
    command = "python -m experiments.bench_codegen " + " ".join(argv if argv is not None else sys.argv[1:])
    results: dict[str, Any] = {
        "machine": machine_info(),
        "settings": {
            "command": command.strip(),
            "repeats": args.repeats,
            "frames_per_clip": args.frames,
            "subprocess_fps": args.fps,
            "scenes": list(texts),
        },
    }
    log(f"{len(texts)} scenes, {args.repeats} repeats")
    with tempfile.TemporaryDirectory(prefix="bench_codegen-") as tmp:
        workdir = Path(tmp)
        inprocess_media = str(workdir / "inprocess-media")

        log("stage 1/3: parse + check + compile")
        results["compile"] = bench_compile(texts, args.repeats)
        log(f"  {results['compile']['scenes_per_s']:.0f} scenes/s")

        results["inprocess"] = render_stage(texts, args.frames, args.repeats, inprocess_media, results["settings"])

        chosen = {name: texts[name] for name in args.subprocess_scenes.split(",") if name in texts}
        if args.skip_subprocess or not chosen:
            log("stage 3/3: manim subprocess skipped")
            results["subprocess"] = None
        else:
            log(f"stage 3/3: manim -ql subprocess on {len(chosen)} scenes")
            sub = bench_subprocess(chosen, args.fps, args.repeats, find_manim(args.manim), workdir, inprocess_media)
            results["subprocess"] = sub
            speedups = ", ".join(f"{k}: {v:.1f}x" for k, v in sub["speedup_inprocess_vs_subprocess"].items())
            log(f"  {sub['s_per_clip']:.2f} s/clip; in-process speed-up {speedups}")

    json_path, md_path = write_results(args.out, results, markdown(results))
    log(f"wrote {json_path} and {md_path}")
    return results


if __name__ == "__main__":
    main()
