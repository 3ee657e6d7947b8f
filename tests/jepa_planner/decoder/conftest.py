"""Fixtures shared by the decoder tests."""

from __future__ import annotations

import pytest

from jepa_planner.data.datamodule import ClipDataModule
from tests.jepa_planner.data.datasets import make_dataset


@pytest.fixture(scope="session")
def labelled_batch(tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    """One batch of the eight labelled level-2 clips of a generated dataset."""
    directory = make_dataset(tmp_path_factory.mktemp("decoder") / "l2", level=2, n=8, shard_size=8, seed=11)
    data = ClipDataModule(data_dirs=[str(directory)], batch_size=8, labeled=True, val_fraction=0.0, test_fraction=0.0)
    data.setup("fit")
    return next(iter(data.train_dataloader()))
