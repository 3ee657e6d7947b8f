"""Streaming clip datasets for Lightning: ``ClipStream`` (a torch ``IterableDataset``) and ``ClipDataModule``.

Splits
    Every sample's split comes from its ``scene_hash``: ``int(hash[:8], 16) % 10_000`` below
    ``val_fraction * 10_000`` is validation, below ``(val_fraction + test_fraction) * 10_000`` test, the rest
    train. Identical scenes share a hash, so a scene never lands in two splits, whatever directory it came from.

Readers
    Each (DDP rank, dataloader worker) pair is one reader, numbered ``rank * workers + worker`` out of
    ``world_size * workers``. Shard ``i`` (of all directories, in order) belongs to reader ``i % readers``, so
    readers open disjoint shards. When there are fewer shards than readers, shard ownership would leave readers
    idle, so every reader opens every shard instead and keeps sample ``j`` (the running position over all
    shards) when ``j % readers`` is its number: no sample is read twice and none is skipped, at the cost of each
    reader decoding every shard. Ranks may get different sample counts; under DDP with uneven counts, cap the
    epoch (``limit_train_batches``) or give every rank the same number of shards.

Shuffling (train only)
    Each reader visits its shards in an order drawn from ``(seed, epoch, reader)`` and passes samples through a
    shuffle buffer of ``shuffle_buffer`` samples (kept as uint8, decoded to float when they leave it).
    ``epoch`` counts the passes over the dataloader (``EpochDataLoader`` advances it), so each epoch shuffles
    anew and a rerun with the same seed repeats the order. Validation and test are read in order.

Items (``labeled=False``): ``frames`` float32 ``[T, 3, H, W]`` in [0, 1]. Labelled items add

========================  ========================  ==========================================================
key                       shape / type              meaning
========================  ========================  ==========================================================
``boxes``                 float32 ``[T, N, 4]``     left, bottom, right, top in Manim units; 0 where not shown
``visible``               bool ``[T, N]``           the object is on screen in that frame
``object_mask``           bool ``[N]``              the slot holds an object (``N = max_objects``)
``kind_ids``              int64 ``[N]``             index into ``KIND_NAMES``; ``PAD_ID`` for empty slots
``color_ids``             int64 ``[N]``             index into ``COLOR_NAMES``; ``PAD_ID`` for hex, unset, empty
``active_step``           int64 ``[T]``             timeline index of the step played in each frame (-1: none)
``step_verbs``            int64 ``[S]``             first verb of each step, index into ``VERB_NAMES``
``step_mask``             bool ``[S]``              the slot holds a step (``S = max_steps``)
``index``                 int64 ``[]``              the sample's key (global index in its dataset)
``dsl``, ``scene_hash``   str                       canonical DSL text and its SHA-256 (batched as lists)
========================  ========================  ==========================================================

Objects are the leaf objects (groups excluded) in declaration order, as in the shards' ``boxes``.
"""

from __future__ import annotations

import random
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any, Final, Literal

import numpy as np
import torch
from einops import rearrange
from lightning import LightningDataModule
from torch.utils.data import DataLoader, IterableDataset, get_worker_info

from dsl import ir, vocabulary
from jepa_planner.data.shards import Sample, dataset_shards, read_index, read_shard
from jepa_planner.errors import DatasetError

Split = Literal["train", "val", "test"]
SPLITS: Final[tuple[Split, ...]] = ("train", "val", "test")
#: Buckets a scene hash is reduced to before it is compared with the split fractions.
SPLIT_BUCKETS: Final = 10_000
#: Object kinds, in ``dsl.ir.OBJECT_KINDS`` order; ``kind_ids`` index into it.
KIND_NAMES: Final[tuple[str, ...]] = tuple(ir.OBJECT_KINDS)
#: Manim colour names (``dsl.vocabulary.COLOR_NAMES``); ``color_ids`` index into it.
COLOR_NAMES: Final[tuple[str, ...]] = vocabulary.COLOR_NAMES
#: Step verbs: every animation kind (``dsl.ir.ANIMATION_KINDS`` order), then the steps that are not ``play``.
VERB_NAMES: Final[tuple[str, ...]] = (*ir.ANIMATION_KINDS, "wait", "add")
#: The id of an empty slot or of a value outside the vocabulary.
PAD_ID: Final = -1

_KIND_IDS: Final = {name: i for i, name in enumerate(KIND_NAMES)}
_COLOR_IDS: Final = {name: i for i, name in enumerate(COLOR_NAMES)}
_VERB_IDS: Final = {name: i for i, name in enumerate(VERB_NAMES)}


