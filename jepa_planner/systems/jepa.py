"""JEPA pretraining as a LightningModule: context encoder, EMA target encoder and predictor, wired together.

Each step draws masks (V-JEPA's multiblock tubes, and optionally causal ones that hide the future; ``masks``
names them, one setting per batch in turn), encodes only the context tokens, predicts the target tokens, and takes
the L1 distance to the layer-normed target encoder's features of the full clip. The target encoder follows the
context encoder by an exponential moving average whose momentum rises linearly from ``ema[0]`` to ``ema[1]``.
Two optional terms fight collapse: VICReg's variance and covariance terms, and SIGReg (LeJEPA, Balestriero and
LeCun 2025), an Epps-Pulley test that the features, projected on random directions, follow a standard normal.
Either sees the context encoder's features: clip means (``regularise="clip"``), every context token
(``"tokens"``), or every context token minus the batch's mean token at its position (``"centred"``). Centring takes
away what a token owes to its position alone, so spreading the features cannot be done with a positional code;
what is left must differ between clips. The target features' per-dimension std and effective rank are logged to
watch for collapse.

The layer-normed targets of a random tiny ViT on synthetic clips are over 99% positional code (``energy_shares``),
and a trained one can put half of them into one code per clip (the shipped tiny-cpu run did): both are parts the
predictor gets right without looking at what the clip shows. ``target_norm="centred"`` takes them out of the
targets (``centred_targets``) so that only the token-specific part is predicted.

Synthetic clips are mostly black background: at 64x36 about nine tokens in ten show nothing, so a plain mean
over target tokens rewards predicting "empty" well. ``foreground_weight`` shifts the loss toward the tokens
that show something: a target token's weight is ``1 + foreground_weight * f``, where ``f`` is the share of its
tubelet's pixels that differ from black, and the loss is the weighted mean.

Axis key: b batch, t time, n tokens, k context tokens, m target tokens, d features.
"""

from __future__ import annotations

import copy
import math
from typing import Any, Literal, get_args

import lightning as L
import torch
import torch.nn.functional as F
from einops import rearrange, reduce

from jepa_planner import clip_format
from jepa_planner.masks import MaskMixture, apply_masks
from jepa_planner.models.vit import Predictor, VideoViT
from jepa_planner.systems.schedule import warmup_cosine


def effective_rank(features: torch.Tensor) -> torch.Tensor:
    """exp(entropy) of the normalised singular values of ``[B, D]`` features: how many directions they use."""
    centred = features - features.mean(dim=0, keepdim=True)
    singular = torch.linalg.svdvals(centred.float())
    p = singular / singular.sum().clamp_min(1e-12)
    return torch.exp(-(p * torch.log(p.clamp_min(1e-12))).sum())


def foreground_share(video: torch.Tensor, tubelet: tuple[int, int, int], threshold: float = 0.05) -> torch.Tensor:
    """``[B, N]`` share of each token's pixels brighter than ``threshold`` in any channel (raster token order)."""
    lit = (video.amax(dim=2) > threshold).float()  # [B, T, H, W]
    t, h, w = tubelet
    return reduce(lit, "b (nt t) (nh h) (nw w) -> b (nt nh nw)", "mean", t=t, h=h, w=w)


