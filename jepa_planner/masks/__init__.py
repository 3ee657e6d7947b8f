"""Token masks for JEPA training: which tokens the context encoder sees and which the predictor must fill in."""

from jepa_planner.masks.multiblock import CausalMask, MaskSpec, MultiblockMask, apply_masks

__all__ = ["CausalMask", "MaskSpec", "MultiblockMask", "apply_masks"]
