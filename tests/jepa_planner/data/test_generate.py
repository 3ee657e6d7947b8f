"""Generation is deterministic across worker counts and resumes after a hard kill with identical shards."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from jepa_planner.data.clips import Clip, render_clip
from jepa_planner.data.sampler import SceneSampler
from jepa_planner.data.shards import read_index, read_shard, shard_name
from tests.jepa_planner.data.datasets import L2_REQUEST, make_dataset

REPO = Path(__file__).resolve().parents[3]


def shard_bytes(directory: Path) -> dict[str, bytes]:
    """The bytes of every visible shard, by file name."""
    return {path.name: path.read_bytes() for path in sorted(directory.glob("shard-*.tar"))}


def test_one_and_two_workers_write_byte_identical_shards(l2_dataset: Path, tmp_path: Path) -> None:
    parallel = make_dataset(tmp_path / "parallel", workers=2, **L2_REQUEST)
    expected = shard_bytes(l2_dataset)
    assert len(expected) == 2
    assert shard_bytes(parallel) == expected
    assert read_index(parallel) == read_index(l2_dataset)


#: Run ``jepa-planner data gen`` in a child that SIGKILLs itself while writing its third shard: no clean-up runs,
#: and the kill lands at the same point on any machine, however fast.
_DIES_IN_THIRD_SHARD = """
import os, signal, sys
import jepa_planner.data.generate as generate
real, calls = generate.write_shard, []
def dying(path, clips):
    calls.append(path)
    if len(calls) == 3:
        path.with_name(f".{path.name}.{os.getpid()}.tmp").write_bytes(b"half a shard")
        os.kill(os.getpid(), signal.SIGKILL)
    return real(path, clips)
generate.write_shard = dying
from jepa_planner.cli import main
sys.exit(main(sys.argv[1:]))
"""


def test_a_killed_run_resumes_to_the_same_shards(tmp_path: Path) -> None:
    settings = ["--level", "2", "--n", "40", "--shard-size", "4", "--seed", "9", "--workers", "1"]
    out = tmp_path / "killed"
    command = [sys.executable, "-c", _DIES_IN_THIRD_SHARD, "data", "gen", *settings, "--out", str(out), "--quiet"]
    env = {**os.environ, "PYTHONPATH": str(REPO) + os.pathsep + os.environ.get("PYTHONPATH", "")}
    done = subprocess.run(command, cwd=REPO, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, check=False)
    assert done.returncode == -signal.SIGKILL, done.stderr.decode(errors="replace")
    visible = sorted(out.glob("shard-*.tar"))
    assert [path.name for path in visible] == [shard_name(0), shard_name(1)]
    for path in visible:  # a shard that is visible is complete; temporary files are hidden
        assert len(list(read_shard(path))) == 4, path.name

    from jepa_planner.cli import main

    assert main(["data", "gen", *settings, "--out", str(out), "--quiet"]) == 0
    reference = tmp_path / "uninterrupted"
    assert main(["data", "gen", *settings, "--out", str(reference), "--quiet"]) == 0
    assert len(shard_bytes(out)) == 10
    assert shard_bytes(out) == shard_bytes(reference)
    assert read_index(out) == read_index(reference)


def test_a_failing_clip_stops_a_parallel_run_and_keeps_the_shards_before_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def failing(sampler: SceneSampler, *, index: int, **kwargs: Any) -> Clip:
        if index == 13:
            raise RuntimeError("clip 13 failed")
        return render_clip(sampler, index=index, **kwargs)

    monkeypatch.setattr("jepa_planner.data.generate.render_clip", failing)  # the forked workers inherit it
    out = tmp_path / "failing"
    with pytest.raises(RuntimeError, match="clip 13 failed"):
        make_dataset(out, workers=2, level=1, n=64, shard_size=4, seed=0)
    assert sorted(path.name for path in out.glob("shard-*.tar")) == [shard_name(i) for i in range(3)]
    assert sorted(read_index(out)["shards"]) == [shard_name(i) for i in range(3)]
