"""The ``dsl2manim`` command line: compile, check, fmt, render and schema.

Exit codes: 0 on success, 1 for problems with the input (with ``file:line:col`` messages on stderr and never a
traceback), 2 for usage errors, 3 for an internal error (a bug; ``DSL2MANIM_DEBUG=1`` shows its traceback).

Examples
--------
::

    dsl2manim check scene.mscene --strict
    dsl2manim compile scene.mscene -o scene.py
    dsl2manim render scene.mscene -o scene.gif --width 256 --height 144
    dsl2manim check scene.json                       # the IR as JSON, from any tool (see dsl.schema)
    dsl2manim fmt scene.mscene --to json -o scene.json
"""

from __future__ import annotations

import argparse
import os
import sys
import traceback
from collections.abc import Callable, Sequence
from pathlib import Path

from dsl import ir
from dsl.checks import validate
from dsl.errors import DSLError, DSLInputError
from dsl.parser import SourceMap, parse_file, read_source
from dsl.printer import to_text
from dsl.schema import read_json, schema_text, to_json

EXIT_OK, EXIT_INPUT, EXIT_USAGE, EXIT_INTERNAL = 0, 1, 2, 3


def _format(path: str, chosen: str | None) -> str:
    """``json`` or ``dsl``: as chosen with ``--from``, else by the file's extension."""
    if chosen is not None:
        return chosen
    return "json" if Path(path).suffix.lower() == ".json" else "dsl"


def _read(path: str, chosen: str | None) -> tuple[ir.Scene, SourceMap, str]:
    """Parse a scene file, DSL or JSON, without the checks."""
    if _format(path, chosen) == "json":
        text = read_source(path)
        return read_json(text, filename=path), SourceMap(), text
    return parse_file(path)


def _load(args: argparse.Namespace) -> tuple[ir.Scene, SourceMap, str]:
    """Parse and check ``args.file``; raises the first DSLError (or a group of them)."""
    scene, spans, text = _read(args.file, args.source_format)
    validate(scene, spans, source=text, filename=args.file, latex=not getattr(args, "no_latex", False))
    return scene, spans, text


def _refuse_overwrite(target: Path, force: bool) -> None:
    if target.exists() and not force:
        raise DSLInputError("the output file exists already", filename=str(target), hint="pass --force to replace it")


def _layout_findings(scene: ir.Scene, spans: SourceMap, text: str, path: str) -> list[DSLError]:
    from codegen.layout import check_layout

    findings: list[DSLError] = list(check_layout(scene, spans))
    for finding in findings:
        finding.with_context(source=text, filename=path)
    return findings


def cmd_check(args: argparse.Namespace) -> int:
    if args.no_latex:
        print(
            f"{args.file}: note: --no-latex: the checks do not typeset formulas, so one may still fail to render "
            "(the layout check still builds them with Manim)",
            file=sys.stderr,
        )
    scene, spans, text = _load(args)
    findings = _layout_findings(scene, spans, text, args.file)
    for finding in findings:
        print(("" if args.strict else "warning: ") + finding.render(), file=sys.stderr)
    if findings and args.strict:
        return EXIT_INPUT
    summary = f"{len(scene.objects)} objects, {len(scene.relations)} relations, {len(scene.timeline)} steps"
    print(f"{args.file}: ok ({summary}; {len(findings)} layout warnings)", file=sys.stderr)
    return EXIT_OK


def cmd_compile(args: argparse.Namespace) -> int:
    from codegen.compiler import compile_scene
    from codegen.media import write_text

    scene, _, _ = _load(args)
    source = compile_scene(scene)
    if args.output is None:
        sys.stdout.write(source)
        return EXIT_OK
    target = Path(args.output)
    _refuse_overwrite(target, args.force)
    write_text(target, source)
    print(f"wrote {target}", file=sys.stderr)
    return EXIT_OK


def cmd_fmt(args: argparse.Namespace) -> int:
    from codegen.media import write_text

    scene, _, text = _read(args.file, args.source_format)
    target_format = args.to or _format(args.file, args.source_format)
    canonical = to_json(scene) if target_format == "json" else to_text(scene)
    if args.output is not None:  # a conversion (or a copy) to another file
        target = Path(args.output)
        _refuse_overwrite(target, args.force)
        write_text(target, canonical)
        print(f"wrote {target}", file=sys.stderr)
        return EXIT_OK
    if target_format != _format(args.file, args.source_format):
        sys.stdout.write(canonical)
        return EXIT_OK
    if canonical == text:
        return EXIT_OK
    if args.check:
        print(f"{args.file}: would reformat", file=sys.stderr)
        return EXIT_INPUT
    write_text(Path(args.file), canonical)
    print(f"reformatted {args.file}", file=sys.stderr)
    return EXIT_OK


