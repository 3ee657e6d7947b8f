"""Fuzz benchmark: does every scene that passes the checks compile and render?

Run it from the repository root::

    .venv/bin/python experiments/fuzz_scenes.py --scenes 100000 --workers 2 --out experiments/results/fuzz_scenes

Two sources of scenes, alternating by index:

- **schema**: random JSON documents drawn from the IR's published JSON Schema (``dsl/scene.schema.json``), the way
  any other tool would emit them: every ``oneOf`` branch, optional field and bound in the schema. Recursion (plot
  expressions) is cut at ``MAX_DEPTH`` by taking only leaf branches there. The schema says only ``string`` for
  names, colours, texts and formulas, so strings come from pools by field: a few names (so that references can
  resolve), palette and hex colours, formulas, injection payloads and random Unicode, plus junk.
- **mutation**: the canonical text of a valid schema scene with characters, tokens or lines deleted, duplicated or
  swapped (today's mutation fuzzer of ``tests/dsl/test_fuzz.py``, on random scenes).

Each scene goes through reading (``dsl.schema.read_json`` or ``dsl.parser.parse``), the checks (LaTeX included),
the compiler (and Python's ``compile`` of its output) and an in-process render at 32x18. The outcome is one of:

``invalid``     refused while reading, with a ``DSLError`` (the IR or the grammar says no)
``rejected``    refused by the checks, with ``DSLError``\\ s
``rendered``    compiled and rendered
``crashed``     reading or checking raised something other than a ``DSLError`` (a bug)
``compile_failed`` / ``render_failed``: passed the checks but did not compile or render (a bug: the failures
that the checks exist to prevent)

It writes ``OUT.json`` (counts per source, the first failures with their documents, the settings) and ``OUT.md``.
Every scene is drawn from its own seed, ``(seed, index)``, so ``--replay INDEX`` reruns one and prints it.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import random
import sys
import time
import traceback
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:  # run as a script from a checkout: make the library importable without installing
    sys.path.insert(0, str(REPO))

from dsl import ir  # noqa: E402
from dsl.checks import check  # noqa: E402
from dsl.errors import DSLError  # noqa: E402
from dsl.parser import parse  # noqa: E402
from dsl.printer import to_text  # noqa: E402
from dsl.schema import read_json, scene_schema  # noqa: E402
from jepa_planner.results import write_results  # noqa: E402

#: Depth at which the generator takes only non-recursive branches (expression leaves).
MAX_DEPTH = 4
FAILURES = ("crashed", "compile_failed", "render_failed")
OUTCOMES = ("invalid", "rejected", "rendered", *FAILURES)
#: Failures kept in the report, with their documents.
KEEP = 25
#: A long run writes its figures so far this often (in scenes).
SAVE_EVERY = 2000

NAMES = ("a", "b", "c", "d", "g", "ax")
COLORS = ("BLUE", "RED", "GREEN", "YELLOW", "WHITE", "#1F77B4", "#ff0000")
WORDS = ("circle", "area", "x", "Hello, world", "two\nlines", "café", "Ünïcödé ✓", 'say "hi"', "a\\b", "%$#&_{}")
FORMULAS = (
    r"x^2",
    r"e^{i\pi} + 1 = 0",
    r"\frac{a}{b}",
    r"\sum_{n=1}^{\infty} \frac{1}{n^2}",
    r"\sqrt{2}",
    r"\int_0^1 x\,dx",
    r"{{ a }} + b",
    r"\alpha \beta \gamma",
    r"\mathbb{R}",
    r"\left( x \right)",
)
PAYLOADS = (
    '"); import os; os.system("echo pwned"); ("',
    "'''; __import__('os').system('id'); '''",
    '"""\n"""',
    "\\\"); exec('1') #",
    "line\u2028separator\u2029and\x0bvertical\x0cfeed\r\n",
    "{__import__('os')}",
    "🎬 ünïcödé \\n \\\\",
    r"\frac{1}",
    r"\input{/etc/passwd}",
    r"\verb|x|",
    "#1",
    "$x$",
    "&",
    "%",
    "\\",
    "^",
    "\x07bell",
    "\t",
    "\ue000",
    "a" * 40,
)


class SchemaFuzzer:
    """Random JSON instances of the scene schema, with field-aware strings and the recursion cut."""

    def __init__(self, schema: dict[str, Any]) -> None:
        self.schema = schema
        self.defs: dict[str, Any] = schema["$defs"]
        #: Object names declared so far in the scene being drawn (references mostly pick one of them).
        self.declared: list[str] = []

    def resolve(self, node: dict[str, Any]) -> dict[str, Any]:
        while "$ref" in node:
            node = self.defs[node["$ref"].rsplit("/", 1)[1]]
        return node

    def recursive(self, node: dict[str, Any], seen: frozenset[str] = frozenset()) -> bool:
        """Whether a schema node can contain a ``$ref`` (the expression nodes that nest)."""
        text = json.dumps(self.resolve(node))
        return '"$ref"' in text

    def scene(self, rng: random.Random) -> dict[str, Any]:
        self.declared = []
        document = self.value(self.schema, rng, "scene", 0)
        assert isinstance(document, dict), "the scene schema is an object"
        return document

    def value(self, node: dict[str, Any], rng: random.Random, field: str, depth: int) -> Any:
        node = self.resolve(node)
        if "const" in node:
            return node["const"]
        if "enum" in node:
            return rng.choice(node["enum"])
        for key in ("oneOf", "anyOf"):
            if key in node:
                options = node[key]
                if depth >= MAX_DEPTH:
                    options = [o for o in options if not self.recursive(o)] or options
                return self.value(rng.choice(options), rng, field, depth + 1)
        kind = node.get("type")
        if kind == "object":
            return self.object(node, rng, depth)
        if kind == "array":
            return self.array(node, rng, field, depth)
        if kind in ("number", "integer"):
            return self.number(node, rng, integer=kind == "integer")
        if kind == "string":
            return self.string(field, rng)
        if kind == "boolean":
            return rng.random() < 0.5
        return None

    def object(self, node: dict[str, Any], rng: random.Random, depth: int) -> dict[str, Any]:
        required = set(node.get("required", ()))
        out: dict[str, Any] = {}
        for name, sub in node.get("properties", {}).items():
            if name == "$schema":
                continue
            if name in required or name in ("kind", "objects", "timeline") or rng.random() < 0.35:
                if name == "name":
                    field = "scene_name" if node.get("title") == "Scene" else "object_name"
                else:
                    field = name
                out[name] = self.value(sub, rng, field, depth + 1)
        return out

    def array(self, node: dict[str, Any], rng: random.Random, field: str, depth: int) -> list[Any]:
        if "prefixItems" in node:
            return [self.value(item, rng, field, depth + 1) for item in node["prefixItems"]]
        low = node.get("minItems", 0)
        high = min(node.get("maxItems", 6), low + {"objects": 6, "timeline": 6}.get(field, 3))
        return [self.value(node.get("items", {}), rng, field, depth + 1) for _ in range(rng.randint(low, high))]

    def number(self, node: dict[str, Any], rng: random.Random, *, integer: bool) -> float | int:
        low = node.get("minimum", node.get("exclusiveMinimum", -10.0))
        high = node.get("maximum", node.get("exclusiveMaximum", 10.0))
        roll = rng.random()
        if roll < 0.05:
            value = float(low)
        elif roll < 0.1:
            value = float(high)
        else:  # mostly small values, as scenes use them (and long run times would only slow the render down)
            value = rng.uniform(low, min(high, low + 4.0 if low > -5 else 4.0))
        if "exclusiveMinimum" in node and value <= node["exclusiveMinimum"]:
            value = node["exclusiveMinimum"] + 0.5
        if "exclusiveMaximum" in node and value >= node["exclusiveMaximum"]:
            value = node["exclusiveMaximum"] - 0.5
        return int(round(value)) if integer else round(value, 3)

    def string(self, field: str, rng: random.Random) -> str:
        roll = rng.random()
        if roll < 0.04:  # junk of any kind, for every string field
            return "".join(chr(rng.randint(1, 0x2FFF)) for _ in range(rng.randint(0, 8)))
        if field == "text":
            return rng.choice(WORDS) if roll < 0.7 else rng.choice(PAYLOADS)
        if field == "tex":
            return rng.choice(FORMULAS) if roll < 0.7 else rng.choice(PAYLOADS)
        if field == "color":
            return rng.choice(COLORS)
        if field == "scene_name":
            return rng.choice(("Fuzz", "Demo", "Planned")) if roll < 0.9 else rng.choice(("Scene", "class", "a"))
        if field == "label":
            return rng.choice(("intro", "middle", "outro", "s1", "s2")) if roll < 0.95 else rng.choice(NAMES)
        if field == "object_name":  # a fresh name, now and then a repeated one
            fresh = [n for n in NAMES if n not in self.declared] or [f"o{len(self.declared)}"]
            name = rng.choice(self.declared) if self.declared and roll < 0.05 else fresh[0]
            self.declared.append(name)
            return name
        # a reference: mostly to a declared object
        return rng.choice(self.declared) if self.declared and roll < 0.97 else rng.choice(NAMES)


def mutate(text: str, rng: random.Random) -> str:
    """Delete, duplicate or swap a few characters, tokens or lines of ``text``."""
    import re

    for _ in range(rng.randint(1, 3)):
        unit = rng.choice(("chars", "tokens", "lines"))
        parts = (
            list(text)
            if unit == "chars"
            else re.findall(r"\w+|\s+|.", text, re.S)
            if unit == "tokens"
            else text.splitlines(keepends=True)
        )
        if len(parts) < 2:
            continue
        i, j = rng.randrange(len(parts)), rng.randrange(len(parts))
        action = rng.choice(("delete", "duplicate", "swap"))
        if action == "delete":
            del parts[i]
        elif action == "duplicate":
            parts.insert(j, parts[i])
        else:
            parts[i], parts[j] = parts[j], parts[i]
        text = "".join(parts)
    return text


def draw(fuzzer: SchemaFuzzer, seed: int, index: int) -> tuple[str, str]:
    """Scene ``index``'s source (``schema`` or ``mutation``) and its document (JSON or DSL text)."""
    rng = random.Random(seed * 1_000_003 + index)
    if index % 2 == 0:
        return "schema", json.dumps(fuzzer.scene(rng), ensure_ascii=False)
    for _ in range(100):  # mutate a scene that passes the checks, so that mutations start from valid text
        try:
            scene = read_json(json.dumps(fuzzer.scene(rng)))
        except DSLError:
            continue
        if not check(scene, latex=False):
            return "mutation", mutate(to_text(scene), rng)
    return "mutation", mutate("scene A\nc = Circle()\nplay(Create(c))\n", rng)


