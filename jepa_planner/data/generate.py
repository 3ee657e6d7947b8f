"""Generate a dataset directory of clip shards in parallel, resumably and deterministically.

Workers render clips (each with its own Manim media dir, because a shared one races on the Pango cache) and
encode them as shard members; the parent collects them in index order and writes each shard as soon as it is
complete. A rerun with the same arguments skips the shards that exist and never rewrites one, so an interrupted
run resumes where it stopped. MathTex formulas are compiled once, before the workers start, into a TeX cache that
the workers only read.

The parent renders the first clip itself before it forks the workers. They inherit its warm state (the sampler,
Manim's lazily built modules and caches) instead of each spending about 50 ms of CPU to build the sampler and warm
up on its first clip. The workers are a ``ProcessPoolExecutor`` rather than a ``multiprocessing.Pool``: the Pool's
worker-handler thread also waits on the result pipe, and spins while a result of ~150 KB is still being read from
it, which cost the parent about 0.4 ms of CPU per clip.

**Slices** (``shard_index`` I of ``num_shards`` N) split a dataset across machines with no engine of ours: slice I
writes only the shards whose number is I modulo N, into the same ``out`` directory, with its own index
(``index.slice-I-of-N.json``) and its own TeX cache. Clips depend only on the seed and their index, so the union
is byte for byte what one machine writes. The slice that finds every slice's index complete writes the dataset's
``index.json`` and removes the slice indexes; two slices finishing together write identical bytes, atomically.
"""

from __future__ import annotations

import hashlib
import multiprocessing
import os
import shutil
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tqdm import tqdm

from jepa_planner import clip_format
from jepa_planner.data.clips import render_clip
from jepa_planner.data.sampler import CurriculumConfig, SceneSampler
from jepa_planner.data.shards import (
    INDEX_NAME,
    DatasetSettings,
    EncodedSample,
    encode_sample,
    read_index,
    read_shard,
    shard_name,
    write_index,
    write_shard,
)
from jepa_planner.errors import DatasetError


@dataclass(frozen=True)
class GenerateRequest:
    """What to generate; ``curriculum`` is a YAML path, or None for the packaged one."""

    out: Path
    level: int
    n: int
    seed: int = 0
    width: int = clip_format.WIDTH
    height: int = clip_format.HEIGHT
    length: int = clip_format.FRAMES
    shard_size: int = 256
    workers: int = 1
    curriculum: str | None = None
    shard_index: int = 0
    num_shards: int = 1

    def owns(self, number: int) -> bool:
        """Whether shard ``number`` is this slice's to write."""
        return number % self.num_shards == self.shard_index

    @property
    def index_name(self) -> str:
        """The index this run writes: the dataset's, or its slice's."""
        return INDEX_NAME if self.num_shards == 1 else _slice_index(self.shard_index, self.num_shards)


def _slice_index(shard_index: int, num_shards: int) -> str:
    return f"index.slice-{shard_index}-of-{num_shards}.json"


def _shard_number(name: str) -> int | None:
    """The number in ``shard-00012.tar`` or in its temporary ``.shard-00012.tar.<pid>.tmp``; None otherwise."""
    digits = name.lstrip(".").removeprefix("shard-").split(".", 1)[0]
    return int(digits) if digits.isdigit() else None


#: What ``_render`` needs, set up in the parent by ``_prepare`` and inherited by the forked workers.
_worker: dict[str, Any] = {}


def _prepare(curriculum: CurriculumConfig, cache: str, request: GenerateRequest) -> None:
    """Set this process up to render the request's clips."""
    from manim import config

    _worker["sampler"] = SceneSampler(curriculum)
    _worker["request"] = request
    _worker["cache"] = cache
    config.tex_dir = os.path.join(cache, "tex")
    _init_media()


def _init_media() -> None:
    """Give this process its own media dir (a forked worker must not share its parent's)."""
    _worker["media"] = os.path.join(_worker["cache"], f"media-{os.getpid()}")


def _render(index: int) -> EncodedSample:
    request: GenerateRequest = _worker["request"]
    clip = render_clip(
        _worker["sampler"],
        level=request.level,
        seed=request.seed,
        index=index,
        length=request.length,
        width=request.width,
        height=request.height,
        media_dir=_worker["media"],
    )
    return encode_sample(clip)


def _warm_tex_cache(config: CurriculumConfig, level: int, cache: str) -> None:
    """Compile every formula the level can draw, once, into the shared TeX cache."""
    if not config.levels[level].text_rate:
        return
    from manim import MathTex
    from manim import config as manim_config

    manim_config.tex_dir = os.path.join(cache, "tex")
    manim_config.verbosity = "ERROR"
    for formula in config.formulas:
        MathTex(formula)


def _settings(request: GenerateRequest) -> DatasetSettings:
    if request.curriculum is None:
        curriculum = "packaged"
    else:
        curriculum = hashlib.sha256(Path(request.curriculum).read_bytes()).hexdigest()[:16]
    return DatasetSettings(
        level=request.level,
        seed=request.seed,
        width=request.width,
        height=request.height,
        length=request.length,
        shard_size=request.shard_size,
        curriculum=curriculum,
        n=request.n,
    )


