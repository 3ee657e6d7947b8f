"""The ``jepa-planner`` command line.

``data gen|stats|show`` work on clip datasets; ``fit``, ``validate`` and ``test`` hand the rest of the command line
to Lightning's ``LightningCLI``, so a run is configured by YAML files and saves its resolved config. Input
problems exit 1 with a message and no traceback, usage errors exit 2, and bugs exit 3 (``DSL2MANIM_DEBUG=1``
shows their traceback), as in ``dsl2manim``.

Examples
--------
::

    jepa-planner data gen --level 2 --n 2000 --out data/l2 --workers 2 --res 64x36
    jepa-planner data stats data/l2
    jepa-planner data show data/l2 --index 7 -o sample.gif
    jepa-planner fit --config experiments/configs/tiny-cpu.yaml
    jepa-planner fit --config experiments/configs/tiny-cpu.yaml --ckpt_path last     # resume
    jepa-planner plan clip.mp4 -o scene.mscene --manim scene.py --compare compare.gif
    jepa-planner plan storyboard/ --keyframes --times 1 2 3 -o scene.mscene
    jepa-planner export --decoder runs/decoder/.../weights.safetensors -o planner.safetensors
    jepa-planner weights runs/tiny-cpu/lightning_logs/version_0/checkpoints/last.ckpt -o step-last.safetensors
    jepa-planner eval --planner default --data data/pretrain-l2 --limit 50 --baselines nearest unconstrained
"""

from __future__ import annotations

import argparse
import math
import re
import sys
from collections.abc import Sequence
from pathlib import Path

from codegen.cli import EXIT_OK, run_guarded
from jepa_planner import clip_format

#: Subcommands handled by LightningCLI.
LIGHTNING_COMMANDS = ("fit", "validate", "test")
#: The subcommand with its own argument parser (``eval_parser``; it runs ``jepa_planner.evaluation.harness``).
EVAL_COMMAND = "eval"


def _resolution(text: str) -> tuple[int, int]:
    match = re.fullmatch(r"(\d+)x(\d+)", text)
    if not match:
        raise argparse.ArgumentTypeError("use WIDTHxHEIGHT, for example 64x36")
    width, height = int(match[1]), int(match[2])
    if not (16 <= width <= 1920 and 9 <= height <= 1080):
        raise argparse.ArgumentTypeError("width must be 16-1920 and height 9-1080")
    if abs(width / height - 16 / 9) > 0.02:
        raise argparse.ArgumentTypeError("keep 16:9, for example 64x36, 128x72 or 256x144")
    return width, height


def _positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return value


def cmd_data_gen(args: argparse.Namespace) -> int:
    from jepa_planner.data.generate import GenerateRequest, generate

    width, height = args.res
    index = generate(
        GenerateRequest(
            out=Path(args.out),
            level=args.level,
            n=args.n,
            seed=args.seed,
            width=width,
            height=height,
            length=args.length,
            shard_size=args.shard_size,
            workers=args.workers,
            curriculum=args.curriculum,
            shard_index=args.shard_index,
            num_shards=args.num_shards,
        ),
        progress=not args.quiet,
    )
    total = sum(shard["samples"] for shard in index["shards"].values())
    what = f"slice {args.shard_index} of {args.num_shards}: " if args.num_shards > 1 else ""
    print(f"{args.out}: {what}{total} clips in {len(index['shards'])} shards", file=sys.stderr)
    return EXIT_OK


def cmd_data_stats(args: argparse.Namespace) -> int:
    from jepa_planner.data.stats import dataset_stats, format_stats

    print(format_stats(dataset_stats(Path(args.dir))))
    return EXIT_OK


def cmd_data_show(args: argparse.Namespace) -> int:
    from jepa_planner.data.show import show_sample

    written = show_sample(Path(args.dir), args.index, Path(args.output), force=args.force)
    print(f"wrote {written}", file=sys.stderr)
    return EXIT_OK


def _refuse_overwrite(path: Path, force: bool) -> None:
    from jepa_planner.planning.inputs import InputError

    if path.exists() and not force:
        raise InputError("the output file exists already", filename=str(path), hint="pass --force to replace it")