def vicreg_terms(features: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Variance (hinge on per-dimension std below 1) and covariance (off-diagonal) terms of ``[B, D]``."""
    centred = features - features.mean(dim=0)
    std = torch.sqrt(centred.var(dim=0) + 1e-4)
    variance = F.relu(1.0 - std).mean()
    cov = (centred.T @ centred) / max(features.shape[0] - 1, 1)
    off_diagonal = cov - torch.diag(torch.diag(cov))
    return variance, off_diagonal.pow(2).sum() / features.shape[1]


#: How the target tokens are normalised before the loss (``JEPAPretraining(target_norm=...)``).
TargetNorm = Literal["layer", "centred"]


def token_parts(tokens: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Split a batch of tokens ``[B, N, D]`` into orthogonal parts: ``position + clip + specific``.

    ``position [1, N, D]`` is the batch's mean token at each position, ``clip [B, 1, D]`` each clip's mean of what
    is left, and ``specific [B, N, D]`` the rest: what this clip shows at this place and time. The three are
    orthogonal over the batch, so their mean squares add up to the tokens' mean square (``energy_shares``).
    """
    position = tokens.mean(dim=0, keepdim=True)
    centred = tokens - position
    clip = centred.mean(dim=1, keepdim=True)
    return position, clip, centred - clip


def energy_shares(tokens: torch.Tensor) -> dict[str, float]:
    """The shares of the layer-normed tokens' mean square ``[B, N, D]`` held by each of ``token_parts``.

    A random tiny ViT's tokens of level-2 clips are over 99% position: what the clip shows is a small remainder.
    """
    normed = F.layer_norm(tokens.float(), tokens.shape[-1:])
    total = normed.pow(2).mean().clamp_min(1e-12)
    parts = token_parts(normed)
    return {
        name: (part.pow(2).mean() / total).item()  # a broadcast part's mean square is its mean over the batch
        for name, part in zip(("position", "clip", "specific"), parts, strict=True)
    }


def centred_targets(targets: torch.Tensor) -> torch.Tensor:
    """The token-specific part of layer-normed targets ``[B, N, D]`` (``token_parts``), rescaled to unit RMS.

    The batch's mean token at each position and each clip's mean token are taken away, and everything is divided
    by one RMS over the batch (no gradient flows through the statistics; at most a 1000-fold gain). Neither a
    positional code (predictable from the mask tokens' positions) nor a clip-wide code (predictable from any
    context token) then lowers the loss, and shrinking the token-specific part does not either, because of the
    rescaling.
    """
    specific = token_parts(targets)[2]
    floor = 1e-3 * targets.detach().pow(2).mean().sqrt()  # no more than 1000x: rounding noise stays noise-sized
    return specific / torch.maximum(specific.detach().pow(2).mean().sqrt(), floor.clamp_min(1e-12))


def random_resized_crop(
    video: torch.Tensor,
    scale: tuple[float, float],
    ratio: tuple[float, float] = (0.75, 1.35),
    generator: torch.Generator | None = None,
) -> torch.Tensor:
    """V-JEPA's clip augmentation: one random crop per clip, the same in every frame, resized back to the frame.

    Each crop covers a share of the frame's area drawn uniformly from ``scale`` and has an aspect ratio (relative
    to the frame's) drawn log-uniformly from ``ratio``, clipped to fit; its place is uniform. Bilinear resampling.

    Parameters
    ----------
    video
        ``[B, T, C, H, W]``.

    Returns
    -------
    torch.Tensor
        ``[B, T, C, H, W]``, the crops.
    """
    b, t = video.shape[:2]
    draw = torch.rand(b, 4, generator=generator, device="cpu").to(video)
    area = scale[0] + (scale[1] - scale[0]) * draw[:, 0]
    log_ratio = math.log(ratio[0]) + (math.log(ratio[1]) - math.log(ratio[0])) * draw[:, 1]
    width = (area * log_ratio.exp()).sqrt().clamp(max=1.0)  # shares of the frame's width and height
    height = (area / log_ratio.exp()).sqrt().clamp(max=1.0)
    centre_x = (1 - width) * (2 * draw[:, 2] - 1)  # in [-1, 1] coordinates, keeping the crop inside the frame
    centre_y = (1 - height) * (2 * draw[:, 3] - 1)
    theta = torch.zeros(b, 2, 3, dtype=video.dtype, device=video.device)
    theta[:, 0, 0], theta[:, 0, 2], theta[:, 1, 1], theta[:, 1, 2] = width, centre_x, height, centre_y
    frames = rearrange(video, "b t c h w -> (b t) c h w")
    grid = F.affine_grid(theta.repeat_interleave(t, dim=0), list(frames.shape), align_corners=False)
    cropped = F.grid_sample(frames, grid, mode="bilinear", padding_mode="border", align_corners=False)
    return rearrange(cropped, "(b t) c h w -> b t c h w", b=b)


#: What the anti-collapse terms can see (``JEPAPretraining(regularise=...)``).
Regularise = Literal["clip", "tokens", "centred"]
#: Where the prediction targets come from (``JEPAPretraining(targets=...)``).
Targets = Literal["ema", "online"]


def one_of(name: str, value: object, choices: Any) -> None:
    """Raise a ``ValueError`` naming ``name`` unless ``value`` is one of the ``Literal`` type ``choices``' values.

    LightningCLI checks these from the type already; this catches the same mistake made from Python.
    """
    allowed = get_args(choices)
    if value not in allowed:
        raise ValueError(f"{name} must be one of {list(allowed)}, got {value!r}")


def regularised_features(context: torch.Tensor, index: torch.Tensor, num_tokens: int, mode: Regularise) -> torch.Tensor:
    """The features the anti-collapse terms see, from context tokens ``[B, K, D]`` at positions ``index [B, K]``.

    ``clip``: ``[B, D]`` clip means; ``tokens``: ``[B * K, D]``; ``centred``: ``[B * K, D]``, each token minus the
    mean of the batch's tokens at the same position.
    """
    if mode == "clip":
        return context.mean(dim=1)
    tokens = context.flatten(0, 1)  # [B * K, D]
    if mode == "tokens":
        return tokens
    positions = index.flatten()  # [B * K]
    sums = tokens.new_zeros(num_tokens, tokens.shape[-1]).index_add(0, positions, tokens)  # [N, D]
    counts = torch.bincount(positions, minlength=num_tokens).clamp_min(1).unsqueeze(-1).to(tokens)
    return tokens - (sums / counts)[positions]


def sigreg(
    features: torch.Tensor, *, directions: int = 256, knots: int = 17, generator: torch.Generator | None = None
) -> torch.Tensor:
    """SIGReg: how far ``[N, D]`` features are from a standard normal, seen along random unit directions.

    For each of ``directions`` random unit vectors the 1-D projections' empirical characteristic function is
    compared with the normal's, ``exp(-t^2 / 2)``, by the Epps-Pulley integral of the squared difference under a
    Gaussian window, over ``t`` in [0, 3] (the integrand is even) by the trapezoid rule. The mean over directions
    is returned (0 for normal features; it grows as features collapse or drift). It is not scaled by ``N``, so
    its size does not depend on the batch. It runs in float32, outside autocast (bf16 cosines of ``t * x`` would
    be too coarse). Memory: an ``[N, directions, knots]`` float32 tensor, about 56 MB for 3,200 tokens.
    """
    with torch.autocast(device_type=features.device.type, enabled=False):
        features = features.float()
        a = torch.randn(features.shape[-1], directions, generator=generator, device="cpu").to(features)
        projected = features @ (a / a.norm(dim=0, keepdim=True))  # [N, M]
        t = torch.linspace(0.0, 3.0, knots, device=features.device)  # [K]
        angle = projected.unsqueeze(-1) * t  # [N, M, K]
        normal = torch.exp(-0.5 * t**2)  # the normal's characteristic function, also the window
        gap = (torch.cos(angle).mean(dim=0) - normal) ** 2 + torch.sin(angle).mean(dim=0) ** 2  # [M, K]
        return (2.0 * torch.trapezoid(gap * normal, t, dim=-1)).mean()


class JEPAPretraining(L.LightningModule):
    """V-JEPA-style pretraining on unlabeled clips.

    Parameters
    ----------
    frames, height, width, tubelet, preset
        The encoder (see ``VideoViT``).
    pred_dim, pred_depth, pred_heads
        The narrow predictor.
    lr, weight_decay, warmup_steps
        AdamW with linear warm-up then cosine decay over the run.
    ema
        Target momentum at the first and the last step.
    vicreg_weight
        Weight of the VICReg term (0 turns it off).
    sigreg_weight
        Weight of the SIGReg term (0 turns it off).
    regularise
        What the anti-collapse terms see: ``"clip"`` (the token mean of each clip's context, ``[B, D]``),
        ``"tokens"`` (every context token, ``[B * K, D]``) or ``"centred"`` (every context token minus the batch
        mean at its position).
    foreground_weight
        Extra loss weight of target tokens that show something (0: every token counts the same).
    masks
        Mask settings, one per batch in turn, from ``jepa_planner.masks.MASKS``: ``short`` and ``long`` are
        V-JEPA's multiblock tubes, ``causal`` hides the last 1 .. T-1 time slots.
    targets
        Where the prediction targets come from: ``"ema"`` (the EMA target encoder, no gradient; V-JEPA) or
        ``"online"`` (the context encoder itself on the whole clip, with gradient, as LeJEPA does; use it with
        ``sigreg_weight > 0``). The EMA encoder is kept up to date either way, for ``forward``.
    target_norm
        ``"layer"``: the layer-normed target tokens (V-JEPA). ``"centred"``: then also less the batch's mean token
        at each position and each clip's mean token, rescaled to unit RMS (``centred_targets`` says why).
    mask_seed
        Seed of the mask generator. Its state and the mask cycle's position are saved in every checkpoint, so a
        resumed run draws the masks the uninterrupted run would have drawn.
    crop_scale
        Training clips are first cropped at random, V-JEPA's way (``random_resized_crop``: the same crop in every
        frame, covering this range of the frame's area, resized back); None (default) trains on whole frames.
        Validation always sees whole frames.
    """

    def __init__(
        self,
        *,
        frames: int = clip_format.FRAMES,
        height: int = clip_format.HEIGHT,
        width: int = clip_format.WIDTH,
        tubelet: tuple[int, int, int] = (4, 6, 8),
        preset: str = "tiny",
        pred_dim: int = 64,
        pred_depth: int = 2,
        pred_heads: int = 4,
        lr: float = 1e-3,
        weight_decay: float = 0.04,
        warmup_steps: int = 50,
        ema: tuple[float, float] = (0.996, 1.0),
        vicreg_weight: float = 0.0,
        foreground_weight: float = 0.0,
        masks: tuple[str, ...] = ("short", "long"),
        sigreg_weight: float = 0.0,
        regularise: Regularise = "clip",
        targets: Targets = "ema",
        target_norm: TargetNorm = "layer",
        crop_scale: tuple[float, float] | None = None,
        mask_seed: int = 0,
    ) -> None:
        super().__init__()
        one_of("targets", targets, Targets)
        one_of("regularise", regularise, Regularise)
        if crop_scale is not None and not 0.0 < crop_scale[0] <= crop_scale[1] <= 1.0:
            raise ValueError(f"crop_scale must be two shares of the frame, 0 < low <= high <= 1; got {crop_scale}")
        one_of("target_norm", target_norm, TargetNorm)
        self.save_hyperparameters()  # for checkpoints, run metadata and model cards; the code reads the attributes
        tubelet_t, tubelet_h, tubelet_w = tubelet
        self.tubelet = (tubelet_t, tubelet_h, tubelet_w)
        self.lr, self.weight_decay, self.warmup_steps = lr, weight_decay, warmup_steps
        self.ema = (float(ema[0]), float(ema[1]))
        self.vicreg_weight, self.sigreg_weight, self.foreground_weight = vicreg_weight, sigreg_weight, foreground_weight
        self.regularise: Regularise = regularise
        self.targets: Targets = targets
        self.target_norm: TargetNorm = target_norm
        self.crop_scale = None if crop_scale is None else (float(crop_scale[0]), float(crop_scale[1]))
        self.encoder = VideoViT(frames=frames, height=height, width=width, tubelet=tubelet, preset=preset)
        self.target_encoder = copy.deepcopy(self.encoder).requires_grad_(False)
        self.predictor = Predictor(
            dim=self.encoder.dim, grid=self.encoder.grid, pred_dim=pred_dim, depth=pred_depth, heads=pred_heads
        )
        self.masks = MaskMixture(grid=self.encoder.grid, names=tuple(masks))
        self.mask_generator = torch.Generator().manual_seed(mask_seed)

    def forward(self, video: torch.Tensor) -> torch.Tensor:
        """Frozen features for downstream use: the target encoder's tokens, ``[B, N, D]``."""
        return self.target_encoder(video)  # type: ignore[no-any-return]

    def jepa_loss(
        self, video: torch.Tensor, masks: tuple[torch.Tensor, torch.Tensor] | None = None
    ) -> dict[str, torch.Tensor]:
        """The masked latent prediction loss and its monitors for one batch ``[B, T, C, H, W]``.

        ``masks`` (context and target indices) default to the next draw of the training mask stream.
        """
        context_index, target_index = masks or self.masks(batch_size=video.shape[0], generator=self.mask_generator)
        context_index, target_index = context_index.to(self.device), target_index.to(self.device)
        if self.targets == "ema":
            with torch.no_grad():
                targets = self.target_encoder(video)  # [B, N, D]
        else:  # LeJEPA: the online encoder on the whole clip, gradients and all; SIGReg alone keeps it from collapse
            targets = self.encoder(video)
        targets = F.layer_norm(targets, targets.shape[-1:])
        watched = targets.detach()  # the collapse monitors see the layer-normed features, whatever the loss sees
        if self.target_norm == "centred":
            targets = centred_targets(targets)
        context = self.encoder(video, context_index)  # [B, K, D]
        predicted = self.predictor(context, context_index, target_index)  # [B, M, D]
        error = (predicted - apply_masks(targets, target_index)).abs().mean(dim=-1)  # [B, M]
        if self.foreground_weight > 0:
            share = foreground_share(video, self.tubelet)  # [B, N]
            weight = 1.0 + self.foreground_weight * torch.gather(share, 1, target_index)
            out = {"loss_jepa": (weight * error).sum() / weight.sum()}
        else:
            out = {"loss_jepa": error.mean()}
        loss = out["loss_jepa"]
        if self.vicreg_weight > 0 or self.sigreg_weight > 0:
            seen = regularised_features(context, context_index, self.encoder.num_tokens, self.regularise)
            if self.vicreg_weight > 0:
                variance, covariance = vicreg_terms(seen)
                out.update(loss_variance=variance, loss_covariance=covariance)
                loss = loss + self.vicreg_weight * (variance + 0.04 * covariance)
            if self.sigreg_weight > 0:
                out["loss_sigreg"] = sigreg(seen)
                loss = loss + self.sigreg_weight * out["loss_sigreg"]
        clip_mean = watched.mean(dim=1)  # [B, D]
        out.update(loss=loss, target_std=watched.flatten(0, 1).std(dim=0).mean(), target_rank=effective_rank(clip_mean))
        return out

    def training_step(self, batch: dict[str, Any], batch_idx: int) -> torch.Tensor:
        video = batch["frames"]
        if self.crop_scale is not None:
            video = random_resized_crop(video, self.crop_scale)
        out = self.jepa_loss(video)
        self.log_dict({f"train/{k}": v.detach() for k, v in out.items() if k != "loss"})
        self.log("train/loss", out["loss"].detach(), prog_bar=True)
        self.log("train/ema", self.momentum(), prog_bar=False)
        return out["loss"]

    def validation_step(self, batch: dict[str, Any], batch_idx: int) -> None:
        # Fixed masks per validation batch: the loss compares across epochs, and validation (the sanity check
        # included) never advances the training mask stream, which a resumed run must continue exactly.
        masker = self.masks.maskers[batch_idx % len(self.masks.maskers)]
        masks = masker(batch_size=batch["frames"].shape[0], generator=torch.Generator().manual_seed(batch_idx))
        out = self.jepa_loss(batch["frames"], masks)
        self.log_dict({f"val/{k}": v for k, v in out.items()}, sync_dist=True)

    def momentum(self) -> float:
        """The EMA momentum at the current step (linear from ``ema[0]`` to ``ema[1]``)."""
        start, end = self.ema
        total = max(int(self.trainer.estimated_stepping_batches), 1) if self._trainer is not None else 1
        progress = min(self.global_step / total, 1.0)
        return float(start + (end - start) * progress)

    def optimizer_step(self, *args: Any, **kwargs: Any) -> None:
        # The EMA update of the target encoder, right after the optimizer step: target = m * target + (1 - m) *
        # online. Here rather than in on_train_batch_end, because ModelCheckpoint(every_n_train_steps) saves in the
        # callbacks' on_train_batch_end, which Lightning calls first: a checkpoint would miss the step's update.
        super().optimizer_step(*args, **kwargs)
        m = self.momentum()
        with torch.no_grad():
            for target, online in zip(self.target_encoder.parameters(), self.encoder.parameters(), strict=True):
                target.mul_(m).add_(online.detach(), alpha=1.0 - m)

    def mask_state(self) -> dict[str, Any]:
        """The mask generator's state and the mask cycle's position (what a checkpoint keeps of the masks)."""
        return {"generator": self.mask_generator.get_state().tolist(), "calls": self.masks.calls}

    def on_save_checkpoint(self, checkpoint: dict[str, Any]) -> None:
        checkpoint["mask_state"] = self.mask_state()

    def on_load_checkpoint(self, checkpoint: dict[str, Any]) -> None:
        saved = checkpoint.get("mask_state")
        if saved is not None:  # older checkpoints carry none; their masks restart from the seed
            self.mask_generator.set_state(torch.tensor(saved["generator"], dtype=torch.uint8))
            self.masks.calls = int(saved["calls"])

    def configure_optimizers(self) -> Any:
        params = [p for name, p in self.named_parameters() if not name.startswith("target_encoder.")]
        decay = [p for p in params if p.dim() >= 2]
        no_decay = [p for p in params if p.dim() < 2]
        optimizer = torch.optim.AdamW(
            [
                {"params": decay, "weight_decay": self.weight_decay},
                {"params": no_decay, "weight_decay": 0.0},
            ],
            lr=self.lr,
        )
        return warmup_cosine(optimizer, int(self.trainer.estimated_stepping_batches), self.warmup_steps)
