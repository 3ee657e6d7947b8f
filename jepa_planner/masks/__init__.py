"""Token masks for JEPA training: which tokens the context encoder sees and which the predictor must fill in."""

from jepa_planner.masks.multiblock import MASKS, CausalMask, MaskMixture, MaskSpec, MultiblockMask, apply_masks

__all__ = ["MASKS", "CausalMask", "MaskMixture", "MaskSpec", "MultiblockMask", "apply_masks"]
