"""A video ViT: tubelet patch embedding, fixed 3D sin-cos positions, pre-norm transformer blocks.

The encoder can run on a subset of tokens (``index``): positions are added before the tokens are gathered, so
the context encoder sees only the context tokens and each keeps its place in the clip.

Axis key: b batch, c channels, t time, h height, w width, n tokens, k kept tokens, d features, e heads.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch
import torch.nn.functional as F
from einops import rearrange
from torch import nn

from jepa_planner import clip_format
from jepa_planner.masks import apply_masks


@dataclass(frozen=True)
class ViTPreset:
    """Width, depth and heads of an encoder size."""

    dim: int
    depth: int
    heads: int


PRESETS: dict[str, ViTPreset] = {
    "tiny": ViTPreset(dim=128, depth=4, heads=4),
    "small": ViTPreset(dim=384, depth=12, heads=6),
    "base": ViTPreset(dim=768, depth=12, heads=12),
    "large": ViTPreset(dim=1024, depth=24, heads=16),
}


def sincos_1d(positions: torch.Tensor, dim: int) -> torch.Tensor:
    """``[P, dim]`` sin-cos features of positions (``dim`` even)."""
    assert dim % 2 == 0, "sin-cos features need an even width"
    freqs = torch.exp(-math.log(10000.0) * torch.arange(dim // 2, dtype=torch.float64) / (dim // 2))
    angles = positions.double()[:, None] * freqs[None]
    return torch.cat([angles.sin(), angles.cos()], dim=1).float()


def sincos_3d(grid: tuple[int, int, int], dim: int) -> torch.Tensor:
    """``[N, dim]`` fixed positions for a ``(T, H, W)`` token grid in raster order; time gets a third of ``dim``."""
    frames, height, width = grid
    d_t = 2 * (dim // 6)
    d_h = 2 * ((dim - d_t) // 4)
    d_w = dim - d_t - d_h
    t, h, w = torch.meshgrid(torch.arange(frames), torch.arange(height), torch.arange(width), indexing="ij")
    return torch.cat(
        [sincos_1d(t.reshape(-1), d_t), sincos_1d(h.reshape(-1), d_h), sincos_1d(w.reshape(-1), d_w)], dim=1
    )


class Attention(nn.Module):
    """Multi-head self-attention over tokens, with PyTorch's fused kernel."""

    def __init__(self, *, dim: int, heads: int) -> None:
        super().__init__()
        assert dim % heads == 0, "dim must be divisible by heads"
        self.heads = heads
        self.qkv = nn.Linear(dim, 3 * dim)
        self.proj = nn.Linear(dim, dim)

    def forward(self, x: torch.Tensor, mask: torch.Tensor | None = None) -> torch.Tensor:
        # x: [B, N, D]; mask: [N, N] boolean, True where attention is allowed (None: all).
        q, k, v = rearrange(self.qkv(x), "b n (three e d) -> three b e n d", three=3, e=self.heads)
        out = F.scaled_dot_product_attention(q, k, v, attn_mask=mask)  # [B, E, N, D/E]
        return self.proj(rearrange(out, "b e n d -> b n (e d)"))  # type: ignore[no-any-return]


class Block(nn.Module):
    """Pre-norm transformer block."""

    def __init__(self, *, dim: int, heads: int, mlp_ratio: float = 4.0) -> None:
        super().__init__()
        self.norm1 = nn.LayerNorm(dim)
        self.attn = Attention(dim=dim, heads=heads)
        self.norm2 = nn.LayerNorm(dim)
        hidden = int(dim * mlp_ratio)
        self.mlp = nn.Sequential(nn.Linear(dim, hidden), nn.GELU(), nn.Linear(hidden, dim))

    def forward(self, x: torch.Tensor, mask: torch.Tensor | None = None) -> torch.Tensor:
        x = x + self.attn(self.norm1(x), mask)
        return x + self.mlp(self.norm2(x))  # type: ignore[no-any-return]


