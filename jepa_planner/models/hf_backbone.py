"""An optional pretrained V-JEPA 2 backbone (HF ``transformers.VJEPA2Model``), usable frozen.

Axis letters used in shapes and einops patterns:

- ``b`` batch, ``t`` time (frames), ``c`` channels, ``h``/``w`` height/width (pixels, or tokens in a grid),
- ``n`` tokens (all of a clip), ``k`` kept (context) tokens, ``d`` features.

Two paths through the same HF weights:

- :meth:`VJEPA2Backbone.forward` encodes every token of a clip with HF's own encoder.
- :meth:`VJEPA2Backbone.encode_context` is a true context encoder: it embeds the clip, keeps only the context
  tokens, and runs HF's transformer layers on those alone. HF's ``VJEPA2Model(context_mask=...)`` cannot do this
  because it attends over *all* tokens and applies the mask afterwards. Tokens are gathered with the planner's one
  ``jepa_planner.masks.apply_masks`` (``[B, N, D]`` and ``[B, K]`` to ``[B, K, D]``), in the same (t, h, w) raster
  order as the planner's masks.

Positions. V-JEPA 2 has no additive position embedding: each attention layer rotates queries and keys (3-D RoPE
over time, height and width) by angles computed from an integer *token id*, which
``VJEPA2RopeAttention.get_position_ids`` splits into ``(frame, row, column)`` on a square grid of side
``crop_size // patch_size``. Every HF layer takes those ids as its ``position_mask`` argument (the HF predictor uses
it the same way), so the context path passes each kept token's id in the full clip. A gathered token therefore
keeps its original position, whatever the order or number of the kept tokens.

Loading. Weights come from :meth:`transformers.VJEPA2Model.from_pretrained` with ``use_safetensors=True``. A local
directory is read with ``local_files_only=True`` and never touches the network. A hub id (``"facebook/..."``)
needs the network; without it HF retries for about 20 s before failing, so set ``HF_HUB_OFFLINE=1`` to fail at
once. Nothing here downloads anything on its own.
"""

from __future__ import annotations

import contextlib
from pathlib import Path
from typing import Self

import torch
import torch.nn.functional as F
from einops import rearrange, repeat
from torch import nn
from transformers import VJEPA2Config, VJEPA2Model
from transformers.utils.constants import IMAGENET_DEFAULT_MEAN, IMAGENET_DEFAULT_STD

from jepa_planner.errors import PlannerError
from jepa_planner.masks import apply_masks

__all__ = ["BackboneLoadError", "VJEPA2Backbone"]


class BackboneLoadError(PlannerError, ValueError):
    """Pretrained V-JEPA 2 weights could not be loaded from the given path or hub id."""

    code = "backbone load error"


def _load_pretrained(model_name_or_path: str) -> VJEPA2Model:
    """Load ``VJEPA2Model`` weights from a local directory (offline) or a hub id (needs the network).

    Raises
    ------
    BackboneLoadError
        If the path looks local but is no directory, or HF cannot load from it.
    """
    path = Path(model_name_or_path).expanduser()
    is_local = path.is_dir()
    # A hub id is "name" or "owner/name". Anything else that is not a directory is a local path that is missing,
    # and must fail here: handing it to HF could mean a network attempt that retries for ~20 s offline.
    looks_local = path.is_absolute() or model_name_or_path.startswith((".", "~")) or model_name_or_path.count("/") > 1
    hint = (
        "pass a local directory written by save_pretrained, or a hub id such as "
        "'facebook/vjepa2-vitl-fpc64-256' with network access"
    )
    if not is_local and (looks_local or path.exists()):
        raise BackboneLoadError(f"no V-JEPA 2 model directory at {model_name_or_path!r}", filename=str(path), hint=hint)
    try:
        return VJEPA2Model.from_pretrained(
            str(path) if is_local else model_name_or_path,
            use_safetensors=True,
            local_files_only=is_local,
        )
    except (OSError, ValueError) as exc:  # HF raises OSError (missing files, no network) or ValueError (bad id)
        where = "local directory" if is_local else "hub id"
        raise BackboneLoadError(
            f"could not load V-JEPA 2 weights from {where} {model_name_or_path!r}: {exc}",
            filename=model_name_or_path,
            hint=hint,
        ) from exc