def split_of(scene_hash: str, val_fraction: float, test_fraction: float) -> Split:
    """The split of a scene, decided by its hash alone.

    Examples
    --------
    >>> split_of("0000" + "0" * 60, 0.05, 0.05), split_of("ffffffff" + "0" * 56, 0.05, 0.05)
    ('val', 'train')
    """
    bucket = int(scene_hash[:8], 16) % SPLIT_BUCKETS
    if bucket < round(val_fraction * SPLIT_BUCKETS):
        return "val"
    if bucket < round((val_fraction + test_fraction) * SPLIT_BUCKETS):
        return "test"
    return "train"


def distributed_rank() -> tuple[int, int]:
    """``(rank, world_size)`` from ``torch.distributed`` when it is initialised, else ``(0, 1)``."""
    if torch.distributed.is_available() and torch.distributed.is_initialized():
        return torch.distributed.get_rank(), torch.distributed.get_world_size()
    return 0, 1


def label_tensors(sample: Sample, max_objects: int, max_steps: int) -> dict[str, Any]:
    """The label part of an item (see the module docstring), from a sample's arrays and JSON metadata.

    Raises
    ------
    DatasetError
        When the scene has more leaf objects or steps than the slots.
    """
    meta = sample.meta
    names: list[str] = meta["object_names"]
    timeline: list[dict[str, Any]] = meta["scene"]["timeline"]
    if len(names) > max_objects or len(timeline) > max_steps:
        raise DatasetError(
            f"sample {sample.key} has {len(names)} objects and {len(timeline)} steps, more than the "
            f"{max_objects} object and {max_steps} step slots",
            hint="raise max_objects / max_steps of the data module",
        )
    objects = {obj["name"]: obj for obj in meta["scene"]["objects"]}
    boxes = sample.arrays["boxes"]  # [T, n, 4], NaN off screen
    length = boxes.shape[0]
    padded = np.zeros((length, max_objects, 4), dtype=np.float32)
    visible = np.zeros((length, max_objects), dtype=bool)
    shown = ~np.isnan(boxes).any(axis=-1)
    padded[:, : len(names)] = np.where(shown[..., None], boxes, 0.0)
    visible[:, : len(names)] = shown
    kinds = np.full(max_objects, PAD_ID, dtype=np.int64)
    colors = np.full(max_objects, PAD_ID, dtype=np.int64)
    for slot, name in enumerate(names):
        kinds[slot] = _KIND_IDS[objects[name]["kind"]]
        colors[slot] = _COLOR_IDS.get(objects[name].get("color") or "", PAD_ID)
    verbs = np.full(max_steps, PAD_ID, dtype=np.int64)
    for slot, step in enumerate(timeline):
        verbs[slot] = _VERB_IDS[step["animations"][0]["kind"] if step["kind"] == "play" else step["kind"]]
    return {
        "boxes": torch.from_numpy(padded),
        "visible": torch.from_numpy(visible),
        "object_mask": torch.from_numpy(np.arange(max_objects) < len(names)),
        "kind_ids": torch.from_numpy(kinds),
        "color_ids": torch.from_numpy(colors),
        "active_step": torch.from_numpy(sample.arrays["active_step"].astype(np.int64)),
        "step_verbs": torch.from_numpy(verbs),
        "step_mask": torch.from_numpy(np.arange(max_steps) < len(timeline)),
        "index": torch.tensor(int(sample.key)),
        "dsl": meta["dsl"],
        "scene_hash": meta["scene_hash"],
    }