class VideoViT(nn.Module):
    """The clip encoder.

    Parameters
    ----------
    frames, height, width
        The input clip size; each must be divisible by the matching tubelet side.
    tubelet
        ``(t, h, w)`` pixels per token.
    preset
        ``tiny``, ``small``, ``base`` or ``large`` (see ``PRESETS``); ``dim``/``depth``/``heads`` override it.

    Examples
    --------
    >>> encoder = VideoViT(frames=16, height=36, width=64, tubelet=(4, 6, 8), preset="tiny")
    >>> encoder(torch.rand(2, 16, 3, 36, 64)).shape
    torch.Size([2, 192, 128])
    """

    pos: torch.Tensor  # [N, D] fixed positions (a buffer)

    def __init__(
        self,
        *,
        frames: int = clip_format.FRAMES,
        height: int = clip_format.HEIGHT,
        width: int = clip_format.WIDTH,
        channels: int = 3,
        tubelet: tuple[int, int, int] = (4, 6, 8),
        preset: str = "tiny",
        dim: int | None = None,
        depth: int | None = None,
        heads: int | None = None,
    ) -> None:
        super().__init__()
        if preset not in PRESETS:
            raise ValueError(f"unknown preset {preset!r}; choose one of {', '.join(PRESETS)}")
        base = PRESETS[preset]
        self.dim = dim or base.dim
        for size, side, axis in zip((frames, height, width), tubelet, "thw", strict=True):
            if size % side:
                raise ValueError(f"clip {axis}-size {size} is not divisible by the tubelet's {side}")
        self.grid = (frames // tubelet[0], height // tubelet[1], width // tubelet[2])
        self.embed = nn.Conv3d(channels, self.dim, kernel_size=tubelet, stride=tubelet)
        self.register_buffer("pos", sincos_3d(self.grid, self.dim), persistent=False)  # [N, D]
        self.blocks = nn.ModuleList(Block(dim=self.dim, heads=heads or base.heads) for _ in range(depth or base.depth))
        self.norm = nn.LayerNorm(self.dim)

    @property
    def num_tokens(self) -> int:
        """Tokens per clip."""
        return self.grid[0] * self.grid[1] * self.grid[2]

    def tokens(self, video: torch.Tensor) -> torch.Tensor:
        """Patch embedding plus positions: ``[B, T, C, H, W]`` in [0, 1] → ``[B, N, D]``."""
        x = self.embed(rearrange(video * 2.0 - 1.0, "b t c h w -> b c t h w"))  # [B, D, T', H', W']
        tokens: torch.Tensor = rearrange(x, "b d t h w -> b (t h w) d") + self.pos
        return tokens

    def forward(self, video: torch.Tensor, index: torch.Tensor | None = None) -> torch.Tensor:
        """Encode a clip, or only the tokens ``index`` (``[B, K]``) of it: ``[B, N, D]`` or ``[B, K, D]``."""
        x = self.tokens(video)
        if index is not None:
            x = apply_masks(x, index)
        for block in self.blocks:
            x = block(x)
        return self.norm(x)  # type: ignore[no-any-return]


class Predictor(nn.Module):
    """A narrow transformer that predicts target tokens from context tokens, with learned mask tokens.

    Parameters
    ----------
    dim
        The encoder's width (input and output).
    grid
        The encoder's token grid, for positions.
    pred_dim, depth, heads
        The predictor's own, narrower width and depth.
    """

    pos: torch.Tensor  # [N, P] fixed positions (a buffer)

    def __init__(
        self, *, dim: int, grid: tuple[int, int, int], pred_dim: int = 64, depth: int = 2, heads: int = 4
    ) -> None:
        super().__init__()
        self.project_in = nn.Linear(dim, pred_dim)
        self.mask_token = nn.Parameter(torch.zeros(1, 1, pred_dim))
        nn.init.trunc_normal_(self.mask_token, std=0.02)
        self.register_buffer("pos", sincos_3d(grid, pred_dim), persistent=False)  # [N, P]
        self.blocks = nn.ModuleList(Block(dim=pred_dim, heads=heads) for _ in range(depth))
        self.norm = nn.LayerNorm(pred_dim)
        self.project_out = nn.Linear(pred_dim, dim)

    def forward(self, context: torch.Tensor, context_index: torch.Tensor, target_index: torch.Tensor) -> torch.Tensor:
        """``[B, K, D]`` context at ``context_index`` → ``[B, M, D]`` predictions at ``target_index``."""
        batch = context.shape[0]
        pos = self.pos.expand(batch, -1, -1)  # [B, N, P]
        x = self.project_in(context) + apply_masks(pos, context_index)  # [B, K, P]
        queries = self.mask_token.expand(batch, target_index.shape[1], -1) + apply_masks(pos, target_index)
        x = torch.cat([x, queries], dim=1)  # [B, K + M, P]
        for block in self.blocks:
            x = block(x)
        return self.project_out(self.norm(x[:, context.shape[1] :]))  # type: ignore[no-any-return]