class VJEPA2Backbone(nn.Module):
    """HF V-JEPA 2 encoder adapted to the planner's clips: ``[B, T, C, H, W]`` in [0, 1] to tokens ``[B, N, D]``.

    Input adaptation, in order (:meth:`preprocess`):

    1. Time: the clip is padded to a multiple of ``tubelet_size`` by repeating its last frame. HF would silently drop
       the leftover frames (its Conv3d stride), and repeats the *whole* clip when it is shorter than a tubelet.
    2. Space: each frame is resized (bilinear, antialiased) to ``input_size``. The default is the checkpoint's
       square ``crop_size``, so 16:9 frames are stretched. We stretch rather than centre-crop (HF's video processor
       would cut off the sides, where Manim objects often sit) or letterbox (padding would waste about 44% of the
       tokens on black). To keep the aspect ratio instead, pass a non-square ``input_size`` such as ``(144, 256)``
       for a 256 checkpoint: the 9 x 16 token grid then uses rotary positions of the top rows of the pretrained
       16 x 16 grid, with fewer tokens and no distortion.
    3. Values: ImageNet mean/std normalisation, as the V-JEPA 2 checkpoints expect.

    Parameters
    ----------
    model_name_or_path
        A local directory (read offline) or a hub id (needs the network) for ``VJEPA2Model.from_pretrained``.
    config
        Build a randomly initialised model from this config instead (tests, ablations). Give exactly one of
        ``model_name_or_path`` and ``config``.
    freeze
        Turn off ``requires_grad`` on every weight, stay in eval mode through :meth:`train`, and run under
        ``torch.no_grad`` so no activations are kept. Outputs are then constants to the rest of the graph.
    input_size
        ``(H, W)`` in pixels that frames are resized to; multiples of ``patch_size`` and at most ``crop_size`` each
        (larger grids would fall outside the rotary id layout HF uses). Defaults to ``(crop_size, crop_size)``.
    num_frames
        Clip length the planner feeds, used only by :attr:`token_grid`; defaults to ``frames_per_clip``.
        :meth:`forward` accepts any length.

    Raises
    ------
    ValueError
        On a bad argument combination or ``input_size``.
    BackboneLoadError
        If ``model_name_or_path`` cannot be loaded.
    """

    mean: torch.Tensor  # [1, 1, C, 1, 1], ImageNet channel means
    std: torch.Tensor  # [1, 1, C, 1, 1], ImageNet channel standard deviations

    def __init__(
        self,
        *,
        model_name_or_path: str | None = None,
        config: VJEPA2Config | None = None,
        freeze: bool = True,
        input_size: tuple[int, int] | None = None,
        num_frames: int | None = None,
    ) -> None:
        super().__init__()
        if model_name_or_path is not None and config is None:
            self.model = _load_pretrained(model_name_or_path)
        elif config is not None and model_name_or_path is None:
            self.model = VJEPA2Model(config)
        else:
            raise ValueError("give exactly one of model_name_or_path (pretrained weights) and config (random init)")
        cfg = self.model.config
        if cfg.in_chans != 3:
            raise ValueError(f"ImageNet normalisation needs 3 input channels, the config has {cfg.in_chans}")
        if not isinstance(cfg.patch_size, int):
            raise ValueError(f"only square integer patch sizes are supported, got {cfg.patch_size!r}")
        self.patch_size: int = cfg.patch_size
        self.tubelet_size: int = cfg.tubelet_size
        # Side of the square token grid that HF's rotary ids are laid out on.
        self.rope_grid: int = cfg.crop_size // cfg.patch_size
        self.input_size: tuple[int, int] = input_size or (cfg.crop_size, cfg.crop_size)
        height, width = self.input_size
        if height % self.patch_size or width % self.patch_size or max(height, width) > cfg.crop_size:
            raise ValueError(
                f"input_size {self.input_size} must be multiples of patch_size {self.patch_size} and at most "
                f"crop_size {cfg.crop_size} on each side"
            )
        self.num_frames: int = num_frames or cfg.frames_per_clip
        self.register_buffer("mean", torch.tensor(IMAGENET_DEFAULT_MEAN).view(1, 1, -1, 1, 1), persistent=False)
        self.register_buffer("std", torch.tensor(IMAGENET_DEFAULT_STD).view(1, 1, -1, 1, 1), persistent=False)
        self.frozen = freeze
        if freeze:
            self.model.requires_grad_(False)
        self.train(self.training)

    @property
    def embed_dim(self) -> int:
        """Width ``D`` of the output tokens."""
        return int(self.model.config.hidden_size)

    @property
    def token_grid(self) -> tuple[int, int, int]:
        """Token counts ``(t, h, w)`` for a clip of ``num_frames`` frames; ``N = t * h * w``."""
        return self.token_grid_for(self.num_frames)

    def token_grid_for(self, num_frames: int) -> tuple[int, int, int]:
        """Token counts ``(t, h, w)`` for a clip of ``num_frames`` frames (padded up to whole tubelets)."""
        return (-(-num_frames // self.tubelet_size), *self._spatial_grid)

    @property
    def _spatial_grid(self) -> tuple[int, int]:
        """Token rows and columns per tubelet, ``(h, w)``."""
        return self.input_size[0] // self.patch_size, self.input_size[1] // self.patch_size

    def train(self, mode: bool = True) -> Self:
        """Set training mode, except that a frozen backbone always stays in eval mode."""
        return super().train(mode and not self.frozen)

    def forward(self, video: torch.Tensor) -> torch.Tensor:
        """Encode every token of a clip.

        Parameters
        ----------
        video
            ``[B, T, C, H, W]`` floats in [0, 1], any ``T >= 1`` and any ``H, W``.

        Returns
        -------
        torch.Tensor
            ``[B, N, D]`` with ``N = t * h * w`` from :meth:`token_grid_for` (``T``), tokens in (t, h, w) raster
            order, after the encoder's final layer norm.
        """
        pixels = self.preprocess(video)  # [B, T', C, H', W']
        with self._grad_context():
            if self._spatial_grid == (self.rope_grid, self.rope_grid):
                # The checkpoint's own grid: HF's encoder unchanged.
                features: torch.Tensor = self.model.encoder(pixel_values_videos=pixels).last_hidden_state  # [B, N, D]
                return features
            tokens = self.model.encoder.embeddings(pixels)  # [B, N, D]
            batch, n_tokens, _ = tokens.shape
            index = repeat(torch.arange(n_tokens, device=tokens.device), "n -> b n", b=batch)  # [B, N]
            return self._encode_tokens(tokens, index)

    def encode_context(self, video: torch.Tensor, context_index: torch.Tensor) -> torch.Tensor:
        """Encode only the context tokens of a clip; hidden tokens are never attended to.

        The patch embedding (a per-tubelet Conv3d, so unaffected by other tokens) runs on the whole clip; the
        transformer layers and the final norm run on the kept tokens alone, each at its original position.

        Parameters
        ----------
        video
            ``[B, T, C, H, W]`` floats in [0, 1].
        context_index
            ``[B, K]`` int64 indices into the clip's ``N`` tokens in (t, h, w) raster order, as produced by the
            planner's masks. The output follows this order.

        Returns
        -------
        torch.Tensor
            ``[B, K, D]``. With ``context_index = arange(N)`` in every row this equals :meth:`forward`.
        """
        pixels = self.preprocess(video)  # [B, T', C, H', W']
        with self._grad_context():
            tokens = self.model.encoder.embeddings(pixels)  # [B, N, D]
            self._check_index(context_index, tokens.shape[0], tokens.shape[1])
            context = apply_masks(tokens, context_index.to(tokens.device))  # [B, K, D]
            return self._encode_tokens(context, context_index.to(tokens.device))

    def preprocess(self, video: torch.Tensor) -> torch.Tensor:
        """Pad time to whole tubelets, resize to ``input_size`` and normalise.

        Parameters
        ----------
        video
            ``[B, T, C, H, W]`` floats in [0, 1].

        Returns
        -------
        torch.Tensor
            ``[B, T', C, H', W']`` in the backbone's dtype, ``T'`` the next multiple of ``tubelet_size``, ready for
            ``VJEPA2Model(pixel_values_videos=...)``.
        """
        if video.ndim != 5 or video.shape[2] != 3:
            raise ValueError(f"expected an RGB video [B, T, 3, H, W], got shape {tuple(video.shape)}")
        n_frames = video.shape[1]
        pad = -n_frames % self.tubelet_size
        if pad:
            last = repeat(video[:, -1], "b c h w -> b r c h w", r=pad)  # [B, pad, C, H, W]
            video = torch.cat([video, last], dim=1)  # [B, T', C, H, W]
        if tuple(video.shape[-2:]) != self.input_size:
            frames = rearrange(video, "b t c h w -> (b t) c h w")
            frames = F.interpolate(frames, size=self.input_size, mode="bilinear", align_corners=False, antialias=True)
            video = rearrange(frames, "(b t) c h w -> b t c h w", b=video.shape[0])  # [B, T', C, H', W']
        video = (video - self.mean) / self.std
        return video.to(self.model.encoder.embeddings.patch_embeddings.proj.weight.dtype)

    def _encode_tokens(self, tokens: torch.Tensor, index: torch.Tensor) -> torch.Tensor:
        """Run HF's encoder layers and final norm on ``tokens [B, K, D]`` sitting at clip positions ``index [B, K]``."""
        position_ids = self._rope_ids(index)  # [B, K]
        for layer in self.model.encoder.layer:
            # HF's layers take per-token ids as `position_mask`; passing None would number them 0..K-1.
            tokens = layer(tokens, position_ids)[0]  # [B, K, D]
        normed: torch.Tensor = self.model.encoder.layernorm(tokens)  # [B, K, D]
        return normed

    def _rope_ids(self, index: torch.Tensor) -> torch.Tensor:
        """Map raster indices on our ``(t, h, w)`` grid to HF's rotary token ids on its square grid.

        HF splits an id into ``frame = id // G**2``, ``row = id // G % G``, ``column = id % G`` with ``G`` the
        checkpoint's grid side. On that grid the map is the identity; on a smaller (e.g. 16:9) grid it places each
        token at its own (frame, row, column).
        """
        grid_h, grid_w = self._spatial_grid
        side = self.rope_grid
        frame, rest = index // (grid_h * grid_w), index % (grid_h * grid_w)
        return frame * side * side + (rest // grid_w) * side + rest % grid_w  # [B, K]

    @staticmethod
    def _check_index(index: torch.Tensor, batch: int, n_tokens: int) -> None:
        """Raise ValueError unless ``index`` is an int64 ``[batch, K]`` tensor of values in ``[0, n_tokens)``."""
        if index.dtype != torch.long or index.ndim != 2 or index.shape[0] != batch:
            raise ValueError(
                f"context_index must be an int64 tensor [B={batch}, K], got {index.dtype} {tuple(index.shape)}"
            )
        if index.numel() and (int(index.min()) < 0 or int(index.max()) >= n_tokens):
            raise ValueError(f"context_index values must lie in [0, {n_tokens}) for this clip's {n_tokens} tokens")

    def _grad_context(self) -> contextlib.AbstractContextManager[None]:
        """``torch.no_grad`` when frozen, else whatever grad mode the caller is in."""
        return torch.no_grad() if self.frozen else contextlib.nullcontext()