def run_one(source: str, document: str, *, latex: bool = True) -> tuple[str, str]:
    """One scene through reading, checks, compile and render: its outcome and a one-line message."""
    from codegen.compiler import compile_scene
    from codegen.render import render_frames

    try:
        scene: ir.Scene = read_json(document) if source == "schema" else parse(document)
    except DSLError:
        return "invalid", ""
    except Exception as exc:  # noqa: BLE001 - anything but a DSLError is the finding
        return "crashed", f"read: {type(exc).__name__}: {exc}"
    try:
        errors = check(scene, latex=latex)
    except Exception as exc:  # noqa: BLE001
        return "crashed", f"check: {type(exc).__name__}: {exc}"
    if errors:
        return "rejected", ""
    try:
        compile(compile_scene(scene), "<fuzz>", "exec")
    except Exception as exc:  # noqa: BLE001
        return "compile_failed", f"{type(exc).__name__}: {exc}"
    try:
        render_frames(scene, 32, 18, 4)
    except Exception as exc:  # noqa: BLE001
        return "render_failed", f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}"
    return "rendered", ""


_FUZZER: SchemaFuzzer | None = None


def _work(task: tuple[int, int, bool]) -> tuple[int, str, str, str, str]:
    global _FUZZER
    if _FUZZER is None:
        _FUZZER = SchemaFuzzer(scene_schema())
    seed, index, latex = task
    source, document = draw(_FUZZER, seed, index)
    try:
        outcome, message = run_one(source, document, latex=latex)
    except Exception:  # noqa: BLE001 - keep the run going; the traceback is the finding
        outcome, message = "crashed", traceback.format_exc(limit=3).splitlines()[-1]
    return index, source, outcome, message, document


