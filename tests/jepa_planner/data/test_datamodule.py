"""ClipDataModule: disjoint splits by scene hash, every sample read exactly once per split, shapes and labels."""

from __future__ import annotations

import json
import shutil
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
import torch
from torch.utils.data import DataLoader

from dsl import ir
from jepa_planner.data.datamodule import (
    COLOR_NAMES,
    KIND_NAMES,
    PAD_ID,
    SPLITS,
    VERB_NAMES,
    ClipDataModule,
    ClipStream,
    split_of,
)
from jepa_planner.data.shards import dataset_shards
from jepa_planner.errors import DatasetError
from tests.jepa_planner.data.datasets import all_samples

VAL, TEST = 0.25, 0.25


def identities(batches: Any) -> list[tuple[int, str]]:
    """(key, scene hash) of every item in labelled batches."""
    seen: list[tuple[int, str]] = []
    for batch in batches:
        seen.extend(zip(batch["index"].tolist(), batch["scene_hash"], strict=True))
    return seen


def expected_identities(*directories: Path) -> Counter[tuple[int, str]]:
    return Counter((int(s.key), s.meta["scene_hash"]) for d in directories for s in all_samples(d))


def check_splits(by_split: dict[str, list[tuple[int, str]]], expected: Counter[tuple[int, str]]) -> None:
    """Splits share no scene hash, and together hold every sample exactly once."""
    hashes = {split: {h for _, h in items} for split, items in by_split.items()}
    assert not hashes["train"] & hashes["val"]
    assert not hashes["train"] & hashes["test"]
    assert not hashes["val"] & hashes["test"]
    assert Counter(item for items in by_split.values() for item in items) == expected
    for split, items in by_split.items():
        assert all(split_of(h, VAL, TEST) == split for _, h in items)


@pytest.mark.parametrize("num_workers", [0, 2])
def test_splits_are_disjoint_and_cover_every_sample_once(l1_dataset: Path, l2_dataset: Path, num_workers: int) -> None:
    module = ClipDataModule(
        data_dirs=[str(l1_dataset), str(l2_dataset)],
        batch_size=5,
        num_workers=num_workers,
        labeled=True,
        shuffle_buffer=8,
        val_fraction=VAL,
        test_fraction=TEST,
    )
    module.setup("fit")
    loaders = {"train": module.train_dataloader(), "val": module.val_dataloader(), "test": module.test_dataloader()}
    by_split = {split: identities(loader) for split, loader in loaders.items()}
    assert all(by_split.values()), {split: len(items) for split, items in by_split.items()}
    check_splits(by_split, expected_identities(l1_dataset, l2_dataset))


@pytest.mark.parametrize("dataset", ["l1_dataset", "l2_dataset"])
def test_two_ranks_with_two_workers_each_read_every_sample_once(dataset: str, request: pytest.FixtureRequest) -> None:
    """6 shards for 4 readers are divided by shard; 2 shards for 4 readers fall back to striding over samples."""
    directory: Path = request.getfixturevalue(dataset)
    shards = dataset_shards(directory)
    by_split: dict[str, list[tuple[int, str]]] = {split: [] for split in SPLITS}
    per_rank: list[set[int]] = []
    for rank in (0, 1):
        keys: set[int] = set()
        for split in SPLITS:
            stream = ClipStream(
                shards=shards,
                split=split,
                labeled=True,
                shuffle_buffer=4,
                rank=rank,
                world_size=2,
                val_fraction=VAL,
                test_fraction=TEST,
            )
            items = identities(DataLoader(stream, batch_size=3, num_workers=2))
            by_split[split].extend(items)
            keys.update(key for key, _ in items)
        per_rank.append(keys)
    assert per_rank[0] and per_rank[1] and not per_rank[0] & per_rank[1]
    check_splits(by_split, expected_identities(directory))


def test_unlabeled_batches_hold_float_frames_only(l1_dataset: Path) -> None:
    module = ClipDataModule(data_dirs=[str(l1_dataset)], batch_size=4, val_fraction=0.0, test_fraction=0.0)
    module.setup()
    assert module.clip_shape == (16, 3, 36, 64)
    batches = list(module.train_dataloader())
    assert sum(len(batch["frames"]) for batch in batches) == 24
    batch = batches[0]
    assert set(batch) == {"frames"}
    assert batch["frames"].shape == (4, 16, 3, 36, 64) and batch["frames"].dtype == torch.float32
    assert 0.0 <= float(batch["frames"].min()) and float(batch["frames"].max()) <= 1.0
    assert float(batch["frames"].max()) > 0.2, "the clips show something"


def every_train_clip(dataset: Path, **options: Any) -> ClipStream:
    """A labelled stream of every clip of ``dataset`` (no validation or test split)."""
    return ClipStream(
        shards=dataset_shards(dataset), split="train", labeled=True, val_fraction=0.0, test_fraction=0.0, **options
    )


