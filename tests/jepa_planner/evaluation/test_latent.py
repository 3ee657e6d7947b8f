"""JEPA-latent distance: zero for a clip against itself, the JEPA weights it loads, and the files it refuses."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import torch

from jepa_planner.evaluation.latent import LatentDistance, jepa_target_encoder
from jepa_planner.systems.jepa import JEPAPretraining
from jepa_planner.systems.weights import CheckpointError, save_weights
from tests.jepa_planner.helpers import save_jepa_run

SHAPE: dict[str, Any] = {"frames": 8, "height": 24, "width": 32, "tubelet": (4, 6, 8), "preset": "tiny", "pred_dim": 32}


@pytest.fixture(scope="module")
def jepa_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return save_jepa_run(tmp_path_factory.mktemp("jepa") / "weights.safetensors", seed=0, **SHAPE)


def clip(seed: int, shape: tuple[int, int, int] = (16, 36, 64)) -> np.ndarray:
    return np.random.default_rng(seed).integers(0, 256, (*shape, 3), dtype=np.uint8)


def test_loads_the_target_encoder_with_its_shape(jepa_file: Path) -> None:
    encoder, frames, size = jepa_target_encoder(jepa_file)
    assert (frames, size) == (8, (32, 24))
    torch.manual_seed(0)
    expected = JEPAPretraining(**SHAPE).target_encoder.state_dict()
    assert all(torch.equal(value, expected[key]) for key, value in encoder.state_dict().items())


def test_distance_is_zero_on_itself_and_grows_with_the_difference(jepa_file: Path) -> None:
    encoder, frames, size = jepa_target_encoder(jepa_file)
    distance = LatentDistance(encoder, frames=frames, size=size)
    a = clip(0)  # 16 frames at 64x36: resampled and resized to what the encoder takes
    assert distance(a, a) == 0.0
    slightly = a.copy()
    slightly[:, :4, :4] = 255 - slightly[:, :4, :4]
    assert 0.0 < distance(a, slightly) < distance(a, clip(1))
    assert distance(a, clip(1)) == pytest.approx(distance(clip(1), a))


def test_refuses_what_is_not_a_jepa_run(jepa_file: Path, tmp_path: Path) -> None:
    with pytest.raises(CheckpointError, match="no such weights file"):
        jepa_target_encoder(tmp_path / "missing.safetensors")
    damaged = tmp_path / "damaged.safetensors"
    damaged.write_bytes(jepa_file.read_bytes()[:100])
    with pytest.raises(CheckpointError, match="damaged"):
        jepa_target_encoder(damaged)
    other = save_weights(torch.nn.Linear(2, 2), tmp_path / "other.safetensors", {"system": "DecoderTraining"})
    with pytest.raises(CheckpointError, match="not the weights of a JEPA run"):
        jepa_target_encoder(other)
    wrong = tmp_path / "wrong.safetensors"
    hparams = json.dumps({**SHAPE, "tubelet": [4, 6, 8], "preset": "small"})
    save_weights(JEPAPretraining(**SHAPE), wrong, {"system": "JEPAPretraining", "hparams": hparams})
    with pytest.raises(CheckpointError):
        jepa_target_encoder(wrong)