def cmd_plan(args: argparse.Namespace) -> int:
    from pydantic import ValidationError
    from tqdm import tqdm

    from codegen.media import write_text
    from jepa_planner.planning.compare import write_comparison
    from jepa_planner.planning.inputs import InputError, load_clip
    from jepa_planner.planning.plan import Spec, plan

    outputs = [Path(p) for p in (args.output, args.manim, args.compare) if p]
    for path in outputs:
        _refuse_overwrite(path, args.force)
    fields = {
        "keyframes" if args.keyframes else "clip": args.input,
        "keyframe_times": args.times,
        "objects": args.objects,
        "texts": args.text or [],
        "formulas": args.formula or [],
        "duration": args.duration,
        "refine": args.refine,
        "effort": args.effort,
        "fps": args.clip_fps,
        "seed": args.seed,
        "name": args.name,
    }
    try:
        spec = Spec.model_validate(fields)
    except ValidationError as error:
        problem = error.errors()[0]
        where = ".".join(str(part) for part in problem["loc"]) or "spec"
        raise InputError(f"{where}: {problem['msg']}", filename=str(args.input)) from None
    with tqdm(total=0, desc="render and compare", unit="object", disable=spec.effort == "fast") as bar:

        def advance(done: int, total: int) -> None:
            bar.total = total
            bar.update(done - bar.n)

        graph = plan(spec, planner=args.planner, progress=advance)
    for note in graph.notes:
        print(f"note: {note}", file=sys.stderr)
    write_text(Path(args.output), graph.dsl)
    written = [args.output]
    if args.manim:
        write_text(Path(args.manim), graph.manim())
        written.append(args.manim)
    if args.compare:
        # The picture is drawn at the preview size, not the model's 64x36: the input is fitted to it and the
        # plan rendered at it, so both sides show their detail.
        length = len(graph.target)
        target = graph.target if args.keyframes else load_clip(args.input, length=length, size=args.preview)[0]
        planned = graph.render(length=length, size=args.preview)
        write_comparison(target, planned, Path(args.compare), fps=args.fps, force=args.force)
        written.append(args.compare)
    fidelity = "" if graph.loss is None else f", render-and-compare loss {graph.loss:.4f}"
    print(f"wrote {', '.join(written)} (energy {graph.energy:.4f}{fidelity})", file=sys.stderr)
    return EXIT_OK


def cmd_export(args: argparse.Namespace) -> int:
    from jepa_planner.planning.model import export_planner, planner_card, save_planner

    _refuse_overwrite(Path(args.output), args.force)
    planner = export_planner(args.decoder, args.predictor)
    if args.card:
        card = Path(args.card).read_text(encoding="utf-8")
    else:
        card = planner_card(planner, args.decoder, args.predictor)
    save_planner(planner, args.output, card=card)
    size = Path(args.output).stat().st_size / 2**20
    print(f"wrote {args.output} ({size:.1f} MiB)", file=sys.stderr)
    return EXIT_OK


