"""Session-wide tiny datasets for the data tests (see ``datasets.py``)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.jepa_planner.data.datasets import L1_REQUEST, L2_REQUEST, make_dataset


@pytest.fixture(scope="session")
def l1_dataset(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A level-1 dataset of 24 clips in 6 shards."""
    return make_dataset(tmp_path_factory.mktemp("l1") / "data", **L1_REQUEST)


@pytest.fixture(scope="session")
def l2_dataset(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A level-2 dataset of 16 clips in 2 shards, made with one worker."""
    return make_dataset(tmp_path_factory.mktemp("l2") / "data", **L2_REQUEST)
