from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F

from jepa_planner.models.video import latent_distance, latents, to_video
from jepa_planner.models.vit import VideoViT


def _clip(seed: int) -> np.ndarray:
    return np.random.default_rng(seed).integers(0, 256, size=(8, 24, 32, 3), dtype=np.uint8)


def test_to_video_moves_channels_first_and_scales_to_unit_range() -> None:
    frames = _clip(0)
    video = to_video(frames)
    assert video.shape == (8, 3, 24, 32) and video.dtype == torch.float32
    assert torch.equal(video[2, 1], torch.from_numpy(frames[2, :, :, 1]).float() / 255.0)
    assert to_video(np.stack([frames, frames])).shape == (2, 8, 3, 24, 32), "leading axes are kept"


def test_latent_distance_is_the_mean_l1_of_layer_normed_tokens() -> None:
    torch.manual_seed(0)
    encoder = VideoViT(frames=8, height=24, width=32, tubelet=(4, 6, 8), preset="tiny").eval()
    a, b = _clip(1), _clip(2)
    with torch.no_grad():
        tokens = [encoder(to_video(clip)[None]) for clip in (a, b)]
    normed = [F.layer_norm(t, t.shape[-1:]) for t in tokens]
    assert latent_distance(encoder, a, b) == float((normed[0] - normed[1]).abs().mean())
    assert latent_distance(encoder, a, b) == latent_distance(encoder, b, a)
    assert latent_distance(encoder, a, a) == 0.0
    assert latents(encoder, to_video(a)[None]).shape == tokens[0].shape
