"""Model shapes and the context path: the encoder sees only the tokens it is given."""

from __future__ import annotations

import pytest
import torch

from jepa_planner.masks import apply_masks
from jepa_planner.models.vit import PRESETS, Predictor, VideoViT, sincos_3d


@pytest.fixture(scope="module")
def encoder() -> VideoViT:
    torch.manual_seed(0)
    return VideoViT(frames=16, height=36, width=64, tubelet=(4, 6, 8), preset="tiny").eval()


def test_shapes(encoder: VideoViT) -> None:
    video = torch.rand(2, 16, 3, 36, 64)
    assert encoder.grid == (4, 6, 8) and encoder.num_tokens == 192
    assert encoder(video).shape == (2, 192, 128)
    index = torch.tensor([[0, 5, 191], [3, 4, 100]])
    assert encoder(video, index).shape == (2, 3, 128)
    predictor = Predictor(dim=128, grid=encoder.grid, pred_dim=64, depth=2)
    context = encoder(video, index)
    assert predictor(context, index, torch.tensor([[1, 2], [7, 8]])).shape == (2, 2, 128)


def test_context_path_with_every_token_equals_the_full_forward(encoder: VideoViT) -> None:
    video = torch.rand(2, 16, 3, 36, 64)
    every = torch.arange(192).expand(2, -1)
    torch.testing.assert_close(encoder(video, every), encoder(video))


def test_context_path_does_not_attend_to_hidden_tokens(encoder: VideoViT) -> None:
    video = torch.rand(1, 16, 3, 36, 64)
    grid_w = torch.arange(192) % 8
    index = torch.nonzero(grid_w < 4).T  # [1, 96]: tokens of the left half (pixel columns 0-31)
    changed = video.clone()
    changed[..., 32:] = torch.rand_like(changed[..., 32:])  # pixels seen only by hidden tokens
    torch.testing.assert_close(encoder(changed, index), encoder(video, index))
    full_before, full_after = apply_masks(encoder(video), index), apply_masks(encoder(changed), index)
    assert not torch.allclose(full_before, full_after), "the full forward does attend over every token"


def test_positions_are_distinct_and_presets_are_consistent() -> None:
    pos = sincos_3d((4, 6, 8), 128)
    assert pos.shape == (192, 128)
    assert torch.unique(pos, dim=0).shape[0] == 192
    for preset in PRESETS.values():
        assert preset.dim % preset.heads == 0


def test_bad_sizes_are_rejected() -> None:
    with pytest.raises(ValueError, match="not divisible"):
        VideoViT(frames=15, tubelet=(4, 6, 8))
    with pytest.raises(ValueError, match="unknown preset"):
        VideoViT(preset="huge")
