"""Multiblock 3D tube masks (V-JEPA), a causal mask and a mixture of them, returned as index tensors.

Tokens are numbered in ``(t, h, w)`` raster order over a grid of ``T x H x W`` tokens (``n = (t * H + h) * W + w``).
A *tube* is a spatial block repeated through every time slot, so the model cannot fill a hidden region by
copying it from a neighbouring frame. The union of a sample's blocks is its *target* set; the rest is its
*context*. V-JEPA draws two settings, short-range (8 blocks at spatial scale 0.15) and long-range (2 blocks at
scale 0.7), with aspect ratios from 0.75 to 1.5.

A *causal* mask hides the future: the context is the first time slots and the target the rest, so the predictor
must carry what it saw forward in time. ``MaskMixture`` cycles through several maskers, one per batch, as
``JEPAPretraining(masks=...)`` asks for them by name (``MASKS``).

Every sample of a batch must keep the same number of context and of target tokens so the index tensors are
rectangular: counts are cut to the smallest in the batch, keeping a random subset of each sample's tokens.

Axis key: b batch, n tokens, k kept (context) tokens, m target tokens, d features.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch


def apply_masks(x: torch.Tensor, index: torch.Tensor) -> torch.Tensor:
    """Gather the tokens ``index`` from each row of ``x``.

    Parameters
    ----------
    x
        ``[B, N, D]`` tokens.
    index
        ``[B, K]`` token indices into ``N`` (int64).

    Returns
    -------
    torch.Tensor
        ``[B, K, D]``.
    """
    assert x.dim() == 3 and index.dim() == 2 and x.shape[0] == index.shape[0], "apply_masks: [B,N,D] and [B,K]"
    return torch.gather(x, 1, index.unsqueeze(-1).expand(-1, -1, x.shape[-1]))


@dataclass(frozen=True)
class MaskSpec:
    """One multiblock setting: ``blocks`` tubes, each covering ``spatial_scale`` of the frame's tokens."""

    blocks: int
    spatial_scale: float
    aspect_ratio: tuple[float, float] = (0.75, 1.5)


#: V-JEPA's two settings.
SHORT_RANGE = MaskSpec(blocks=8, spatial_scale=0.15)
LONG_RANGE = MaskSpec(blocks=2, spatial_scale=0.7)


