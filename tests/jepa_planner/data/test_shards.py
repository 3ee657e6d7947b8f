"""Shards written from clips or from their encoded samples are the same bytes, and the digest is the file's."""

from __future__ import annotations

import hashlib
import pickle
from pathlib import Path

import numpy as np

from jepa_planner.data.clips import render_clip
from jepa_planner.data.sampler import SceneSampler
from jepa_planner.data.shards import encode_sample, read_shard, write_shard


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
