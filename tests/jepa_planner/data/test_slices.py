"""``data gen --shard-index I --num-shards N``: disjoint slices whose union is the single-machine dataset, byte for
byte, so a SLURM array or an indexed Kubernetes Job can generate a dataset with no engine of ours."""

from __future__ import annotations

from pathlib import Path

import pytest

from jepa_planner.cli import main
from jepa_planner.data.shards import INDEX_NAME, shard_name
from tests.jepa_planner.data.datasets import make_dataset

SETTINGS = {"level": 1, "n": 14, "shard_size": 4, "seed": 7}  # four shards, the last one short
ARGS = ["--level", "1", "--n", "14", "--shard-size", "4", "--seed", "7", "--quiet"]


def files(directory: Path) -> dict[str, bytes]:
    """Every file of a dataset directory but its TeX and media caches."""
    return {path.name: path.read_bytes() for path in sorted(directory.iterdir()) if path.is_file()}


def test_slices_together_are_the_single_machine_dataset_byte_for_byte(tmp_path: Path) -> None:
    single = files(make_dataset(tmp_path / "one", **SETTINGS))
    assert sorted(single) == [INDEX_NAME, *(shard_name(i) for i in range(4))]

    out = tmp_path / "sliced"
    assert main(["data", "gen", *ARGS, "--out", str(out), "--shard-index", "1", "--num-shards", "3"]) == 0
    assert sorted(files(out)) == ["index.slice-1-of-3.json", shard_name(1)], "slice 1 writes shard 1 only"
    assert main(["data", "gen", *ARGS, "--out", str(out), "--shard-index", "0", "--num-shards", "3"]) == 0
    assert sorted(files(out)) == [
        "index.slice-0-of-3.json",
        "index.slice-1-of-3.json",
        shard_name(0),
        shard_name(1),
        shard_name(3),
    ], "slice 0 writes shards 0 and 3; no index yet"
    assert main(["data", "gen", *ARGS, "--out", str(out), "--shard-index", "2", "--num-shards", "3"]) == 0
    assert files(out) == single, "the last slice to finish writes index.json; the union is the same bytes"

    again = files(out)  # a rerun of any slice finds its work done and changes nothing
    assert main(["data", "gen", *ARGS, "--out", str(out), "--shard-index", "1", "--num-shards", "3"]) == 0
    assert files(out) == again


def test_a_slice_outside_the_range_is_a_clear_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["data", "gen", *ARGS, "--out", str(tmp_path / "x"), "--shard-index", "3", "--num-shards", "3"]) == 1
    assert "--shard-index 3 is not in 0 .. 2" in capsys.readouterr().err
