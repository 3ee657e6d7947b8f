"""Training the action-conditioned predictor on keyframe transitions, with a frozen encoder.

The encoder (the JEPA's target encoder, loaded from ``encoder_weights``, or random when None) turns every state
into tokens once per batch, without gradients. The predictor is trained with two L1 losses, as in V-JEPA 2-AC:

- teacher-forced: from each true state and its step, the next state;
- rollout: from its own prediction and the following step, the state two steps on.

Every logged loss comes with the copy-last baseline (predict that nothing changes) on the same transitions.

Axis key: b batch, l steps, s spatial tokens, d features.
"""

from __future__ import annotations

from typing import Any

import lightning as L
import torch
from einops import rearrange

from jepa_planner import clip_format
from jepa_planner.models.action import ActionConditionedPredictor, encode_states
from jepa_planner.models.vit import VideoViT
from jepa_planner.systems.jepa import JEPAPretraining
from jepa_planner.systems.weights import load_weights

ACTION_KEYS = ("verb", "kind", "color", "to_color", "slots", "step")


def masked_l1(predicted: torch.Tensor, target: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """Mean L1 over ``[B, L, S, D]`` where ``mask`` ``[B, L]`` is True."""
    per_step = (predicted - target).abs().mean(dim=(2, 3))  # [B, L]
    return (per_step * mask).sum() / mask.sum().clamp_min(1)


class ActionConditionedTraining(L.LightningModule):
    """Trains ``ActionConditionedPredictor`` on ``TransitionDataModule`` batches.

    Parameters
    ----------
    encoder_weights
        A ``weights.safetensors`` written by JEPA pretraining; None keeps a random encoder (a baseline).
    frames, height, width, tubelet, preset
        The encoder's architecture; must match the weights.
    pred_dim, depth, heads
        The predictor.
    rollout_weight
        Weight of the two-step rollout loss.
    """

    def __init__(
        self,
        *,
        encoder_weights: str | None = None,
        frames: int = clip_format.FRAMES,
        height: int = clip_format.HEIGHT,
        width: int = clip_format.WIDTH,
        tubelet: tuple[int, int, int] = (4, 6, 8),
        preset: str = "tiny",
        pred_dim: int = 128,
        depth: int = 3,
        heads: int = 4,
        lr: float = 5e-4,
        weight_decay: float = 0.01,
        rollout_weight: float = 0.5,
    ) -> None:
        super().__init__()
        self.save_hyperparameters()  # for checkpoints, run metadata and model cards; the code reads the attributes
        self.lr, self.weight_decay, self.rollout_weight = lr, weight_decay, rollout_weight
        jepa = JEPAPretraining(frames=frames, height=height, width=width, tubelet=tubelet, preset=preset)
        if encoder_weights is not None:
            load_weights(jepa, encoder_weights)
        self.encoder: VideoViT = jepa.target_encoder.requires_grad_(False).eval()
        self.predictor = ActionConditionedPredictor(
            dim=self.encoder.dim, grid=self.encoder.grid, pred_dim=pred_dim, depth=depth, heads=heads
        )

    def train(self, mode: bool = True) -> ActionConditionedTraining:
        super().train(mode)
        self.encoder.eval()  # frozen, always
        return self

    def forward(self, state: torch.Tensor, action: dict[str, torch.Tensor]) -> torch.Tensor:
        """Next-state tokens ``[B, S, D]`` from state tokens ``[B, S, D]`` and one action per row."""
        return self.predictor(state, action)  # type: ignore[no-any-return]

    def latents(self, states: torch.Tensor) -> torch.Tensor:
        """``[B, L+1, 3, H, W]`` frames → ``[B, L+1, S, D]`` state tokens."""
        with torch.no_grad():
            tokens = encode_states(self.encoder, rearrange(states, "b l c h w -> (b l) c h w"))
        return rearrange(tokens, "(b l) s d -> b l s d", b=states.shape[0])

    def losses(self, batch: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
        """Teacher-forced and rollout losses with their copy-last baselines."""
        z = self.latents(batch["states"])  # [B, L+1, S, D]
        mask = batch["mask"].float()  # [B, L]
        steps = mask.shape[1]
        actions = {key: rearrange(batch[key], "b l ... -> (b l) ...") for key in ACTION_KEYS}
        flat_state = rearrange(z[:, :-1], "b l s d -> (b l) s d")
        predicted = rearrange(self(flat_state, actions), "(b l) s d -> b l s d", l=steps)  # z_{i+1} from z_i
        out = {
            "loss_teacher": masked_l1(predicted, z[:, 1:], mask),
            "baseline_teacher": masked_l1(z[:, :-1], z[:, 1:], mask),
        }
        if steps > 1:
            next_actions = {key: rearrange(batch[key][:, 1:], "b l ... -> (b l) ...") for key in ACTION_KEYS}
            flat_predicted = rearrange(predicted[:, :-1], "b l s d -> (b l) s d")
            rolled = rearrange(self(flat_predicted, next_actions), "(b l) s d -> b l s d", l=steps - 1)
            rollout_mask = mask[:, 1:]
            out["loss_rollout"] = masked_l1(rolled, z[:, 2:], rollout_mask)
            out["baseline_rollout"] = masked_l1(z[:, :-2], z[:, 2:], rollout_mask)
        out["loss"] = out["loss_teacher"] + self.rollout_weight * out.get("loss_rollout", 0.0)
        return out

    def training_step(self, batch: dict[str, torch.Tensor], batch_idx: int) -> torch.Tensor:
        out = self.losses(batch)
        self.log_dict({f"train/{k}": v.detach() for k, v in out.items() if k != "loss"})
        self.log("train/loss", out["loss"].detach(), prog_bar=True)
        return out["loss"]

    def validation_step(self, batch: dict[str, torch.Tensor], batch_idx: int) -> None:
        self.log_dict({f"val/{k}": v for k, v in self.losses(batch).items()}, sync_dist=True)

    def test_step(self, batch: dict[str, torch.Tensor], batch_idx: int) -> None:
        self.log_dict({f"test/{k}": v for k, v in self.losses(batch).items()}, sync_dist=True)

    def configure_optimizers(self) -> Any:
        return torch.optim.AdamW(self.predictor.parameters(), lr=self.lr, weight_decay=self.weight_decay)