class ClipStream(IterableDataset[dict[str, Any]]):
    """One split of one or more dataset directories, streamed shard by shard.

    Parameters
    ----------
    shards
        Shard files of every directory, in order (each reader's share is decided from this order).
    split
        Which split to yield.
    val_fraction, test_fraction
        Shares of the hash space given to validation and test.
    labeled
        Yield labels as well as frames.
    max_objects, max_steps
        Label slots for objects and steps.
    shuffle_buffer
        Samples held for shuffling (train only); 0 or 1 turns the buffer off.
    seed
        Seed of the shard order and the buffer.
    rank, world_size
        This process's DDP rank and the number of ranks; from ``torch.distributed`` when None.
    """

    def __init__(
        self,
        *,
        shards: Sequence[Path],
        split: Split,
        val_fraction: float = 0.05,
        test_fraction: float = 0.05,
        labeled: bool = False,
        max_objects: int = 8,
        max_steps: int = 16,
        shuffle_buffer: int = 256,
        seed: int = 0,
        rank: int | None = None,
        world_size: int | None = None,
    ) -> None:
        super().__init__()
        if rank is None or world_size is None:
            rank, world_size = distributed_rank()
        assert 0 <= rank < world_size, f"rank {rank} is outside a world of {world_size}"
        self.shards = [Path(shard) for shard in shards]
        self.split = split
        self.val_fraction = val_fraction
        self.test_fraction = test_fraction
        self.labeled = labeled
        self.max_objects = max_objects
        self.max_steps = max_steps
        self.shuffle_buffer = shuffle_buffer
        self.seed = seed
        self.rank = rank
        self.world_size = world_size
        self.epoch = 0

    def set_epoch(self, epoch: int) -> None:
        """Choose the shuffle of the next pass (``EpochDataLoader`` calls this before every pass)."""
        self.epoch = epoch

    def reader(self) -> tuple[int, int]:
        """``(reader, readers)`` for the calling process: this rank's dataloader worker among all of them."""
        info = get_worker_info()
        worker, workers = (info.id, info.num_workers) if info is not None else (0, 1)
        return self.rank * workers + worker, self.world_size * workers

    def _raw_samples(self, reader: int, readers: int) -> Iterator[Sample]:
        """This reader's samples of every split, in reading order."""
        if len(self.shards) >= readers:
            mine = self.shards[reader::readers]
            if self.split == "train":
                random.Random(f"{self.seed}:{self.epoch}:{reader}").shuffle(mine)
            for shard in mine:
                yield from read_shard(shard)
            return
        # Fewer shards than readers: stride over samples, in the same shard order for every reader.
        position = 0
        for shard in self.shards:
            for sample in read_shard(shard):
                if position % readers == reader:
                    yield sample
                position += 1

    def _split_samples(self, reader: int, readers: int) -> Iterator[Sample]:
        for sample in self._raw_samples(reader, readers):
            if split_of(sample.meta["scene_hash"], self.val_fraction, self.test_fraction) == self.split:
                yield sample

    def _shuffled(self, samples: Iterator[Sample], reader: int) -> Iterator[Sample]:
        """Pass samples through a shuffle buffer (train with a buffer of 2 or more), else unchanged."""
        if self.split != "train" or self.shuffle_buffer < 2:
            yield from samples
            return
        rng = random.Random(f"buffer:{self.seed}:{self.epoch}:{reader}")
        buffer: list[Sample] = []
        for sample in samples:
            if len(buffer) < self.shuffle_buffer:
                buffer.append(sample)
                continue
            slot = rng.randrange(len(buffer))
            yield buffer[slot]
            buffer[slot] = sample
        rng.shuffle(buffer)
        yield from buffer

    def item(self, sample: Sample) -> dict[str, Any]:
        """Turn a sample into an item: frames as float ``[T, 3, H, W]`` in [0, 1], plus labels when labelled."""
        # numpy, not torch: one fused pass, and no intra-op thread pool to contend with inside loader workers.
        channels_first = rearrange(sample.arrays["frames"], "t h w c -> t c h w")
        frames = np.divide(channels_first, np.float32(255.0), dtype=np.float32, order="C")
        item: dict[str, Any] = {"frames": torch.from_numpy(frames)}
        if self.labeled:
            item.update(label_tensors(sample, self.max_objects, self.max_steps))
        return item

    def __iter__(self) -> Iterator[dict[str, Any]]:
        reader, readers = self.reader()
        for sample in self._shuffled(self._split_samples(reader, readers), reader):
            yield self.item(sample)


class EpochDataLoader(DataLoader[dict[str, Any]]):
    """A ``DataLoader`` that numbers its passes and tells its ``ClipStream``, so each epoch is shuffled anew.

    Workers receive a copy of the dataset when a pass starts, so the epoch is set in the main process, just before
    (persistent workers would keep their first copy, so ``ClipDataModule`` does not ask for them).
    """

    def __init__(self, dataset: ClipStream, **kwargs: Any) -> None:
        super().__init__(dataset, **kwargs)
        self.passes = 0

    def __iter__(self) -> Any:
        assert isinstance(self.dataset, ClipStream), "an EpochDataLoader streams a ClipStream"
        self.dataset.set_epoch(self.passes)
        self.passes += 1
        return super().__iter__()