def cmd_weights(args: argparse.Namespace) -> int:
    from jepa_planner.systems.export import system_from_checkpoint
    from jepa_planner.systems.weights import run_metadata, save_weights

    output = Path(args.output) if args.output else Path(args.checkpoint).with_suffix(".safetensors")
    _refuse_overwrite(output, args.force)
    system, step = system_from_checkpoint(args.checkpoint)
    save_weights(system, output, run_metadata(system))
    print(f"wrote {output} ({type(system).__name__} at step {step})", file=sys.stderr)
    return EXIT_OK


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of ``jepa-planner``."""
    parser = argparse.ArgumentParser(prog="jepa-planner", description="Data, training and planning for Manim scenes.")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    data = commands.add_parser("data", help="generate and inspect clip datasets")
    data_commands = data.add_subparsers(dest="data_command", required=True, metavar="ACTION")

    gen = data_commands.add_parser("gen", help="render labelled clips into shards (resumable)")
    gen.add_argument("--level", type=int, choices=(1, 2, 3, 4), required=True, help="curriculum level")
    gen.add_argument("--n", type=_positive, required=True, help="number of clips")
    gen.add_argument("--out", required=True, help="dataset directory (created; rerun to resume)")
    gen.add_argument("--workers", type=_positive, default=1)
    size = f"{clip_format.WIDTH}x{clip_format.HEIGHT}"
    gen.add_argument("--res", type=_resolution, default=clip_format.SIZE, help=f"WIDTHxHEIGHT at 16:9 (default {size})")
    frames = clip_format.FRAMES
    gen.add_argument("--length", type=_positive, default=frames, help=f"frames per clip (default {frames})")
    gen.add_argument("--seed", type=int, default=0)
    gen.add_argument("--shard-size", type=_positive, default=256)
    gen.add_argument("--curriculum", help="a curriculum YAML file (default: the packaged one)")
    gen.add_argument(
        "--shard-index",
        type=int,
        default=0,
        help="this machine's slice, 0 .. --num-shards - 1 (e.g. $SLURM_ARRAY_TASK_ID)",
    )
    gen.add_argument(
        "--num-shards",
        type=_positive,
        default=1,
        help="how many machines share the dataset: each writes every N-th shard into --out",
    )
    gen.add_argument("--quiet", action="store_true", help="no progress bar")
    gen.set_defaults(run=cmd_data_gen)

    stats = data_commands.add_parser("stats", help="diversity report: kinds, verbs, colours, positions, duplicates")
    stats.add_argument("dir")
    stats.set_defaults(run=cmd_data_stats)

    show = data_commands.add_parser("show", help="write one clip beside its DSL as a gif or png")
    show.add_argument("dir")
    show.add_argument("--index", type=int, required=True)
    show.add_argument("-o", "--output", required=True)
    show.add_argument("--force", action="store_true", help="replace an existing output file")
    show.set_defaults(run=cmd_data_show)

    planner = commands.add_parser("plan", help="plan a scene from a clip or storyboard keyframes")
    planner.add_argument("input", help="an .mp4/.gif, a folder of PNG frames, or (with --keyframes) still images")
    planner.add_argument("-o", "--output", required=True, help="the scene DSL file to write (.mscene)")
    planner.add_argument("--manim", help="also write the Manim code here")
    planner.add_argument("--compare", help="also write the input beside the plan's render (.gif, .mp4 or .png)")
    planner.add_argument("--keyframes", action="store_true", help="INPUT holds storyboard keyframes, not a clip")
    planner.add_argument("--times", type=float, nargs="+", help="the time of each keyframe, in seconds")
    planner.add_argument("--objects", nargs="+", help="kinds known to be in the scene, such as Circle Text")
    planner.add_argument("--text", action="append", help="content of the next Text object (repeatable)")
    planner.add_argument("--formula", action="append", help="LaTeX of the next MathTex object (repeatable)")
    planner.add_argument("--duration", type=float, help="the scene's length in seconds")
    planner.add_argument("--refine", type=_positive, default=1, help="learned decoder candidates (default 1)")
    planner.add_argument(
        "--effort",
        choices=("fast", "default", "best"),
        default="default",
        help="render-and-compare time: fast (none), default (about 3 s), best (about 30 s)",
    )
    planner.add_argument("--clip-fps", type=float, help="the clip's frame rate when the file does not say")
    planner.add_argument("--seed", type=int, default=0)
    planner.add_argument("--name", default="Planned", help="the scene's name (its Manim class)")
    planner.add_argument("--planner", help="a planner file (default: the one shipped with the package)")
    planner.add_argument("--fps", type=float, default=8.0, help="frame rate of the --compare picture")
    planner.add_argument("--preview", type=_resolution, default=(256, 144), help="WIDTHxHEIGHT of --compare")
    planner.add_argument("--force", action="store_true", help="replace existing output files")
    planner.set_defaults(run=cmd_plan)

    export = commands.add_parser("export", help="build a planner file from decoder and predictor runs")
    export.add_argument("--decoder", required=True, help="weights.safetensors of a DecoderTraining run")
    export.add_argument("--predictor", help="weights.safetensors of an ActionConditionedTraining run")
    export.add_argument("--card", help="a Markdown model card (default: built from the runs' cards)")
    export.add_argument("-o", "--output", required=True)
    export.add_argument("--force", action="store_true")
    export.set_defaults(run=cmd_export)

    weights = commands.add_parser(
        "weights", help="write a run's Lightning checkpoint as a weights.safetensors file (to probe it, say)"
    )
    weights.add_argument("checkpoint", help="a .ckpt of a `jepa-planner fit` run")
    weights.add_argument("-o", "--output", help="the weights file (default: the checkpoint's name, .safetensors)")
    weights.add_argument("--force", action="store_true", help="replace the output file if it exists")
    weights.set_defaults(run=cmd_weights)

    commands.add_parser(
        EVAL_COMMAND, help="score planners and baselines on held-out clips (see eval --help)", add_help=False
    )
    for name in LIGHTNING_COMMANDS:
        commands.add_parser(
            name, help=f"{name} with LightningCLI: jepa-planner {name} --config FILE.yaml", add_help=False
        )
    return parser


def newest_last_checkpoint(candidates: Sequence[Path]) -> Path | None:
    """The most recently written of the ``last.ckpt`` files among ``candidates`` that exist, or None."""
    found = [path for path in candidates if path.is_file()]
    return max(found, key=lambda path: path.stat().st_mtime) if found else None


def run_lightning(argv: list[str] | None) -> int:
    """``jepa-planner fit|validate|test ...`` through LightningCLI; model and data are chosen in the YAML.

    ``argv`` None means "read ``sys.argv``", which is what DDP's relaunched processes do too.
    """
    import lightning as L
    from lightning.pytorch.callbacks import ModelCheckpoint
    from lightning.pytorch.cli import LightningCLI

    class PlannerCLI(LightningCLI):
        """LightningCLI whose ``--ckpt_path last`` finds the run's newest ``last.ckpt`` in any logger version.

        Lightning looks for ``last`` only in the checkpoint directory of the run now starting, which is a new,
        empty ``lightning_logs/version_N/checkpoints`` whenever the directory comes from the logger: a resumed
        run would start again from step 0 with nothing but a warning. Here ``last`` is looked for where Lightning
        puts checkpoints: in every ``ModelCheckpoint`` directory set in the config, and otherwise in each of the
        logger's ``version_*/checkpoints`` (``default_root_dir/checkpoints`` without a logger). The newest file
        wins. With none, the run starts afresh, and says so.
        """

        def before_fit(self) -> None:
            config = self.config_init[self.subcommand]
            if config.get("ckpt_path") != "last":
                return
            places = [Path(cb.dirpath) for cb in self.trainer.checkpoint_callbacks
                      if isinstance(cb, ModelCheckpoint) and cb.dirpath]  # fmt: skip
            candidates = [place / "last.ckpt" for place in places]
            logger_root = getattr(self.trainer.logger, "root_dir", None)
            if logger_root is not None:
                places.append(Path(logger_root))
                candidates += Path(logger_root).glob("version_*/checkpoints/last.ckpt")
            elif self.trainer.logger is None:
                places.append(Path(self.trainer.default_root_dir) / "checkpoints")
                candidates.append(places[-1] / "last.ckpt")
            found = newest_last_checkpoint(candidates)
            if found is None:
                where = ", ".join(str(place) for place in places)
                print(f"jepa-planner: no last.ckpt under {where}; starting a new run", file=sys.stderr)
                config["ckpt_path"] = None
            else:
                print(f"jepa-planner: resuming from {found}", file=sys.stderr)
                config["ckpt_path"] = str(found)

    PlannerCLI(
        L.LightningModule,
        L.LightningDataModule,
        subclass_mode_model=True,
        subclass_mode_data=True,
        args=argv,
        parser_kwargs={"prog": "jepa-planner"},
    )
    return EXIT_OK


def planner_arg(text: str) -> tuple[str, str | None]:
    """``NAME=PATH`` or ``PATH`` (named after the file) from the command line; ``default`` is the shipped one."""
    name, sep, path = text.partition("=")
    if not sep:
        path, name = text, Path(text).stem
    if not name or "/" in name:
        raise argparse.ArgumentTypeError(f"a planner's name must be non-empty without '/', not {name!r}")
    return name, None if path == "default" else path


def _non_negative_fraction(text: str) -> float:
    value = float(text)
    if not 0.0 <= value <= 1.0 or math.isnan(value):
        raise argparse.ArgumentTypeError("must be between 0 and 1")
    return value


def eval_parser() -> argparse.ArgumentParser:
    """The arguments of ``jepa-planner eval`` (``jepa_planner.evaluation.harness``)."""
    from jepa_planner.evaluation.methods import METHODS

    parser = argparse.ArgumentParser(
        prog="jepa-planner eval", description="Score planners and baselines on held-out clips, per curriculum level."
    )
    parser.add_argument(
        "--planner",
        type=planner_arg,
        nargs="+",
        metavar="[NAME=]PATH",
        help="planner files to compare ('default': the shipped one; default: the shipped one)",
    )
    parser.add_argument("--data", nargs="+", required=True, metavar="DIR", help="dataset directories")
    parser.add_argument("--split", choices=("train", "val", "test"), default="test")
    parser.add_argument("--limit", type=_positive, help="at most this many clips from each directory")
    parser.add_argument("--refine", type=_positive, default=1, help="render-and-compare candidates (default 1)")
    parser.add_argument("--seed", type=int, default=0, help="seed of the refinement samples")
    parser.add_argument(
        "--baselines",
        nargs="*",
        default=[],
        choices=METHODS[1:],
        help="baselines to run on each planner, besides the planner itself",
    )
    parser.add_argument("--no-planner", action="store_true", help="run only the baselines")
    parser.add_argument(
        "--index",
        nargs="+",
        metavar="DIR",
        help="datasets whose train split the nearest baseline retrieves from (default: --data)",
    )
    parser.add_argument("--index-limit", type=_positive, help="at most this many index clips from each directory")
    parser.add_argument("--val-fraction", type=_non_negative_fraction, default=0.05)
    parser.add_argument("--test-fraction", type=_non_negative_fraction, default=0.05)
    parser.add_argument("--out", default="eval-results", help="output folder (default ./eval-results)")
    parser.add_argument("--force", action="store_true", help="replace results already in --out")
    parser.add_argument(
        "--threads",
        type=int,
        default=1,
        help="torch threads while evaluating (default 1, see evaluate(); 0: torch's own choice)",
    )
    parser.add_argument(
        "--latent-jepa",
        metavar="WEIGHTS",
        help="a JEPA run's weights.safetensors whose target encoder measures the latent distance of every run "
        "(default: each planner's own world encoder)",
    )
    parser.add_argument("--quiet", action="store_true", help="no progress bar")
    return parser


def run_eval(argv: Sequence[str]) -> int:
    """``jepa-planner eval ...`` (``argv`` without ``eval``); user errors raise ``PlannerError`` subclasses."""
    from jepa_planner.evaluation.harness import DEFAULT_PLANNER, EvalSettings, EvaluationError, PlannerSource, evaluate
    from jepa_planner.evaluation.report import REPORT_FILES

    args = eval_parser().parse_args(list(argv))
    planners: dict[str, PlannerSource] = dict(args.planner or [(DEFAULT_PLANNER, None)])
    if args.planner and len(planners) < len(args.planner):
        raise EvaluationError("two planners share a name", hint="name them: --planner a=PATH b=PATH")
    methods = ([] if args.no_planner else ["planner"]) + list(args.baselines)
    if not methods:
        raise EvaluationError("nothing to run", hint="drop --no-planner or add --baselines")
    settings = EvalSettings(
        split=args.split,
        limit=args.limit,
        refine=args.refine,
        methods=tuple(methods),
        seed=args.seed,
        val_fraction=args.val_fraction,
        test_fraction=args.test_fraction,
        index_dirs=None if args.index is None else tuple(args.index),
        index_limit=args.index_limit,
        threads=args.threads or None,
        latent=args.latent_jepa,
    )
    summary = evaluate(planners, args.data, settings, out_dir=args.out, progress=not args.quiet, force=args.force)
    for run, figures in summary["runs"].items():
        overall = figures["levels"]["all"]
        print(
            f"{run}: valid {_pct(overall['valid'])}, object F1 {_pct(overall['l1.object_f1'])}, "
            f"SSIM {_num(overall['l3.ssim'])}, latency p50 {_num(overall['latency.median'])} s",
            file=sys.stderr,
        )
    written = [name for name in REPORT_FILES if (Path(args.out) / name).exists()]
    print(f"wrote {', '.join(written)} in {args.out}", file=sys.stderr)
    return 0


def _pct(value: float | None) -> str:
    return "n/a" if value is None else f"{100 * value:.1f}%"


def _num(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.3f}"


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of ``jepa-planner``."""
    arguments = list(sys.argv[1:] if argv is None else argv)
    if arguments and arguments[0] in LIGHTNING_COMMANDS:
        lightning_args = None if argv is None else arguments
        return run_guarded(lambda _: run_lightning(lightning_args), argparse.Namespace(), "jepa-planner")
    if arguments and arguments[0] == EVAL_COMMAND:
        return run_guarded(lambda _: run_eval(arguments[1:]), argparse.Namespace(), "jepa-planner eval")
    args = build_parser().parse_args(arguments)
    return run_guarded(args.run, args, "jepa-planner")


if __name__ == "__main__":
    sys.exit(main())
