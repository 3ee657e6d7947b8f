"""Render the wild test set: plain Manim CE scenes, one per file under ``experiments/wild/scenes/``.

Run it from the repository root::

    .venv/bin/python experiments/wild/render.py                       # every scene, 480p then 1080p
    .venv/bin/python experiments/wild/render.py --only 06_square_to_circle --sizes 480p --force

Each scene is rendered in this process by Manim's own API (``tempconfig`` per clip, Cairo, mp4 through PyAV), at
854x480 and at 1920x1080, both at 15 fps to keep it cheap, into ``experiments/wild/clips/<size>/<scene>.mp4``.
A size may also be given as ``WxH`` (the tests use ``128x72``); its clips go to ``clips/WxH/``.

Every render gets its own temporary media dir, so nothing is cached between clips and nothing is left behind. The
scene module is executed inside the clip's ``tempconfig``, so a module-level ``config.background_color = ...``
applies to that clip only. An existing clip is kept unless ``--force`` is given; a new one is written beside its
target and renamed into place. ``clips/manifest.json`` lists every clip with its scene, size, frame rate, frame
count, duration and the sha256 of the scene source it was rendered from.

A scene that fails is reported by name with Manim's error; the others still render, and the exit status is 1.
"""

from __future__ import annotations

import argparse
import hashlib
import importlib.util
import json
import re
import shutil
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

REPO = Path(__file__).resolve().parents[2]
if str(REPO) not in sys.path:  # run as a script from a checkout: make the library importable without installing
    sys.path.insert(0, str(REPO))

from codegen.media import atomic_path, write_text  # noqa: E402 - needs the path above
from dsl.errors import DSLInputError, did_you_mean  # noqa: E402

if TYPE_CHECKING:
    from manim import Scene

HERE = Path(__file__).resolve().parent
SCENES_DIR = HERE / "scenes"
CLIPS_DIR = HERE / "clips"
MANIFEST = "manifest.json"
#: Manim's -ql and -qh pixel sizes; the frame stays Manim's default 8 units high at 16:9.
NAMED_SIZES = {"480p": (854, 480), "1080p": (1920, 1080)}
DEFAULT_FPS = 15.0
SCENE_FILE = re.compile(r"^\d\d_[a-z0-9_]+\.py$")


@dataclass(frozen=True)
class SceneFile:
    """One scene source file: ``NN_short_name.py`` holding exactly one Scene subclass."""

    name: str
    path: Path

    @property
    def sha256(self) -> str:
        """The sha256 of the source bytes, recorded with every clip rendered from it."""
        return hashlib.sha256(self.path.read_bytes()).hexdigest()


@dataclass(frozen=True)
class Size:
    """An output size: its folder name and pixels."""

    name: str
    width: int
    height: int


@dataclass(frozen=True)
class Clip:
    """One rendered clip, as the manifest lists it (None: not known for a clip found without an entry)."""

    file: str
    scene: str
    scene_class: str | None
    size: str
    width: int
    height: int
    fps: float
    frames: int
    duration_s: float
    source_sha256: str | None
    bytes: int
    render_s: float | None


@dataclass(frozen=True)
class Probe:
    """What an mp4 file says about itself."""

    frames: int
    fps: float
    width: int
    height: int


def discover(scenes_dir: Path = SCENES_DIR) -> list[SceneFile]:
    """Every ``NN_short_name.py`` under ``scenes_dir``, in name order."""
    return [SceneFile(p.stem, p) for p in sorted(scenes_dir.glob("*.py")) if SCENE_FILE.match(p.name)]


def load_scene_class(path: Path) -> type[Scene]:
    """Execute a scene file as a fresh module and return its one Scene subclass.

    The module is never cached in ``sys.modules``: each call runs it again, so module-level config changes happen
    inside the caller's ``tempconfig`` every time.
    """
    from manim import Scene

    spec = importlib.util.spec_from_file_location(f"wild_scene_{path.stem}", path)
    assert spec is not None and spec.loader is not None, f"no import spec for {path}"
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    found = [
        obj
        for obj in vars(module).values()
        if isinstance(obj, type) and issubclass(obj, Scene) and obj.__module__ == module.__name__
    ]
    if len(found) != 1:
        names = ", ".join(cls.__name__ for cls in found) or "none"
        raise DSLInputError(
            f"a wild scene file must define exactly one Scene subclass; found {names}",
            filename=str(path),
            hint="keep one Scene class per file under experiments/wild/scenes/",
        )
    cls: type[Scene] = found[0]
    return cls