def _existing_shards(out: Path, settings: DatasetSettings, request: GenerateRequest) -> dict[str, dict[str, Any]]:
    """This run's shards already finished in ``out``; a dataset made with other settings is an error."""
    finished = out / INDEX_NAME
    index_path = finished if finished.exists() else out / request.index_name
    own = [path for path in sorted(out.glob("shard-*.tar")) if request.owns(_shard_number(path.name) or 0)]
    if not index_path.exists():
        if own:
            raise DatasetError(
                f"shards exist without an {request.index_name}", filename=str(out), hint="use a new --out"
            )
        return {}
    index = read_index(out, index_path.name)
    if index["settings"] != settings.as_dict():
        changed = sorted(k for k, v in settings.as_dict().items() if index["settings"].get(k) != v)
        raise DatasetError(
            f"this directory holds a dataset made with other settings ({', '.join(changed)})",
            filename=str(out),
            hint="rerun with the same arguments to resume, or use a new --out",
        )
    shards: dict[str, dict[str, Any]] = {
        name: entry for name, entry in index["shards"].items() if request.owns(_shard_number(name) or 0)
    }
    for path in own:
        if path.name not in shards:  # written, but the run stopped before the index was updated
            count = sum(1 for _ in read_shard(path))
            shards[path.name] = {"samples": count, "sha256": hashlib.sha256(path.read_bytes()).hexdigest()}
    return shards


def _plan(request: GenerateRequest, done: dict[str, dict[str, Any]]) -> list[tuple[int, range]]:
    plan = []
    for number, start in enumerate(range(0, request.n, request.shard_size)):
        if request.owns(number) and shard_name(number) not in done:
            plan.append((number, range(start, min(start + request.shard_size, request.n))))
    return plan


def _merge_slices(out: Path, settings: DatasetSettings, request: GenerateRequest) -> None:
    """Write the dataset's index.json once every slice's index is complete (see the module docstring)."""
    total = -(-request.n // request.shard_size)
    shards: dict[str, dict[str, Any]] = {}
    for number in range(request.num_shards):
        path = out / _slice_index(number, request.num_shards)
        if not path.exists():
            return
        shards.update(read_index(out, path.name)["shards"])
    if len(shards) < total:
        return
    write_index(out, settings, shards)
    for number in range(request.num_shards):
        (out / _slice_index(number, request.num_shards)).unlink(missing_ok=True)


def _samples(
    request: GenerateRequest, curriculum: CurriculumConfig, indices: list[int], cache: str
) -> Iterator[EncodedSample]:
    """The encoded clips of ``indices``, in order: the first rendered here, the rest by the workers (see above)."""
    if not indices:
        return
    _prepare(curriculum, cache, request)
    if request.workers <= 1:
        yield from map(_render, indices)
        return
    yield _render(indices[0])
    context = multiprocessing.get_context("fork")
    workers = ProcessPoolExecutor(request.workers, mp_context=context, initializer=_init_media)
    try:
        yield from workers.map(_render, indices[1:], chunksize=4)
    finally:
        # After an error here, drop the clips not yet started rather than render them all first.
        workers.shutdown(cancel_futures=True)


def generate(request: GenerateRequest, *, progress: bool = True) -> dict[str, Any]:
    """Generate (or finish generating) a dataset; returns its index.

    Examples
    --------
    ``jepa-planner data gen --level 2 --n 1000 --out data/l2 --workers 2`` calls this.
    """
    curriculum = CurriculumConfig.load(request.curriculum)
    if request.level not in curriculum.levels:
        raise DatasetError(f"level {request.level} is not in the curriculum", hint="levels are 1 to 4")
    if not 0 <= request.shard_index < request.num_shards:
        raise DatasetError(
            f"--shard-index {request.shard_index} is not in 0 .. {request.num_shards - 1}",
            hint="slices are numbered from 0 to --num-shards - 1",
        )
    out = request.out
    out.mkdir(parents=True, exist_ok=True)
    settings = _settings(request)
    for stale in out.glob(".shard-*.tmp"):  # left by a run that was killed mid-write; never a user's file
        if request.owns(_shard_number(stale.name) or 0):  # another slice may be writing its own right now
            stale.unlink(missing_ok=True)
    shards = _existing_shards(out, settings, request)
    if not (out / INDEX_NAME).exists():
        write_index(out, settings, shards, request.index_name)
    plan = _plan(request, shards)
    cache = str(out / (".cache" if request.num_shards == 1 else f".cache-slice-{request.shard_index}"))
    _warm_tex_cache(curriculum, request.level, cache)
    indices = [index for _, block in plan for index in block]
    bar = tqdm(
        total=request.n,
        initial=request.n - len(indices),
        unit="clip",
        disable=not progress,
        desc=f"L{request.level} -> {out.name}",
        dynamic_ncols=True,
    )
    pending: list[EncodedSample] = []
    blocks = iter(plan)
    number, block = next(blocks, (0, range(0)))
    try:
        for sample in _samples(request, curriculum, indices, cache):
            pending.append(sample)
            bar.update(1)
            if len(pending) == len(block):
                digest = write_shard(out / shard_name(number), pending)
                shards[shard_name(number)] = {"samples": len(pending), "sha256": digest}
                write_index(out, settings, shards, request.index_name)
                pending = []
                number, block = next(blocks, (0, range(0)))
    finally:
        bar.close()
        for media in Path(cache).glob("media-*"):
            shutil.rmtree(media, ignore_errors=True)
    if request.num_shards > 1 and not (out / INDEX_NAME).exists():
        _merge_slices(out, settings, request)
    return read_index(out, INDEX_NAME if (out / INDEX_NAME).exists() else request.index_name)