def _summary(counts: dict[str, Counter[str]], failures: list[dict[str, Any]], seconds: float) -> dict[str, Any]:
    table = {source: {outcome: counter[outcome] for outcome in OUTCOMES} for source, counter in counts.items()}
    return {
        "counts": table,
        "total": {o: sum(t[o] for t in table.values()) for o in OUTCOMES},
        "failures": sorted(failures, key=lambda f: f["index"]),
        "seconds": round(seconds, 1),
    }


def fuzz(
    scenes: int,
    seed: int,
    workers: int,
    *,
    progress: bool = True,
    latex: bool = True,
    partial: Callable[[dict[str, Any]], object] | None = None,
) -> dict[str, Any]:
    """Run ``scenes`` scenes; counts per source and outcome, and the first failures.

    ``partial`` is called with the summary so far every ``SAVE_EVERY`` scenes, so a long run that is stopped still
    leaves its figures behind.
    """
    counts: dict[str, Counter[str]] = {"schema": Counter(), "mutation": Counter()}
    failures: list[dict[str, Any]] = []
    start = time.perf_counter()
    tasks = ((seed, index, latex) for index in range(scenes))
    results: Iterator[tuple[int, str, str, str, str]]
    pool = multiprocessing.get_context("fork").Pool(workers) if workers > 1 else None
    results = pool.imap_unordered(_work, tasks, chunksize=8) if pool else map(_work, tasks)
    try:
        for done, (index, source, outcome, message, document) in enumerate(results, 1):
            counts[source][outcome] += 1
            if outcome in FAILURES and len(failures) < KEEP:
                failures.append(
                    {"index": index, "source": source, "outcome": outcome, "message": message, "document": document}
                )
            if progress and done % 500 == 0:
                print(
                    f"[fuzz_scenes] {done}/{scenes} scenes, {time.perf_counter() - start:.0f} s, "
                    f"failures {sum(counts[s][f] for s in counts for f in FAILURES)}",
                    flush=True,
                )
            if partial is not None and done % SAVE_EVERY == 0:
                partial({**_summary(counts, failures, time.perf_counter() - start), "scenes_done": done})
    finally:
        if pool:
            pool.close()
            pool.join()
    return {**_summary(counts, failures, time.perf_counter() - start), "scenes_done": scenes}