def cmd_render(args: argparse.Namespace) -> int:
    from codegen.layout import layout_findings
    from codegen.media import SUFFIXES, write_frames
    from codegen.trace import trace_scene

    target = Path(args.output)
    if target.suffix.lower() not in SUFFIXES:
        raise DSLInputError("unsupported output type", filename=str(target), hint="use .mp4, .gif or .png")
    _refuse_overwrite(target, args.force)
    scene, spans, text = _load(args)
    # One traced render gives both the frames and the end-of-step boxes the layout check needs.
    trace = trace_scene(scene, mode="frames", width=args.width, height=args.height, fps=args.fps, frame_boxes=False)
    for finding in layout_findings(trace, spans):
        print("warning: " + finding.with_context(source=text, filename=args.file).render(), file=sys.stderr)
    frames = trace.frames
    assert frames is not None, "frames mode always returns frames"
    write_frames(frames, target, args.fps)
    print(f"wrote {target} ({len(frames)} frames at {args.width}x{args.height})", file=sys.stderr)
    return EXIT_OK


def cmd_schema(args: argparse.Namespace) -> int:
    from codegen.media import write_text

    if args.output is None:
        sys.stdout.write(schema_text())
        return EXIT_OK
    target = Path(args.output)
    _refuse_overwrite(target, args.force)
    write_text(target, schema_text())
    print(f"wrote {target}", file=sys.stderr)
    return EXIT_OK


def _positive_int(text: str) -> int:
    value = int(text)
    if not 8 <= value <= 3840:
        raise argparse.ArgumentTypeError("must be between 8 and 3840")
    return value


def _fps(text: str) -> float:
    value = float(text)
    if not 1 <= value <= 120:
        raise argparse.ArgumentTypeError("must be between 1 and 120")
    return value


def build_parser() -> argparse.ArgumentParser:
    """The argument parser, exposed for the docs and the tests."""
    parser = argparse.ArgumentParser(prog="dsl2manim", description="Check, format, compile and render scene DSL files.")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def scene_file(command: argparse.ArgumentParser) -> None:
        command.add_argument("file", help="a .mscene file, or the IR as .json")
        command.add_argument(
            "--from",
            dest="source_format",
            choices=("dsl", "json"),
            help="the file's format (default: .json is JSON, anything else the DSL)",
        )

    def output(command: argparse.ArgumentParser, help: str | None, *, required: bool = False) -> None:
        command.add_argument("-o", "--output", required=required, help=help)
        command.add_argument("--force", action="store_true", help="replace an existing output file")

    check = commands.add_parser("check", help="run every check, layout and LaTeX included")
    scene_file(check)
    check.add_argument("--strict", action="store_true", help="treat layout warnings as errors")
    check.add_argument("--no-latex", action="store_true", help="fast: do not typeset formulas with LaTeX")
    check.set_defaults(run=cmd_check)

    compile_ = commands.add_parser("compile", help="compile to Manim CE source")
    scene_file(compile_)
    output(compile_, "write here instead of stdout")
    compile_.add_argument("--no-latex", action="store_true", help="fast: do not typeset formulas with LaTeX")
    compile_.set_defaults(run=cmd_compile)

    fmt = commands.add_parser("fmt", help="rewrite a file in canonical form, or convert DSL <-> JSON")
    scene_file(fmt)
    fmt.add_argument("--to", choices=("dsl", "json"), help="convert to this format (to stdout, or -o)")
    output(fmt, "write the result here instead of rewriting the file")
    fmt.add_argument("--check", action="store_true", help="only report whether it would change (exit 1 if so)")
    fmt.set_defaults(run=cmd_fmt)

    render = commands.add_parser("render", help="render in-process to .mp4, .gif or .png (last frame)")
    scene_file(render)
    output(render, "the .mp4, .gif or .png to write", required=True)
    render.add_argument("--width", type=_positive_int, default=256)
    render.add_argument("--height", type=_positive_int, default=144)
    render.add_argument("--fps", type=_fps, default=15.0)
    render.set_defaults(run=cmd_render)

    schema = commands.add_parser("schema", help="print (or write) the IR's JSON Schema, with $id and version")
    output(schema, "write here instead of stdout")
    schema.set_defaults(run=cmd_schema)
    return parser


def run_guarded(command: Callable[[argparse.Namespace], int], args: argparse.Namespace, prog: str) -> int:
    """Run a command: user errors become messages and exit 1, bugs exit 3; shared with ``jepa-planner``."""
    try:
        return command(args)
    except DSLError as error:
        print(error.render(), file=sys.stderr)
        return EXIT_INPUT
    except KeyboardInterrupt:
        print(f"{prog}: interrupted", file=sys.stderr)
        return 130
    except Exception as error:  # a bug: say so plainly, keep the traceback for those who ask
        if os.environ.get("DSL2MANIM_DEBUG"):
            traceback.print_exc()
        print(f"{prog}: internal error: {type(error).__name__}: {error}", file=sys.stderr)
        print("  hint: this is a bug; rerun with DSL2MANIM_DEBUG=1 for the traceback and report it", file=sys.stderr)
        return EXIT_INTERNAL


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of ``dsl2manim``."""
    args = build_parser().parse_args(argv)
    return run_guarded(args.run, args, "dsl2manim")


if __name__ == "__main__":
    sys.exit(main())
