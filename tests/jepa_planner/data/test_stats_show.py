"""``data stats`` and ``data show`` on a small dataset, and a truncated shard through every reader."""

from __future__ import annotations

import shutil
from collections import Counter
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from dsl import ir
from jepa_planner.cli import main
from jepa_planner.data.datamodule import ClipDataModule
from jepa_planner.data.show import HIGHLIGHT_BAND, MIN_WIDTH, gif_frames, show_sample
from jepa_planner.data.stats import CELLS, dataset_stats, format_stats, grid_cell
from jepa_planner.errors import DatasetError, ShardError
from tests.jepa_planner.data.datasets import all_samples


def test_grid_cells_split_the_frame_in_thirds() -> None:
    assert grid_cell(0.0, 0.0) == "middle-centre"
    assert grid_cell(-4.2, 2.2) == "top-left"
    assert grid_cell(4.2, -2.2) == "bottom-right"
    assert grid_cell(2.3, 1.3) == "middle-centre" and grid_cell(2.4, 1.4) == "top-right"
    assert grid_cell(-100.0, 100.0) == "top-left"


def test_stats_count_what_the_shards_hold(l1_dataset: Path) -> None:
    stats = dataset_stats(l1_dataset)
    samples = all_samples(l1_dataset)
    assert stats["samples"] == 24 and stats["shards"] == 6
    assert stats["settings"]["level"] == 1 and stats["levels"] == {1: 24}
    assert stats["objects_per_scene"] == {1: 24} and stats["steps_per_scene"] == {1: 24}
    kinds = Counter(s.scene.objects[0].kind for s in samples)
    assert stats["kinds"] == dict(kinds) and list(stats["kinds"].values()) == sorted(kinds.values(), reverse=True)
    verbs = Counter(s.scene.timeline[0].animations[0].kind for s in samples)  # type: ignore[union-attr]
    assert stats["verbs"] == dict(verbs)
    assert stats["colors"] == dict(Counter(s.scene.objects[0].color for s in samples))
    assert list(stats["positions"]) == list(CELLS)
    assert sum(stats["positions"].values()) + stats["never_on_screen"] == 24
    # Level-1 objects are moved to cell centres, and most first boxes lie in that cell.
    moves = [s.scene.relations[0] for s in samples]
    homes = Counter(grid_cell(*move.point) for move in moves if isinstance(move, ir.MoveToRel))
    assert sum(homes.values()) == 24
    agree = sum(min(stats["positions"][cell], homes[cell]) for cell in CELLS)
    assert agree >= 20
    hashes = [s.meta["scene_hash"] for s in samples]
    assert stats["unique_scenes"] == len(set(hashes))
    assert stats["duplicates"] == 24 - len(set(hashes))
    assert stats["duplicate_rate"] == pytest.approx(stats["duplicates"] / 24)


def test_duplicates_are_counted_after_their_first_occurrence(l1_dataset: Path, tmp_path: Path) -> None:
    twice = tmp_path / "twice"
    shutil.copytree(l1_dataset, twice)
    index = (twice / "index.json").read_text()
    # List shard 0 twice under another name: its 4 samples now occur again.
    shutil.copy(twice / "shard-000000.tar", twice / "shard-000099.tar")
    (twice / "index.json").write_text(index.replace('"shards": {', '"shards": {"shard-000099.tar": {"samples": 4}, '))
    stats = dataset_stats(twice)
    base = dataset_stats(l1_dataset)
    assert stats["samples"] == 28 and stats["duplicates"] == base["duplicates"] + 4
    assert stats["duplicate_rate"] == pytest.approx(stats["duplicates"] / 28)