class MultiblockMask:
    """Draws multiblock tube masks for a token grid.

    Parameters
    ----------
    grid
        ``(T, H, W)`` tokens.
    specs
        The settings to draw from; each call picks one per batch, alternating in order.
    min_context
        The fewest context tokens a sample may keep; blocks are redrawn (up to 20 times) to respect it.

    Examples
    --------
    >>> masks = MultiblockMask(grid=(4, 6, 8))
    >>> context, target = masks(batch_size=2, generator=torch.Generator().manual_seed(0))
    >>> context.shape[0], target.shape[0]
    (2, 2)
    """

    def __init__(
        self,
        *,
        grid: tuple[int, int, int],
        specs: tuple[MaskSpec, ...] = (SHORT_RANGE, LONG_RANGE),
        min_context: int = 4,
    ) -> None:
        self.grid = grid
        self.specs = specs
        self.min_context = min_context
        self.calls = 0

    def _block(self, spec: MaskSpec, generator: torch.Generator) -> torch.Tensor:
        """A boolean ``[H, W]`` block of about ``spatial_scale * H * W`` tokens."""
        _, height, width = self.grid
        low, high = (math.log(r) for r in spec.aspect_ratio)
        ratio = math.exp(low + (high - low) * torch.rand(1, generator=generator).item())
        area = spec.spatial_scale * height * width
        h = max(1, min(height, round(math.sqrt(area / ratio))))
        w = max(1, min(width, round(math.sqrt(area * ratio))))
        top = int(torch.randint(0, height - h + 1, (1,), generator=generator))
        left = int(torch.randint(0, width - w + 1, (1,), generator=generator))
        block = torch.zeros(height, width, dtype=torch.bool)
        block[top : top + h, left : left + w] = True
        return block

    def sample_mask(self, spec: MaskSpec, generator: torch.Generator) -> torch.Tensor:
        """One sample's target mask, boolean ``[N]``, as tubes through all time slots."""
        frames, height, width = self.grid
        for _ in range(20):
            spatial = torch.zeros(height, width, dtype=torch.bool)
            for _ in range(spec.blocks):
                spatial |= self._block(spec, generator)
            if (~spatial).sum() * frames >= self.min_context:
                break
        return spatial.expand(frames, height, width).reshape(-1)

    def __call__(
        self, *, batch_size: int, generator: torch.Generator | None = None
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """Context and target indices, ``[B, K]`` and ``[B, M]`` (int64, each row sorted)."""
        generator = generator or torch.Generator().manual_seed(int(torch.randint(0, 2**31 - 1, (1,))))
        spec = self.specs[self.calls % len(self.specs)]
        self.calls += 1
        masks = [self.sample_mask(spec, generator) for _ in range(batch_size)]
        return _rectangular(masks, generator)


class CausalMask:
    """Hide the future: context is the first ``context_slots`` time slots, target the rest.

    With ``context_slots=None`` each call draws the split uniformly from 1 .. T-1 slots (one split per batch, so
    the index tensors stay rectangular).

    Examples
    --------
    >>> context, target = CausalMask(grid=(4, 2, 2), context_slots=1)(batch_size=1)
    >>> context.tolist(), target.shape
    ([[0, 1, 2, 3]], torch.Size([1, 12]))
    """

    def __init__(self, *, grid: tuple[int, int, int], context_slots: int | None) -> None:
        assert grid[0] >= 2, "the causal mask needs at least two time slots"
        assert context_slots is None or 0 < context_slots < grid[0], "need one context and one target slot at least"
        self.grid = grid
        self.context_slots = context_slots

    def __call__(
        self, *, batch_size: int, generator: torch.Generator | None = None
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """Context and target indices, ``[B, K]`` and ``[B, M]``."""
        frames, height, width = self.grid
        slots = self.context_slots
        if slots is None:
            slots = int(torch.randint(1, frames, (1,), generator=generator))
        split = slots * height * width
        tokens = torch.arange(frames * height * width)
        return tokens[:split].expand(batch_size, -1).clone(), tokens[split:].expand(batch_size, -1).clone()


#: Mask settings by name, as configs list them: V-JEPA's two multiblock settings and the causal mask.
MASKS: tuple[str, ...] = ("short", "long", "causal")


class MaskMixture:
    """Cycle through maskers, one per call (per batch): ``names`` drawn from ``MASKS``.

    Examples
    --------
    >>> masks = MaskMixture(grid=(4, 2, 2), names=("causal", "long"))
    >>> context, target = masks(batch_size=1)  # causal: every context token comes before every target token
    >>> int(context.max()) < int(target.min())
    True
    """

    def __init__(self, *, grid: tuple[int, int, int], names: tuple[str, ...] = ("short", "long")) -> None:
        unknown = [name for name in names if name not in MASKS]
        if not names or unknown:
            raise ValueError(f"masks must be a non-empty list drawn from {list(MASKS)}; got {list(names)}")
        self.grid = grid
        self.names = tuple(names)
        self.maskers: list[MultiblockMask | CausalMask] = [_masker(name, grid) for name in names]
        self.calls = 0

    def __call__(
        self, *, batch_size: int, generator: torch.Generator | None = None
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """Context and target indices of the next masker in turn, ``[B, K]`` and ``[B, M]``."""
        masker = self.maskers[self.calls % len(self.maskers)]
        self.calls += 1
        return masker(batch_size=batch_size, generator=generator)


def _masker(name: str, grid: tuple[int, int, int]) -> MultiblockMask | CausalMask:
    """The masker a ``MASKS`` name stands for."""
    if name == "causal":
        return CausalMask(grid=grid, context_slots=None)
    return MultiblockMask(grid=grid, specs=(SHORT_RANGE if name == "short" else LONG_RANGE,))


def _rectangular(masks: list[torch.Tensor], generator: torch.Generator) -> tuple[torch.Tensor, torch.Tensor]:
    """Index tensors with the same count in every row: cut each row to the batch minimum at random."""
    contexts = [torch.nonzero(~mask).squeeze(1) for mask in masks]
    targets = [torch.nonzero(mask).squeeze(1) for mask in masks]
    keep_context = min(len(c) for c in contexts)
    keep_target = min(len(t) for t in targets)

    def cut(index: torch.Tensor, keep: int) -> torch.Tensor:
        chosen = torch.randperm(len(index), generator=generator)[:keep]
        return index[chosen].sort().values

    context = torch.stack([cut(c, keep_context) for c in contexts])  # [B, K]
    target = torch.stack([cut(t, keep_target) for t in targets])  # [B, M]
    return context, target
