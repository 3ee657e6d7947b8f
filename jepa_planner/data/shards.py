"""Clip shards: WebDataset-style tar files with one index per dataset directory.

Layout of a dataset directory::

    index.json            settings (level, seed, resolution, T, shard size) and one entry per finished shard
    shard-000000.tar      samples 0 .. shard_size-1
    shard-000001.tar      ...

Each sample in a shard is a group of tar members sharing a key (``%08d``, the sample index), as WebDataset reads
them: ``KEY.frames.npy`` ``[T,H,W,3] uint8``, ``KEY.boxes.npy`` ``[T,N,4] float32`` (Manim units, NaN off
screen), ``KEY.active_step.npy`` ``[T] int16``, ``KEY.keyframes.npy`` ``[K,H,W,3] uint8``,
``KEY.keyframe_steps.npy`` ``[K] int16``, and ``KEY.json`` with the IR, the canonical DSL, the object names, the
scene hash and where the sample came from (seed, level, index, attempt, duration, fps).

A shard is written to a temporary file and renamed into place, so a shard that exists is complete. Members carry
fixed metadata (mtime 0, uid 0, mode 0644), so the same seed gives byte-identical shards.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import tarfile
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO

import numpy as np

from dsl import ir
from jepa_planner.data.clips import Clip
from jepa_planner.errors import DatasetError, ShardError

if TYPE_CHECKING:
    from _typeshed import ReadableBuffer

INDEX_NAME = "index.json"
ARRAYS = ("frames", "boxes", "active_step", "keyframes", "keyframe_steps")
FORMAT_VERSION = 1


def shard_name(number: int) -> str:
    """``shard-000012.tar``."""
    return f"shard-{number:06d}.tar"


def _member(name: str, payload: bytes) -> tuple[tarfile.TarInfo, io.BytesIO]:
    info = tarfile.TarInfo(name)
    info.size = len(payload)
    info.mtime = 0
    info.mode = 0o644
    info.uid = info.gid = 0
    info.uname = info.gname = ""
    return info, io.BytesIO(payload)


def _npy(array: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    np.save(buffer, np.ascontiguousarray(array), allow_pickle=False)
    return buffer.getvalue()


def clip_metadata(clip: Clip) -> dict[str, Any]:
    """The JSON part of a sample."""
    return {
        "scene": clip.scene.model_dump(mode="json"),
        "dsl": clip.dsl,
        "scene_hash": clip.scene_hash,
        "object_names": list(clip.object_names),
        "seed": clip.seed,
        "level": clip.level,
        "index": clip.index,
        "attempt": clip.attempt,
        "duration": clip.duration,
        "fps": clip.fps,
    }


@dataclass(frozen=True)
class EncodedSample:
    """One clip as the tar members of its sample, names and bytes in shard order.

    Generation workers encode their clips and send these back, so the process writing the shards only copies
    bytes (unpickling a ``Clip`` with its scene graph cost about as much as writing it).
    """

    members: tuple[tuple[str, bytes], ...]


def _encode(key: str, arrays: Iterable[tuple[str, np.ndarray]], meta: dict[str, Any]) -> EncodedSample:
    """The tar members of one sample: its arrays as ``.npy``, then its metadata as compact, key-sorted JSON."""
    members = [(f"{key}.{name}.npy", _npy(array)) for name, array in arrays]
    text = json.dumps(meta, sort_keys=True, separators=(",", ":")).encode()
    return EncodedSample((*members, (f"{key}.json", text)))


def encode_sample(clip: Clip) -> EncodedSample:
    """The tar members of one clip, keyed by its index."""
    return _encode(f"{clip.index:08d}", ((name, getattr(clip, name)) for name in ARRAYS), clip_metadata(clip))


class _HashingWriter(io.RawIOBase):
    """The write end of a file that hashes every byte on its way, so a shard's digest needs no second read."""

    def __init__(self, file: BinaryIO) -> None:
        super().__init__()
        self.file = file
        self.sha256 = hashlib.sha256()

    def writable(self) -> bool:
        return True

    def write(self, data: ReadableBuffer, /) -> int:
        self.sha256.update(data)
        return self.file.write(data)

    def tell(self) -> int:
        return self.file.tell()


def write_shard(path: Path, clips: Sequence[Clip | EncodedSample]) -> str:
    """Write clips (or their encoded samples) to ``path`` atomically; returns the shard's SHA-256."""
    temp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        with temp.open("wb") as file:
            writer = _HashingWriter(file)
            with tarfile.open(fileobj=writer, mode="w", format=tarfile.USTAR_FORMAT) as tar:
                for clip in clips:
                    sample = clip if isinstance(clip, EncodedSample) else encode_sample(clip)
                    for name, payload in sample.members:
                        tar.addfile(*_member(name, payload))
        os.replace(temp, path)
    finally:
        temp.unlink(missing_ok=True)
    return writer.sha256.hexdigest()


@dataclass(frozen=True)
class Sample:
    """One sample read back from a shard: arrays by name and the JSON metadata."""

    key: str
    arrays: dict[str, np.ndarray]
    meta: dict[str, Any]

    @property
    def scene(self) -> ir.Scene:
        """The scene graph label."""
        return ir.Scene.model_validate(self.meta["scene"])


