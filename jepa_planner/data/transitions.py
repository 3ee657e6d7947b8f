"""Keyframe transitions for the action-conditioned world model, as a LightningDataModule.

Each clip becomes up to ``max_steps`` transitions (see ``jepa_planner.data.actions.transitions``), padded to a
fixed length with a mask. Keyframes are small (a few KB each at 64x36), so the splits are held in memory. The
split of a clip comes from its scene hash, so an identical scene never lands in two splits.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import lightning as L
import numpy as np
import torch
from torch.utils.data import DataLoader, Dataset

from dsl import ir
from jepa_planner.data.actions import transitions
from jepa_planner.data.datamodule import split_of
from jepa_planner.data.shards import dataset_shards, read_shard
from jepa_planner.models.video import to_video

SPLITS = ("train", "val", "test")


def _pad(array: np.ndarray, length: int) -> np.ndarray:
    padded = np.zeros((length, *array.shape[1:]), dtype=array.dtype)
    padded[: min(len(array), length)] = array[:length]
    return padded


class TransitionDataset(Dataset[dict[str, torch.Tensor]]):
    """Transitions of the clips in ``directories`` that fall in ``split``.

    Items: ``states`` ``[L+1, 3, H, W]`` float in [0, 1], action arrays ``[L, ...]``, ``mask`` ``[L]`` bool.
    """

    def __init__(
        self,
        *,
        directories: list[str],
        split: str,
        max_steps: int = 8,
        val_fraction: float = 0.05,
        test_fraction: float = 0.05,
        limit: int | None = None,
    ) -> None:
        assert split in SPLITS, f"split must be one of {SPLITS}"
        self.items: list[dict[str, np.ndarray]] = []
        for directory in directories:
            for shard in dataset_shards(Path(directory)):
                for sample in read_shard(shard):
                    if split_of(sample.meta["scene_hash"], val_fraction, test_fraction) != split:
                        continue
                    if limit is not None and len(self.items) >= limit:
                        return
                    scene = ir.Scene.model_validate(sample.meta["scene"])
                    clip = transitions(scene, sample.arrays, sample.meta["object_names"])
                    steps = min(len(clip["verb"]), max_steps)
                    item = {name: _pad(value, max_steps + (name == "states")) for name, value in clip.items()}
                    item["mask"] = np.arange(max_steps) < steps
                    self.items.append(item)

    def __len__(self) -> int:
        return len(self.items)

    def __getitem__(self, index: int) -> dict[str, torch.Tensor]:
        item = self.items[index]
        out = {name: torch.from_numpy(value) for name, value in item.items() if name != "states"}
        out["states"] = to_video(item["states"])  # [L+1, 3, H, W]
        return out


class TransitionDataModule(L.LightningDataModule):
    """Train/val/test transitions from shard directories.

    Parameters
    ----------
    data_dirs
        Dataset directories made by ``jepa-planner data gen``.
    max_steps
        Transitions kept per clip (the rest of a long clip is dropped; shorter clips are padded and masked).
    limit
        At most this many clips per split (None: all).
    """

    def __init__(
        self,
        *,
        data_dirs: list[str],
        batch_size: int = 32,
        num_workers: int = 0,
        max_steps: int = 8,
        val_fraction: float = 0.05,
        test_fraction: float = 0.05,
        limit: int | None = None,
    ) -> None:
        super().__init__()
        self.save_hyperparameters()  # for checkpoints and model cards; the code reads the attributes
        self.data_dirs, self.batch_size, self.num_workers = list(data_dirs), batch_size, num_workers
        self.max_steps, self.limit = max_steps, limit
        self.val_fraction, self.test_fraction = val_fraction, test_fraction
        self.datasets: dict[str, TransitionDataset] = {}

    def setup(self, stage: str | None = None) -> None:
        for split in SPLITS:
            if split not in self.datasets:
                self.datasets[split] = TransitionDataset(
                    directories=self.data_dirs,
                    split=split,
                    max_steps=self.max_steps,
                    val_fraction=self.val_fraction,
                    test_fraction=self.test_fraction,
                    limit=self.limit,
                )

    def _loader(self, split: str, shuffle: bool) -> DataLoader[Any]:
        return DataLoader(
            self.datasets[split],
            batch_size=self.batch_size,
            shuffle=shuffle,
            num_workers=self.num_workers,
            drop_last=shuffle and len(self.datasets[split]) > self.batch_size,
        )

    def train_dataloader(self) -> DataLoader[Any]:
        return self._loader("train", shuffle=True)

    def val_dataloader(self) -> DataLoader[Any]:
        return self._loader("val", shuffle=False)

    def test_dataloader(self) -> DataLoader[Any]:
        return self._loader("test", shuffle=False)