def test_the_report_is_markdown_with_every_histogram(l1_dataset: Path, capsys: pytest.CaptureFixture[str]) -> None:
    report = format_stats(dataset_stats(l1_dataset))
    for heading in (
        "# Dataset",
        "## Object kinds",
        "## Animation verbs",
        "## Colours",
        "## Positions",
        "## Objects per scene",
        "## Steps per scene",
    ):
        assert heading in report
    assert "24 in 6 shards" in report and "duplicate rate" in report
    assert "| **top** |" in report and "| 1 | 24 | 100.0% |" in report
    assert main(["data", "stats", str(l1_dataset)]) == 0
    assert capsys.readouterr().out.strip() == report.strip()


def test_show_writes_a_gif_and_a_png(l1_dataset: Path, tmp_path: Path) -> None:
    sample = all_samples(l1_dataset)[5]
    gif = show_sample(l1_dataset, 5, tmp_path / "clip.gif")
    with Image.open(gif) as image:
        assert getattr(image, "n_frames", 1) == 16
        width, height = image.size
    assert width > MIN_WIDTH + 100 and height >= 144, "a 256x144 clip with a text panel beside it"
    pictures = gif_frames(sample)
    assert pictures.shape == (16, height, width, 3)
    assert np.array_equal(pictures[0, :144, :256], sample.arrays["frames"][0].repeat(4, 0).repeat(4, 1))
    assert (pictures[0, :, 256:] == HIGHLIGHT_BAND).all(axis=-1).any(), "the playing step is highlighted"

    png = show_sample(l1_dataset, 5, tmp_path / "keys.png")
    keyframes = len(sample.arrays["keyframes"])
    with Image.open(png) as image:
        assert image.size[0] >= keyframes * MIN_WIDTH and image.size[1] > 144
    assert sorted(p.name for p in tmp_path.iterdir()) == ["clip.gif", "keys.png"], "no temporary files are left"


def test_show_refuses_to_overwrite_and_names_bad_indices(
    l1_dataset: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "mine.png"
    target.write_bytes(b"precious")
    with pytest.raises(DatasetError) as caught:
        show_sample(l1_dataset, 0, target)
    assert "--force" in caught.value.render() and target.read_bytes() == b"precious"
    assert main(["data", "show", str(l1_dataset), "--index", "0", "-o", str(target)]) == 1
    assert "--force" in capsys.readouterr().err
    show_sample(l1_dataset, 0, target, force=True)
    assert target.read_bytes().startswith(b"\x89PNG")
    for index in (24, -1, 10_000):
        with pytest.raises(DatasetError, match="not in this dataset") as caught:
            show_sample(l1_dataset, index, tmp_path / f"{index}.gif")
        assert caught.value.filename == str(l1_dataset)
    with pytest.raises(DatasetError, match="unsupported"):
        show_sample(l1_dataset, 0, tmp_path / "clip.mp4")


@pytest.fixture
def truncated(l1_dataset: Path, tmp_path: Path) -> Path:
    """A copy of the level-1 dataset whose third shard lost its second half."""
    copy = tmp_path / "damaged"
    shutil.copytree(l1_dataset, copy)
    shard = copy / "shard-000002.tar"
    data = shard.read_bytes()
    shard.write_bytes(data[: len(data) // 2 + 100])
    return copy


def test_a_truncated_shard_is_named_by_the_data_module(truncated: Path) -> None:
    module = ClipDataModule(data_dirs=[str(truncated)], batch_size=4)
    module.setup()
    with pytest.raises(ShardError) as caught:
        list(module.val_dataloader())
    assert caught.value.filename == str(truncated / "shard-000002.tar")
    assert "damaged" in caught.value.render()


def test_a_truncated_shard_is_named_by_a_worker(truncated: Path) -> None:
    module = ClipDataModule(data_dirs=[str(truncated)], batch_size=4, num_workers=2)
    with pytest.raises(ShardError, match="shard-000002.tar"):
        list(module.train_dataloader())


def test_a_truncated_shard_fails_stats_cleanly(truncated: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["data", "stats", str(truncated)]) == 1
    captured = capsys.readouterr()
    assert "shard-000002.tar" in captured.err and "shard error" in captured.err
    assert "Traceback" not in captured.err + captured.out
