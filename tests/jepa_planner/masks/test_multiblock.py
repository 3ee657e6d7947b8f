"""Masks: coverage, disjointness, tube structure, the causal split, the mixture, and apply_masks."""

from __future__ import annotations

import pytest
import torch

from jepa_planner.masks import CausalMask, MaskMixture, MaskSpec, MultiblockMask, apply_masks
from jepa_planner.masks.multiblock import LONG_RANGE, SHORT_RANGE

GRID = (4, 6, 8)
N = 4 * 6 * 8


def test_context_and_target_are_disjoint_sorted_and_in_range() -> None:
    masks = MultiblockMask(grid=GRID)
    generator = torch.Generator().manual_seed(0)
    for _ in range(10):
        context, target = masks(batch_size=4, generator=generator)
        assert context.shape[0] == target.shape[0] == 4
        for c, t in zip(context.tolist(), target.tolist(), strict=True):
            assert not set(c) & set(t)
            assert c == sorted(c) and t == sorted(t)
            assert all(0 <= i < N for i in c + t)
            assert len(c) >= 4


def test_single_sample_masks_are_tubes_that_cover_the_grid() -> None:
    masks = MultiblockMask(grid=GRID)
    generator = torch.Generator().manual_seed(1)
    for spec in (SHORT_RANGE, LONG_RANGE):
        target = masks.sample_mask(spec, generator).view(GRID)  # [T, H, W]
        assert all(torch.equal(target[0], target[t]) for t in range(GRID[0])), "the same block in every time slot"
        context, chosen = masks(batch_size=1, generator=generator)
        assert sorted(context[0].tolist() + chosen[0].tolist()) == list(range(N)), "one sample is cut nowhere"


def test_block_scale_follows_the_spec() -> None:
    masks = MultiblockMask(grid=(1, 20, 20), specs=(MaskSpec(blocks=1, spatial_scale=0.25),))
    generator = torch.Generator().manual_seed(2)
    areas = [int(masks.sample_mask(masks.specs[0], generator).sum()) for _ in range(50)]
    assert 70 <= sum(areas) / len(areas) <= 130, "a quarter of 400 tokens, give or take rounding"


def test_long_range_hides_more_than_short_range_per_block() -> None:
    masks = MultiblockMask(grid=GRID)
    generator = torch.Generator().manual_seed(3)
    short = sum(int(masks._block(SHORT_RANGE, generator).sum()) for _ in range(100))
    long = sum(int(masks._block(LONG_RANGE, generator).sum()) for _ in range(100))
    assert long > 3 * short


def test_causal_mask_hides_the_future() -> None:
    context, target = CausalMask(grid=GRID, context_slots=3)(batch_size=2)
    assert context.shape == (2, 3 * 48) and target.shape == (2, 48)
    assert context.max() < target.min()


def test_causal_mask_draws_every_split_when_asked() -> None:
    masks = CausalMask(grid=GRID, context_slots=None)
    generator = torch.Generator().manual_seed(4)
    splits = set()
    for _ in range(40):
        context, target = masks(batch_size=2, generator=generator)
        assert context.shape[1] + target.shape[1] == N and context.max() < target.min()
        splits.add(context.shape[1] // 48)
    assert splits == {1, 2, 3}


def test_mixture_cycles_its_maskers_in_order() -> None:
    masks = MaskMixture(grid=GRID, names=("causal", "short", "long"))
    generator = torch.Generator().manual_seed(5)
    for _ in range(2):
        context, target = masks(batch_size=3, generator=generator)
        assert context.max() < target.min(), "first the causal mask"
        short_context, short_target = masks(batch_size=3, generator=generator)
        long_context, long_target = masks(batch_size=3, generator=generator)
        assert short_target.shape[1] < long_target.shape[1], "then short-range, then long-range tubes"
        for c, t in zip(long_context.tolist(), long_target.tolist(), strict=True):
            assert not set(c) & set(t)


@pytest.mark.parametrize("names", [(), ("short", "sideways")])
def test_mixture_rejects_unknown_or_no_settings(names: tuple[str, ...]) -> None:
    with pytest.raises(ValueError, match="short"):
        MaskMixture(grid=GRID, names=names)


def test_apply_masks_gathers_rows() -> None:
    x = torch.arange(2 * 5 * 3).view(2, 5, 3)
    index = torch.tensor([[4, 0], [1, 2]])
    assert torch.equal(apply_masks(x, index), torch.stack([x[0, [4, 0]], x[1, [1, 2]]]))