class ClipDataModule(LightningDataModule):
    """Train, validation and test splits of clip datasets made by ``jepa-planner data gen``.

    Parameters
    ----------
    data_dirs
        Dataset directories; all must share resolution and clip length.
    batch_size
        Clips per batch.
    num_workers
        Dataloader worker processes per rank.
    labeled
        Yield labels as well as frames (see the module docstring).
    val_fraction, test_fraction
        Shares of the scene-hash space that go to validation and test.
    shuffle_buffer
        Samples each reader holds for shuffling the train split.
    seed
        Seed of the train order.
    max_objects, max_steps
        Label slots for leaf objects and timeline steps.

    Examples
    --------
    In a LightningCLI YAML config::

        data:
          class_path: jepa_planner.data.datamodule.ClipDataModule
          init_args: {data_dirs: [data/l1, data/l2], batch_size: 64, num_workers: 2, labeled: true}
    """

    def __init__(
        self,
        *,
        data_dirs: list[str],
        batch_size: int = 32,
        num_workers: int = 0,
        labeled: bool = False,
        val_fraction: float = 0.05,
        test_fraction: float = 0.05,
        shuffle_buffer: int = 256,
        seed: int = 0,
        max_objects: int = 8,
        max_steps: int = 16,
    ) -> None:
        super().__init__()
        if min(val_fraction, test_fraction) < 0.0 or val_fraction + test_fraction > 1.0:
            raise ValueError(
                f"split fractions must be at least 0 and sum to at most 1 "
                f"(val_fraction={val_fraction}, test_fraction={test_fraction})"
            )
        self.save_hyperparameters()
        self.data_dirs = [str(d) for d in data_dirs]
        self.batch_size = batch_size
        self.num_workers = num_workers
        self.labeled = labeled
        self.val_fraction = val_fraction
        self.test_fraction = test_fraction
        self.shuffle_buffer = shuffle_buffer
        self.seed = seed
        self.max_objects = max_objects
        self.max_steps = max_steps
        self.shards: list[Path] = []
        self.clip_shape: tuple[int, int, int, int] | None = None

    def setup(self, stage: str | None = None) -> None:
        """Check the directories and list their shards; sets ``clip_shape`` to ``(T, 3, H, W)``.

        Raises
        ------
        DatasetError
            When a directory is missing, is not a dataset, lacks a listed shard, has no shards yet, or differs
            from the first in resolution or clip length.
        """
        if not self.data_dirs:
            raise DatasetError("no dataset directories given", hint="set data_dirs to one or more dataset folders")
        shards: list[Path] = []
        shape: tuple[int, int, int, int] | None = None
        for directory in self.data_dirs:
            paths = dataset_shards(directory)
            if not paths:
                raise DatasetError(
                    "the dataset has no finished shards yet",
                    filename=directory,
                    hint="let `jepa-planner data gen` finish at least one shard",
                )
            settings = read_index(directory)["settings"]
            here = (int(settings["length"]), 3, int(settings["height"]), int(settings["width"]))
            if shape is not None and here != shape:
                raise DatasetError(
                    f"clips here are {here[0]} frames at {here[3]}x{here[2]}, but "
                    f"{self.data_dirs[0]} has {shape[0]} frames at {shape[3]}x{shape[2]}",
                    filename=directory,
                    hint="mix only datasets of the same resolution and length",
                )
            shape = here
            shards.extend(paths)
        self.shards, self.clip_shape = shards, shape

    def dataset(self, split: Split) -> ClipStream:
        """The stream of one split for this process's rank (from ``torch.distributed`` or the trainer)."""
        if not self.shards:
            self.setup()
        rank, world_size = distributed_rank()
        if world_size == 1 and self.trainer is not None:
            rank, world_size = self.trainer.global_rank, self.trainer.world_size
        return ClipStream(
            shards=self.shards, split=split, val_fraction=self.val_fraction, test_fraction=self.test_fraction,
            labeled=self.labeled, max_objects=self.max_objects, max_steps=self.max_steps,
            shuffle_buffer=self.shuffle_buffer, seed=self.seed, rank=rank, world_size=world_size,
        )  # fmt: skip

    def _loader(self, split: Split) -> EpochDataLoader:
        return EpochDataLoader(self.dataset(split), batch_size=self.batch_size, num_workers=self.num_workers)

    def train_dataloader(self) -> EpochDataLoader:
        """Shuffled train batches."""
        return self._loader("train")

    def val_dataloader(self) -> EpochDataLoader:
        """Validation batches, in order."""
        return self._loader("val")

    def test_dataloader(self) -> EpochDataLoader:
        """Test batches, in order."""
        return self._loader("test")