def parse_size(text: str) -> Size:
    """``480p``, ``1080p`` or ``WxH`` (for example ``128x72``)."""
    if text in NAMED_SIZES:
        return Size(text, *NAMED_SIZES[text])
    match = re.fullmatch(r"(\d+)x(\d+)", text)
    if not match or int(match[1]) < 16 or int(match[2]) < 16 or int(match[1]) % 2 or int(match[2]) % 2:
        raise DSLInputError(
            f"unknown size {text!r}",
            filename="--sizes",
            hint=f"use {' or '.join(NAMED_SIZES)}, or WxH with even sides of at least 16 pixels, e.g. 128x72",
        )
    return Size(text, int(match[1]), int(match[2]))


def manim_settings(size: Size, fps: float, media_dir: Path, output_name: str) -> dict[str, Any]:
    """The whole Manim config of one clip, so that nothing set earlier in this process leaks into it."""
    return {
        "media_dir": str(media_dir),
        "pixel_width": size.width,
        "pixel_height": size.height,
        "frame_height": 8.0,
        "frame_width": 8.0 * 16 / 9,
        "frame_rate": fps,
        "format": "mp4",
        "write_to_movie": True,
        "save_last_frame": False,
        "disable_caching": True,
        "background_color": "#000000",
        "transparent": False,
        "renderer": "cairo",
        "output_file": output_name,
        "verbosity": "ERROR",
        "progress_bar": "none",
        "preview": False,
    }


def probe(path: Path) -> Probe:
    """Frame count, frame rate and pixel size of an mp4; frames are counted from packets, without decoding."""
    import av

    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        fps = float(stream.average_rate) if stream.average_rate else 0.0
        frames = sum(1 for packet in container.demux(stream) if packet.size)
        return Probe(frames=frames, fps=fps, width=stream.codec_context.width, height=stream.codec_context.height)


def render_clip(scene: SceneFile, size: Size, fps: float, clips_dir: Path) -> Clip:
    """Render one scene at one size into ``clips_dir/<size>/<scene>.mp4`` (atomically) and describe it."""
    from manim import tempconfig

    target = clips_dir / size.name / f"{scene.name}.mp4"
    sha = scene.sha256
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix=f"wild-{scene.name}-") as media:
        with tempconfig(manim_settings(size, fps, Path(media), scene.name)):
            cls = load_scene_class(scene.path)
            instance = cls()
            instance.render()
            movie = Path(instance.renderer.file_writer.movie_file_path)
        with atomic_path(target) as temp:
            shutil.copyfile(movie, temp)
    frames = probe(target).frames
    return Clip(
        file=f"{size.name}/{target.name}",
        scene=scene.name,
        scene_class=cls.__name__,
        size=size.name,
        width=size.width,
        height=size.height,
        fps=fps,
        frames=frames,
        duration_s=round(frames / fps, 4),
        source_sha256=sha,
        bytes=target.stat().st_size,
        render_s=round(time.perf_counter() - started, 2),
    )


def read_manifest(clips_dir: Path) -> dict[str, dict[str, Any]]:
    """The clips already listed in ``clips_dir/manifest.json``, by file; empty when there is none."""
    path = clips_dir / MANIFEST
    if not path.is_file():
        return {}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return {entry["file"]: entry for entry in data["clips"]}
    except (ValueError, KeyError, TypeError) as exc:
        raise DSLInputError(
            f"the manifest cannot be read ({type(exc).__name__}: {exc})",
            filename=str(path),
            hint="delete it: the next run describes the clips it keeps from the files themselves",
        ) from exc


def write_manifest(clips_dir: Path, entries: dict[str, dict[str, Any]]) -> None:
    """Write the manifest atomically, listing only clips that exist, in size then scene order."""
    listed = [entries[key] for key in sorted(entries) if (clips_dir / key).is_file()]
    data = {
        "about": "wild test set rendered by experiments/wild/render.py; for measuring only",
        "clips": sorted(listed, key=lambda e: (e["height"], e["width"], e["scene"])),
    }
    write_text(clips_dir / MANIFEST, json.dumps(data, indent=2) + "\n")