def test_labels_match_the_scene(l2_dataset: Path) -> None:
    stream = every_train_clip(l2_dataset, max_objects=8, max_steps=16)
    samples = {int(s.key): s for s in all_samples(l2_dataset)}
    items = list(stream)
    assert len(items) == len(samples)
    for item in items:
        sample = samples[int(item["index"])]
        scene = sample.scene
        objects = scene.object_map()
        names = sample.meta["object_names"]
        n = len(names)
        assert item["boxes"].shape == (16, 8, 4) and item["visible"].shape == (16, 8)
        assert item["object_mask"].tolist() == [True] * n + [False] * (8 - n)
        assert [KIND_NAMES[i] for i in item["kind_ids"][:n].tolist()] == [objects[name].kind for name in names]
        assert [COLOR_NAMES[i] for i in item["color_ids"][:n].tolist()] == [objects[name].color for name in names]
        assert item["kind_ids"][n:].eq(PAD_ID).all() and item["color_ids"][n:].eq(PAD_ID).all()
        steps = len(scene.timeline)
        verbs = [VERB_NAMES[i] for i in item["step_verbs"][:steps].tolist()]
        assert verbs == [s.animations[0].kind if isinstance(s, ir.Play) else s.kind for s in scene.timeline]
        assert item["step_mask"].sum() == steps and item["step_verbs"][steps:].eq(PAD_ID).all()
        assert item["active_step"].tolist() == sample.arrays["active_step"].tolist()
        stored = torch.from_numpy(sample.arrays["boxes"])
        shown = ~stored.isnan().any(-1)
        assert item["visible"][:, :n].equal(shown)
        assert item["boxes"][:, :n][shown].equal(stored[shown])
        assert item["boxes"][~item["visible"]].eq(0).all()
        assert item["dsl"] == sample.meta["dsl"]


def test_train_order_is_seeded_and_changes_between_epochs(l1_dataset: Path) -> None:
    def order(module: ClipDataModule, passes: int) -> list[list[int]]:
        loader = module.train_dataloader()
        return [[int(i) for batch in loader for i in batch["index"]] for _ in range(passes)]

    settings: dict[str, Any] = {
        "data_dirs": [str(l1_dataset)],
        "labeled": True,
        "val_fraction": 0.0,
        "test_fraction": 0.0,
        "shuffle_buffer": 8,
        "batch_size": 6,
    }
    first, second = order(ClipDataModule(**settings, seed=1), 2)
    assert sorted(first) == sorted(second) == list(range(24))
    assert first != second, "a new epoch reshuffles"
    assert order(ClipDataModule(**settings, seed=1), 2) == [first, second]
    assert order(ClipDataModule(**settings, seed=2), 1)[0] != first
    val = ClipDataModule(**{**settings, "val_fraction": 1.0})
    assert [int(i) for batch in val.val_dataloader() for i in batch["index"]] == list(range(24)), "val is in order"


def test_setup_names_a_missing_directory(tmp_path: Path) -> None:
    missing = tmp_path / "nowhere"
    with pytest.raises(DatasetError) as caught:
        ClipDataModule(data_dirs=[str(missing)]).setup()
    assert caught.value.filename == str(missing)
    assert "index.json" in caught.value.render()


def test_setup_refuses_datasets_of_different_resolution(l1_dataset: Path, tmp_path: Path) -> None:
    other = tmp_path / "wide"
    shutil.copytree(l1_dataset, other)
    index = json.loads((other / "index.json").read_text())
    index["settings"].update(width=128, height=72)
    (other / "index.json").write_text(json.dumps(index))
    with pytest.raises(DatasetError, match="128x72") as caught:
        ClipDataModule(data_dirs=[str(l1_dataset), str(other)]).setup()
    assert caught.value.filename == str(other)


def test_split_fractions_are_validated() -> None:
    with pytest.raises(ValueError, match="fractions"):
        ClipDataModule(data_dirs=["x"], val_fraction=0.7, test_fraction=0.5)


def test_too_many_objects_for_the_slots_is_a_clear_error(l2_dataset: Path) -> None:
    stream = every_train_clip(l2_dataset, max_objects=1)
    with pytest.raises(DatasetError, match="max_objects"):
        list(stream)


def test_fast_dev_run_with_lightning(l1_dataset: Path, tmp_path: Path) -> None:
    import lightning as L

    class Probe(L.LightningModule):
        def __init__(self) -> None:
            super().__init__()
            self.layer = torch.nn.Linear(3, 1)

        def training_step(self, batch: dict[str, torch.Tensor], batch_idx: int) -> torch.Tensor:
            loss: torch.Tensor = self.layer(batch["frames"].mean(dim=(1, 3, 4))).pow(2).mean()
            return loss

        def validation_step(self, batch: dict[str, torch.Tensor], batch_idx: int) -> None:
            self.log("val_loss", self.layer(batch["frames"].mean(dim=(1, 3, 4))).pow(2).mean())

        def configure_optimizers(self) -> torch.optim.Optimizer:
            return torch.optim.SGD(self.parameters(), lr=0.1)

    data = ClipDataModule(data_dirs=[str(l1_dataset)], batch_size=4, val_fraction=VAL, test_fraction=TEST)
    trainer = L.Trainer(
        fast_dev_run=2,
        accelerator="cpu",
        logger=False,
        enable_checkpointing=False,
        enable_progress_bar=False,
        enable_model_summary=False,
        default_root_dir=tmp_path,
    )
    trainer.fit(Probe(), datamodule=data)
    assert trainer.state.finished
