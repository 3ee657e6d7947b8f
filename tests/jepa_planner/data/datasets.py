"""Tiny datasets for the data tests: what to generate, and how to read everything back."""

from __future__ import annotations

from pathlib import Path

from jepa_planner.data.generate import GenerateRequest, generate
from jepa_planner.data.shards import Sample, dataset_shards, read_shard

#: Level 1, 24 clips in 6 shards of 4: more shards than 2 ranks x 2 workers.
L1_REQUEST: dict[str, int] = {"level": 1, "n": 24, "shard_size": 4, "seed": 3}
#: Level 2, 16 clips in 2 shards of 8: fewer shards than 2 ranks x 2 workers.
L2_REQUEST: dict[str, int] = {"level": 2, "n": 16, "shard_size": 8, "seed": 5}


def make_dataset(out: Path, *, workers: int = 1, **settings: int) -> Path:
    """Generate a dataset quietly (64x36, 16 frames) and return its directory."""
    generate(GenerateRequest(out=out, workers=workers, **settings), progress=False)  # type: ignore[arg-type]
    return out


def all_samples(directory: Path) -> list[Sample]:
    """Every sample of a dataset, in shard order (fine for the tiny test datasets)."""
    return [sample for shard in dataset_shards(directory) for sample in read_shard(shard)]