def select(scenes: list[SceneFile], only: Sequence[str] | None) -> list[SceneFile]:
    """The scenes named by ``--only`` (a file stem such as ``06_square_to_circle``), or all of them."""
    if not only:
        return scenes
    by_name = {scene.name: scene for scene in scenes}
    for name in only:
        if name not in by_name:
            raise DSLInputError(
                f"no wild scene named {name!r}",
                filename="--only",
                hint=did_you_mean(name, by_name) or "name a file stem under experiments/wild/scenes/",
            )
    return [by_name[name] for name in dict.fromkeys(only)]


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    """The command line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--only", nargs="+", metavar="NAME", help="scene file stems to render (default: all)")
    parser.add_argument(
        "--sizes", nargs="+", default=list(NAMED_SIZES), metavar="SIZE", help="480p, 1080p or WxH (default: both)"
    )
    parser.add_argument("--fps", type=float, default=DEFAULT_FPS, help="frame rate of every clip (default: 15)")
    parser.add_argument("--force", action="store_true", help="re-render clips that already exist")
    parser.add_argument("--clips", type=Path, default=CLIPS_DIR, help="output folder (default: experiments/wild/clips)")
    parser.add_argument("--scenes", type=Path, default=SCENES_DIR, help=argparse.SUPPRESS)
    return parser.parse_args(argv)


def kept_entry(scene: SceneFile, size: Size, fps: float, clips_dir: Path, old: dict[str, Any] | None) -> dict[str, Any]:
    """The manifest entry of a clip that is kept as it is; warns when it differs from what this run would make."""
    from tqdm import tqdm

    if old is not None:
        if old["source_sha256"] != scene.sha256:
            tqdm.write(f"warning: {old['file']} was rendered from an older {scene.path.name}; --force re-renders it")
        if old["fps"] != fps:
            tqdm.write(f"warning: {old['file']} was rendered at {old['fps']:g} fps, not {fps:g}; --force re-renders it")
        return old
    # A clip without an entry (an older manifest was lost): describe the file, but the source it came from is unknown.
    target = clips_dir / size.name / f"{scene.name}.mp4"
    found = probe(target)
    tqdm.write(f"warning: {target} is not in the manifest; its source hash is unknown (--force re-renders it)")
    clip = Clip(
        file=f"{size.name}/{target.name}",
        scene=scene.name,
        scene_class=None,
        size=size.name,
        width=found.width,
        height=found.height,
        fps=found.fps,
        frames=found.frames,
        duration_s=round(found.frames / found.fps, 4) if found.fps else 0.0,
        source_sha256=None,
        bytes=target.stat().st_size,
        render_s=None,
    )
    return asdict(clip)


def report_failure(scene: SceneFile, size: Size, exc: BaseException) -> str:
    """Print a failed render with Manim's own message, and return a one-line summary of it."""
    from tqdm import tqdm

    text = str(exc).strip() or type(exc).__name__
    tqdm.write(f"FAILED {scene.name} at {size.name}: {type(exc).__name__}:\n  " + text.replace("\n", "\n  "))
    return f"{scene.name} at {size.name}: {type(exc).__name__}: {text.splitlines()[0]}"


def run(args: argparse.Namespace) -> int:
    """Render the selected scenes at the selected sizes; return the exit status."""
    from tqdm import tqdm

    sizes = sorted((parse_size(text) for text in dict.fromkeys(args.sizes)), key=lambda s: s.width * s.height)
    scenes = select(discover(args.scenes), args.only)
    if not scenes:
        raise DSLInputError(
            f"no scene files in {args.scenes}", filename="--scenes", hint="scene files are named NN_short_name.py"
        )
    clips_dir: Path = args.clips
    entries = read_manifest(clips_dir)
    rendered, kept, failures = 0, 0, []
    jobs = [(scene, size) for size in sizes for scene in scenes]  # every small clip before any large one
    for scene, size in tqdm(jobs, unit="clip", desc="wild", dynamic_ncols=True):
        key = f"{size.name}/{scene.name}.mp4"
        try:
            if (clips_dir / key).exists() and not args.force:
                entries[key] = kept_entry(scene, size, args.fps, clips_dir, entries.get(key))
                kept += 1
                continue
            entries[key] = asdict(render_clip(scene, size, args.fps, clips_dir))
            rendered += 1
        except Exception as exc:  # any Manim or PyAV failure is reported and the other scenes go on
            failures.append(report_failure(scene, size, exc))
        write_manifest(clips_dir, entries)  # after every clip, so an interrupted run keeps what it made
    write_manifest(clips_dir, entries)
    print(f"{rendered} rendered, {kept} kept (use --force to re-render), {len(failures)} failed; see {clips_dir}")
    for line in failures:
        print(f"  failed: {line}")
    return 1 if failures else 0


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point; user errors are printed without a traceback and give exit status 2."""
    args = parse_args(argv)
    try:
        return run(args)
    except DSLInputError as exc:
        print(exc.render(), file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