def markdown(results: dict[str, Any]) -> str:
    settings = results["settings"]
    rows = [
        f"| {source} | " + " | ".join(str(counts[o]) for o in OUTCOMES) + " |"
        for source, counts in (*results["counts"].items(), ("all", results["total"]))
    ]
    failed = sum(results["total"][o] for o in FAILURES)
    lines = [
        "# Fuzz benchmark: checked scenes that fail to compile or render",
        "",
        f"Command: `{settings['command']}`",
        "",
        f"{results['scenes_done']} of {settings['scenes']} scenes (seed {settings['seed']}, "
        f"{settings['workers']} workers, LaTeX check {'on' if settings['latex'] else 'off'}) in "
        f"{results['seconds']:.0f} s. **{failed} failures after the checks** "
        f"({results['total']['rendered']} scenes passed the checks and rendered).",
        "",
        "| source | " + " | ".join(OUTCOMES) + " |",
        "|---|" + "---|" * len(OUTCOMES),
        *rows,
        "",
    ]
    for failure in results["failures"]:
        lines += [f"- scene {failure['index']} ({failure['source']}): {failure['outcome']}: {failure['message']}"]
    return "\n".join(lines) + "\n"


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scenes", type=int, default=500, help="how many scenes (half schema, half mutation)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--out", default="experiments/results/fuzz_scenes", help="OUT.json and OUT.md")
    parser.add_argument("--replay", type=int, help="rerun one scene by index, print it and its outcome")
    parser.add_argument(
        "--no-latex",
        action="store_true",
        help="check without typesetting formulas (shows what the LaTeX check catches)",
    )
    parser.add_argument("--quiet", action="store_true")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> dict[str, Any]:
    args = parse_args(argv)
    if args.replay is not None:
        index, source, outcome, message, document = _work((args.seed, args.replay, not args.no_latex))
        if not args.quiet:
            print(f"scene {index} ({source}): {outcome} {message}\n{document}")
        return {"outcome": outcome, "message": message, "document": document}
    command = "python experiments/fuzz_scenes.py " + " ".join(sys.argv[1:] if argv is None else argv)
    settings = {
        "scenes": args.scenes,
        "seed": args.seed,
        "workers": args.workers,
        "latex": not args.no_latex,
        "command": command,
    }

    def save(results: dict[str, Any]) -> tuple[Path, Path]:
        results["settings"] = settings
        return write_results(args.out, results, markdown(results))

    results = fuzz(args.scenes, args.seed, args.workers, progress=not args.quiet, latex=not args.no_latex, partial=save)
    json_path, md_path = save(results)
    if not args.quiet:
        print(markdown(results))
        print(f"[fuzz_scenes] wrote {json_path} and {md_path}")
    return results


if __name__ == "__main__":
    main()
