"""The action-conditioned predictor (V-JEPA 2-AC style): the latents after a step, from the latents before it
and the step itself.

A *state* is the encoder's picture of one still frame: the frame repeated into a clip, of which only the first
time slot's tokens are encoded (as a context of one slot), giving one token per spatial patch. Encoding one slot
instead of all of them and averaging costs a quarter of the attention for the tiny encoder, and the tokens of a
still clip differ between slots only by their time position. The predictor reads the state's tokens and one action
token, and predicts the next state's tokens as a residual on the current ones.

Axis key: b batch, l steps, s spatial tokens, t time slots, d features, a action slots, f slot features.
"""

from __future__ import annotations

import torch
from einops import repeat
from torch import nn

from jepa_planner.data.actions import ACTION_SLOTS, COLORS, KINDS, SLOT_FEATURES, VERBS
from jepa_planner.models.vit import Block, VideoViT, sincos_3d


def encode_states(encoder: VideoViT, states: torch.Tensor) -> torch.Tensor:
    """Still frames ``[B, C, H, W]`` in [0, 1] → layer-normed spatial tokens ``[B, S, D]``."""
    frames = encoder.grid[0] * encoder.embed.kernel_size[0]
    clip = repeat(states, "b c h w -> b t c h w", t=frames)
    spatial = encoder.grid[1] * encoder.grid[2]
    first_slot = torch.arange(spatial, device=states.device).expand(states.shape[0], -1)  # [B, S]
    tokens = encoder(clip, first_slot)  # [B, S, D]
    return nn.functional.layer_norm(tokens, tokens.shape[-1:])


class ActionEncoder(nn.Module):
    """Embeds a step's action arrays (see ``jepa_planner.data.actions``) into one ``[B, P]`` token."""

    def __init__(self, *, dim: int) -> None:
        super().__init__()
        self.verb = nn.Embedding(len(VERBS), dim)
        self.kind = nn.Embedding(len(KINDS), dim)
        self.color = nn.Embedding(len(COLORS), dim)
        self.to_color = nn.Embedding(len(COLORS), dim)
        self.slot = nn.Linear(SLOT_FEATURES, dim)
        self.position = nn.Parameter(torch.zeros(ACTION_SLOTS, dim))
        self.shared = nn.Linear(2, dim)
        self.mix = nn.Sequential(nn.LayerNorm(dim), nn.Linear(dim, dim), nn.GELU(), nn.Linear(dim, dim))

    def forward(self, action: dict[str, torch.Tensor]) -> torch.Tensor:
        # verb/kind/color/to_color: [B, A] ids; slots: [B, A, F]; step: [B, 2].
        slots = (
            self.verb(action["verb"])
            + self.kind(action["kind"])
            + self.color(action["color"])
            + self.to_color(action["to_color"])
            + self.slot(action["slots"])
            + self.position
        )  # [B, A, P]
        return self.mix(slots.sum(dim=1) + self.shared(action["step"]))  # type: ignore[no-any-return]


class ActionConditionedPredictor(nn.Module):
    """Predicts the next state's tokens from the current ones and an action.

    Parameters
    ----------
    dim
        The encoder's width.
    grid
        The encoder's ``(T, H, W)`` token grid; states have ``H * W`` tokens.
    pred_dim, depth, heads
        The predictor's transformer.
    """

    pos: torch.Tensor  # [S, P] fixed positions (a buffer)

    def __init__(
        self, *, dim: int, grid: tuple[int, int, int], pred_dim: int = 128, depth: int = 3, heads: int = 4
    ) -> None:
        super().__init__()
        self.project_in = nn.Linear(dim, pred_dim)
        self.register_buffer("pos", sincos_3d((1, grid[1], grid[2]), pred_dim), persistent=False)  # [S, P]
        self.action = ActionEncoder(dim=pred_dim)
        self.blocks = nn.ModuleList(Block(dim=pred_dim, heads=heads) for _ in range(depth))
        self.norm = nn.LayerNorm(pred_dim)
        self.project_out = nn.Linear(pred_dim, dim)
        nn.init.zeros_(self.project_out.weight)  # start as "nothing changes", the copy-last baseline
        nn.init.zeros_(self.project_out.bias)

    def forward(self, state: torch.Tensor, action: dict[str, torch.Tensor]) -> torch.Tensor:
        """``[B, S, D]`` state and a batch of actions → ``[B, S, D]`` predicted next state."""
        x = self.project_in(state) + self.pos  # [B, S, P]
        x = torch.cat([self.action(action).unsqueeze(1), x], dim=1)  # [B, 1 + S, P]
        for block in self.blocks:
            x = block(x)
        return state + self.project_out(self.norm(x[:, 1:]))  # type: ignore[no-any-return]