def read_shard(path: str | Path) -> Iterator[Sample]:
    """Yield the samples of a shard in order; a damaged shard raises ``ShardError`` naming the file."""
    path = Path(path)
    try:
        with tarfile.open(path, "r:") as tar:
            current: str | None = None
            arrays: dict[str, np.ndarray] = {}
            meta: dict[str, Any] | None = None
            for member in tar:
                key, _, rest = member.name.partition(".")
                if current is not None and key != current:
                    yield _finish(path, current, arrays, meta)
                    arrays, meta = {}, None
                current = key
                handle = tar.extractfile(member)
                if handle is None:
                    raise ShardError(f"member {member.name!r} is not a file", filename=str(path))
                data = handle.read()
                if rest == "json":
                    meta = json.loads(data)
                else:
                    arrays[rest.removesuffix(".npy")] = np.load(io.BytesIO(data), allow_pickle=False)
            if current is not None:
                yield _finish(path, current, arrays, meta)
    except (tarfile.TarError, EOFError, OSError, ValueError) as exc:
        if isinstance(exc, FileNotFoundError):
            raise ShardError("the shard is missing", filename=str(path), hint="regenerate the dataset") from None
        raise ShardError(
            f"the shard is damaged ({type(exc).__name__}: {exc})",
            filename=str(path),
            hint="delete it and rerun `jepa-planner data gen` with the same arguments to rebuild it",
        ) from None


def _finish(path: Path, key: str, arrays: dict[str, np.ndarray], meta: dict[str, Any] | None) -> Sample:
    missing = [name for name in ARRAYS if name not in arrays] + ([] if meta is not None else ["json"])
    if missing:
        raise ShardError(f"sample {key} lacks {', '.join(missing)}", filename=str(path), hint="rebuild the shard")
    assert meta is not None, "checked above"
    return Sample(key, arrays, meta)


@dataclass(frozen=True)
class DatasetSettings:
    """What a dataset directory was generated with; a rerun must use the same."""

    level: int
    seed: int
    width: int
    height: int
    length: int
    shard_size: int
    curriculum: str
    n: int

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


def read_index(directory: str | Path, name: str = INDEX_NAME) -> dict[str, Any]:
    """The index of a dataset directory (or of one slice of it), or a ``DatasetError`` saying what is wrong."""
    path = Path(directory) / name
    try:
        index: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise DatasetError(
            "no dataset here (index.json is missing)",
            filename=str(directory),
            hint="create one with `jepa-planner data gen --out DIR ...`",
        ) from None
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise DatasetError(f"index.json is damaged: {exc}", filename=str(path)) from None
    if index.get("format") != FORMAT_VERSION or "shards" not in index or "settings" not in index:
        raise DatasetError("index.json is not a dataset index of this version", filename=str(path))
    return index


def write_index(
    directory: Path, settings: DatasetSettings, shards: dict[str, dict[str, Any]], name: str = INDEX_NAME
) -> None:
    """Write index.json (or a slice's index, ``name``) atomically, shards sorted by name."""
    index = {"format": FORMAT_VERSION, "settings": settings.as_dict(), "shards": dict(sorted(shards.items()))}
    temp = directory / f".{name}.{os.getpid()}.tmp"
    temp.write_text(json.dumps(index, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    os.replace(temp, directory / name)


def dataset_shards(directory: str | Path) -> list[Path]:
    """The shard files a dataset's index lists, in order (``DatasetError`` if one is missing)."""
    directory = Path(directory)
    paths = [directory / name for name in read_index(directory)["shards"]]
    missing = [path.name for path in paths if not path.exists()]
    if missing:
        raise DatasetError(
            f"index.json lists shards that are missing: {', '.join(missing[:3])}",
            filename=str(directory),
            hint="rerun `jepa-planner data gen` to rebuild them",
        )
    return paths


class DatasetWriter:
    """Writes samples read back from other datasets into a new dataset directory: shards, then ``index.json``.

    Samples are renumbered in the order they are added (two source directories can both hold a sample
    ``00000000``, and a shard reader groups members by key).

    Examples
    --------
    >>> writer = DatasetWriter(Path("subset"), settings)             # doctest: +SKIP
    >>> for sample in stream_samples(["data/l2"]): writer.add(sample)  # doctest: +SKIP
    >>> writer.close()                                                # doctest: +SKIP
    """

    def __init__(self, directory: Path, settings: DatasetSettings) -> None:
        self.directory, self.settings = directory, settings
        self.pending: list[EncodedSample] = []
        self.shards: dict[str, dict[str, Any]] = {}
        self.count = 0
        directory.mkdir(parents=True, exist_ok=True)

    def add(self, sample: Sample) -> None:
        self.pending.append(_encode(f"{self.count:08d}", sample.arrays.items(), sample.meta))
        self.count += 1
        if len(self.pending) == self.settings.shard_size:
            self.flush()

    def flush(self) -> None:
        """Write the samples added since the last shard as a shard of their own."""
        if self.pending:
            name = shard_name(len(self.shards))
            digest = write_shard(self.directory / name, self.pending)
            self.shards[name] = {"samples": len(self.pending), "sha256": digest}
            self.pending = []

    def close(self) -> None:
        """Write the last shard and the index."""
        self.flush()
        write_index(self.directory, self.settings, self.shards)


def stream_samples(directories: Sequence[str | Path]) -> Iterator[Sample]:
    """Every sample of the dataset directories, shard by shard, in order."""
    for directory in directories:
        for shard in dataset_shards(directory):
            yield from read_shard(shard)
