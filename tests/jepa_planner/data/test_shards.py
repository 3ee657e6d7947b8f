"""Shards written from clips or from their encoded samples are the same bytes, and the digest is the file's."""

from __future__ import annotations

import hashlib
import pickle
from pathlib import Path

import numpy as np

from jepa_planner.data.clips import render_clip
from jepa_planner.data.sampler import SceneSampler
from jepa_planner.data.shards import (
    DatasetSettings,
    DatasetWriter,
    dataset_shards,
    encode_sample,
    read_index,
    read_shard,
    stream_samples,
    write_shard,
)


def test_encoded_samples_write_the_same_shard_as_clips(tmp_path: Path) -> None:
    sampler = SceneSampler()
    clips = [render_clip(sampler, level=1, seed=0, index=i, media_dir=str(tmp_path / "media")) for i in range(3)]
    # Workers send encoded samples through a pipe, so they go through pickle on the way.
    encoded = [pickle.loads(pickle.dumps(encode_sample(clip))) for clip in clips]
    from_clips = write_shard(tmp_path / "clips.tar", clips)
    from_encoded = write_shard(tmp_path / "encoded.tar", encoded)
    data = (tmp_path / "clips.tar").read_bytes()
    assert data == (tmp_path / "encoded.tar").read_bytes()
    assert from_clips == from_encoded == hashlib.sha256(data).hexdigest()
    for clip, sample in zip(clips, read_shard(tmp_path / "encoded.tar"), strict=True):
        np.testing.assert_array_equal(sample.arrays["frames"], clip.frames)
        assert sample.meta["dsl"] == clip.dsl and sample.scene == clip.scene


def test_a_dataset_writer_copies_read_back_samples_renumbered(tmp_path: Path) -> None:
    sampler = SceneSampler()
    clips = [render_clip(sampler, level=1, seed=0, index=i, media_dir=str(tmp_path / "media")) for i in range(3)]
    write_shard(tmp_path / "source.tar", clips)
    samples = list(read_shard(tmp_path / "source.tar"))
    settings = DatasetSettings(level=0, seed=0, width=64, height=36, length=16, shard_size=2, curriculum="x", n=4)
    writer = DatasetWriter(tmp_path / "copy", settings)
    for sample in [samples[2], samples[0], samples[2]]:  # the same key twice: renumbered, both kept
        writer.add(sample)
    writer.close()
    assert read_index(tmp_path / "copy")["settings"] == settings.as_dict()
    copied = list(stream_samples([tmp_path / "copy"]))
    assert [s.key for s in copied] == ["00000000", "00000001", "00000002"]
    assert [len(list(read_shard(path))) for path in dataset_shards(tmp_path / "copy")] == [2, 1]
    for original, copy in zip([samples[2], samples[0], samples[2]], copied, strict=True):
        assert copy.meta == original.meta
        for name, array in original.arrays.items():
            np.testing.assert_array_equal(copy.arrays[name], array)
