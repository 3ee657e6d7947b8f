"""Frames in, what the encoders read out: the one frames → tensor conversion and the one JEPA energy.

Clips are stored and rendered as ``[T, H, W, 3]`` uint8 (numpy); the encoders take float ``[B, T, 3, H, W]`` in
[0, 1]. ``to_video`` is that conversion everywhere (planning, the keyframe search, the evaluation methods and
yardsticks, the probes). ``latent_distance`` is the JEPA energy: the mean L1 distance between the layer-normed
tokens of two clips, which V-JEPA 2-AC minimises between a predicted latent and a goal's. ``plan`` reports it as a
plan's energy and the harness as ``z L1``.

Axis key: b batch, t time, c channels, h height, w width, n tokens, d features.
"""

from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F
from einops import rearrange
from torch import nn


def to_video(frames: np.ndarray) -> torch.Tensor:
    """Frames ``[..., H, W, 3]`` uint8 → float ``[..., 3, H, W]`` in [0, 1], as the encoders take them.

    A clip ``[T, H, W, 3]`` gives ``[T, 3, H, W]``; index it with ``[None]`` for a batch of one.

    Examples
    --------
    >>> to_video(np.full((16, 36, 64, 3), 255, dtype=np.uint8))[None].shape
    torch.Size([1, 16, 3, 36, 64])
    """
    video = torch.from_numpy(np.ascontiguousarray(frames)).float().div(255.0)
    return rearrange(video, "... h w c -> ... c h w")


def latents(encoder: nn.Module, video: torch.Tensor) -> torch.Tensor:
    """Layer-normed tokens ``[B, N, D]`` (float32, on the CPU) of clips ``[B, T, 3, H, W]``, without gradients."""
    device = next(iter(encoder.parameters()), torch.empty(0)).device
    with torch.no_grad():
        tokens = encoder(video.to(device)).float()
    return F.layer_norm(tokens, tokens.shape[-1:]).cpu()


def latent_distance(encoder: nn.Module, a: np.ndarray, b: np.ndarray) -> float:
    """The JEPA energy of two clips ``[T, H, W, 3]`` uint8 of the encoder's size: the mean L1 distance of their
    layer-normed tokens (0 for the same clip)."""
    return float((latents(encoder, to_video(a)[None]) - latents(encoder, to_video(b)[None])).abs().mean())
