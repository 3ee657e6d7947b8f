"""The learning-rate schedule the training systems share: linear warm-up, then cosine decay to zero."""

from __future__ import annotations

from typing import Any

import torch


def warmup_cosine(optimizer: torch.optim.Optimizer, total_steps: int, warmup_steps: int) -> dict[str, Any]:
    """Lightning's ``configure_optimizers`` answer for ``optimizer`` with a per-step warm-up and cosine schedule.

    The warm-up starts at 1% of each group's rate and is cut short when the run is shorter than it.
    """
    total = max(total_steps, 1)
    warmup = min(warmup_steps, max(total - 1, 1))
    schedule = torch.optim.lr_scheduler.SequentialLR(
        optimizer,
        [
            torch.optim.lr_scheduler.LinearLR(optimizer, start_factor=0.01, total_iters=warmup),
            torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=max(total - warmup, 1)),
        ],
        milestones=[warmup],
    )
    return {"optimizer": optimizer, "lr_scheduler": {"scheduler": schedule, "interval": "step"}}
