"""Training the scene decoder on labelled clips, over a JEPA encoder (frozen by default).

Each step encodes the clips, runs the object-set head with the true objects' tokens as its first proposals (the
rest are the best-scoring other tokens), matches its slots to the true objects with the Hungarian algorithm
(DETR), and adds up:

- binary cross-entropy on every token's objectness (positive: the token holding an object's centre);
- cross-entropy on every slot's kind (unmatched slots learn "no object", down-weighted by ``no_object_weight``);
- cross-entropy on the colour and fill, L1 on the box and the appearance time, for matched slots;
- teacher-forced cross-entropy on the timeline tokens, with each pointer moved to the slot matched to its object.

With ``object_head="sequence"`` (the plain autoregressive baseline, ``decoder.sequence.ObjectSequence``) the first
four are replaced by teacher-forced cross-entropy on the objects' field tokens, in the targets' order; no matching
is needed, and pointers name objects by that order.

Axis key: b batch, k slots, m true objects, l timeline tokens.
"""

from __future__ import annotations

from typing import Any

import lightning as L
import torch
import torch.nn.functional as F
from scipy.optimize import linear_sum_assignment

from jepa_planner import clip_format
from jepa_planner.decoder.model import ObjectSetHead, SceneDecoder, migrate_state
from jepa_planner.decoder.sequence import FIELDS, ObjectSequence
from jepa_planner.decoder.targets import SceneTargets, batch_targets, object_tokens
from jepa_planner.decoder.vocab import IGNORE, NO_OBJECT, ObjectHead
from jepa_planner.models.vit import VideoViT
from jepa_planner.systems.jepa import JEPAPretraining, one_of
from jepa_planner.systems.schedule import warmup_cosine
from jepa_planner.systems.weights import load_weights


def match(
    predicted: dict[str, torch.Tensor], target: SceneTargets, index: int, order_weight: float = 1.0
) -> torch.Tensor:
    """Hungarian matching of sample ``index``'s slots to its true objects: ``[M]`` slot of each object.

    The cost of giving object ``m`` (objects are in order of appearance) to slot ``k`` of ``K`` is
    ``-p_k(kind_m) - 0.5 p_k(colour_m) + 2 |box_k - box_m|_1 + |appear_k - appear_m| + order_weight |k - m| / K``.
    The last term is a prior that slot ``k`` holds the ``k``-th object to appear. Without it the matching of
    an untrained head changes from step to step, and the head learned kinds and colours very slowly (DETR's
    known slow start): on one batch of 16 clips, 80 steps left kind accuracy at 0 and colour loss near chance.
    """
    if len(target.kind) == 0:
        return torch.zeros(0, dtype=torch.long)
    with torch.no_grad():
        kind = predicted["kind"][index].softmax(-1)[:, target.kind]  # [K, M]
        known = target.color.clamp(min=0)
        color = predicted["color"][index].softmax(-1)[:, known] * (target.color >= 0)  # [K, M]
        box = torch.cdist(predicted["box"][index], target.box, p=1)  # [K, M]
        appear = (predicted["appear"][index][:, None] - target.appear[None]).abs()
        slots = torch.arange(kind.shape[0], dtype=torch.float32)
        order = (slots[:, None] - torch.arange(kind.shape[1], dtype=torch.float32)[None]).abs() / kind.shape[0]
        cost = -kind - 0.5 * color + 2.0 * box + appear + order_weight * order
    rows, cols = linear_sum_assignment(cost.cpu().numpy())
    slots = torch.empty(len(target.kind), dtype=torch.long)
    slots[torch.as_tensor(cols)] = torch.as_tensor(rows)
    return slots


def pad_tokens(rows: list[list[int]], length: int) -> torch.Tensor:
    """``[B, length]`` token ids, ``-1`` after each row's end (rows are cut to ``length``)."""
    out = torch.full((len(rows), length), -1, dtype=torch.long)
    for i, row in enumerate(rows):
        row = row[:length]
        out[i, : len(row)] = torch.tensor(row, dtype=torch.long)
    return out


class DecoderTraining(L.LightningModule):
    """Trains ``SceneDecoder`` on labelled ``ClipDataModule`` batches.

    Parameters
    ----------
    encoder_weights
        A ``weights.safetensors`` from JEPA pretraining; None starts from a random encoder.
    freeze_encoder
        Keep the encoder fixed (the JEPA-features setting); False fine-tunes it at ``encoder_lr``.
    frames, height, width, tubelet, preset
        The encoder's architecture; must match the weights.
    slots, decoder_width, decoder_depth, timeline_steps, max_tokens
        The decoder.
    no_object_weight
        Weight of the "no object" class in the kind loss.
    pixel_pathway
        Give the decoder the raw pixels of each tubelet beside the encoder's tokens (``SceneDecoder``'s
        ``pixels``).
    object_head
        ``"set"`` or ``"sequence"`` (``SceneDecoder``'s ``object_head``).
    """

    def __init__(
        self,
        *,
        encoder_weights: str | None = None,
        freeze_encoder: bool = True,
        frames: int = clip_format.FRAMES,
        height: int = clip_format.HEIGHT,
        width: int = clip_format.WIDTH,
        tubelet: tuple[int, int, int] = (4, 6, 8),
        preset: str = "tiny",
        slots: int = 6,
        decoder_width: int = 128,
        decoder_depth: int = 2,
        timeline_steps: int = 8,
        max_tokens: int = 160,
        lr: float = 1e-3,
        encoder_lr: float = 1e-4,
        weight_decay: float = 0.01,
        warmup_steps: int = 100,
        no_object_weight: float = 0.2,
        pixel_pathway: bool = True,
        object_head: ObjectHead = "set",
    ) -> None:
        super().__init__()
        one_of("object_head", object_head, ObjectHead)
        self.save_hyperparameters()  # for checkpoints, run metadata and model cards; the code reads the attributes
        self.freeze_encoder, self.frames = freeze_encoder, frames
        self.timeline_steps, self.max_tokens = timeline_steps, max_tokens
        self.lr, self.encoder_lr, self.weight_decay, self.warmup_steps = lr, encoder_lr, weight_decay, warmup_steps
        self.no_object_weight = no_object_weight
        self.object_head: ObjectHead = object_head
        jepa = JEPAPretraining(frames=frames, height=height, width=width, tubelet=tubelet, preset=preset)
        if encoder_weights is not None:
            load_weights(jepa, encoder_weights)
        self.encoder: VideoViT = jepa.target_encoder.requires_grad_(not freeze_encoder)
        self.decoder = SceneDecoder(
            dim=self.encoder.dim,
            slots=slots,
            width=decoder_width,
            depth=decoder_depth,
            max_tokens=max_tokens,
            pixels=tuple(tubelet) if pixel_pathway else None,  # type: ignore[arg-type]
            object_head=object_head,
        )

    def train(self, mode: bool = True) -> DecoderTraining:
        super().train(mode)
        if self.freeze_encoder:
            self.encoder.eval()
        return self

    def encode(self, frames: torch.Tensor) -> torch.Tensor:
        """``[B, T, 3, H, W]`` → encoder tokens ``[B, N, D]`` (without gradients when frozen)."""
        with torch.set_grad_enabled(torch.is_grad_enabled() and not self.freeze_encoder):
            return self.encoder(frames)  # type: ignore[no-any-return]

    def losses(self, batch: dict[str, Any]) -> dict[str, torch.Tensor]:
        targets = batch_targets(batch, self.decoder.vocab, max_steps=self.timeline_steps)
        tokens = self.encode(batch["frames"])
        memory = self.decoder.read(tokens, batch["frames"])
        if isinstance(self.decoder.head, ObjectSequence):
            out, state, token_rows = self._sequence_losses(self.decoder.head, memory, targets)
        else:
            out, state, token_rows = self._set_losses(self.decoder.head, memory, targets)
        zero = memory.sum() * 0.0
        length = min(max((len(r) for r in token_rows), default=1), self.max_tokens)
        steps = pad_tokens(token_rows, max(length, 1)).to(self.device)
        logits = self.decoder.steps(memory, state, self.decoder.input_ids(steps))
        out["loss_steps"] = (
            F.cross_entropy(logits.flatten(0, 1), steps.flatten(), ignore_index=-1) if (steps >= 0).any() else zero
        )
        valid = steps >= 0
        out["token_accuracy"] = ((logits.argmax(-1) == steps) & valid).sum() / valid.sum().clamp(min=1)
        out["loss"] = sum((weight * out[name] for name, weight in self._loss_weights().items()), zero)
        return out

    def _loss_weights(self) -> dict[str, float]:
        if isinstance(self.decoder.head, ObjectSequence):
            return {"loss_objects": 1.0, "loss_steps": 1.0}
        names = ("loss_kind", "loss_color", "loss_fill", "loss_appear", "loss_steps", "loss_objectness")
        return {**dict.fromkeys(names, 1.0), "loss_box": 5.0}

    def _sequence_losses(
        self, head: ObjectSequence, memory: torch.Tensor, targets: list[SceneTargets]
    ) -> tuple[dict[str, torch.Tensor], torch.Tensor, list[list[int]]]:
        """The sequence head's object-token loss, its object states ``[B, K, W]`` and the timeline targets."""
        rows = [head.tokens(t) for t in targets]
        fields = pad_tokens(rows, max(len(r) for r in rows)).to(self.device)  # [B, L]
        logits, hidden = head(memory, head.inputs(fields))
        counts = [(len(r) - 1) // len(FIELDS) for r in rows]
        position = torch.arange(fields.shape[1], device=self.device)
        is_kind = (position % len(FIELDS) == 0) & (fields >= 0) & (fields != head.stop)
        out = {
            "loss_objects": head.loss(logits, fields),
            "kind_accuracy": (logits.argmax(-1) == fields)[is_kind].float().mean(),
        }
        # scene_targets keeps at most ``slots`` objects, so every pointer names a written object, by its order
        return out, head.states(hidden, counts), [list(t.tokens) for t in targets]

    def _set_losses(
        self, head: ObjectSetHead, memory: torch.Tensor, targets: list[SceneTargets]
    ) -> tuple[dict[str, torch.Tensor], torch.Tensor, list[list[int]]]:
        """The set head's losses (matched by ``match``), its slot states ``[B, K, W]`` and the timeline targets
        with pointers moved to the matched slots."""
        positives = [object_tokens(t, self.encoder.grid, self.frames).to(self.device) for t in targets]
        objectness_target = torch.zeros(memory.shape[:2], device=self.device)
        for i, found in enumerate(positives):
            objectness_target[i, found] = 1.0
        scores = head.scores(memory).detach()  # [B, N], to choose the other proposals
        proposals = torch.stack([self._proposals(scores[i], found) for i, found in enumerate(positives)])
        predicted = head.predict(memory, proposals)
        batch_size, slots = predicted["kind"].shape[:2]
        kind_target = torch.full((batch_size, slots), NO_OBJECT, dtype=torch.long, device=self.device)
        matched_color, matched_fill, box_error, appear_error = [], [], [], []
        color_logits, fill_logits = [], []
        token_rows = []
        for i, target in enumerate(targets):
            slot_of = match(predicted, target, i).to(self.device)
            kind_target[i, slot_of] = target.kind.to(self.device)
            color_logits.append(predicted["color"][i, slot_of])
            fill_logits.append(predicted["fill"][i, slot_of])
            matched_color.append(target.color.to(self.device))
            matched_fill.append(target.fill.to(self.device))
            box_error.append((predicted["box"][i, slot_of] - target.box.to(self.device)).abs().sum(-1))
            appear_error.append((predicted["appear"][i, slot_of] - target.appear.to(self.device)).abs())
            words = self.decoder.vocab.words
            token_rows.append([t if t < words else words + int(slot_of[t - words]) for t in target.tokens])
        class_weight = torch.ones(NO_OBJECT + 1, device=self.device)
        class_weight[NO_OBJECT] = self.no_object_weight
        out = {"loss_kind": F.cross_entropy(predicted["kind"].flatten(0, 1), kind_target.flatten(), class_weight)}
        pos_weight = torch.tensor(float(memory.shape[1]) / slots, device=self.device)
        out["loss_objectness"] = F.binary_cross_entropy_with_logits(
            predicted["objectness"], objectness_target, pos_weight=pos_weight
        )
        top = scores.topk(slots, dim=1).indices
        out["proposal_recall"] = torch.gather(objectness_target, 1, top).sum() / objectness_target.sum().clamp(min=1)
        colors, fills = torch.cat(matched_color), torch.cat(matched_fill)
        zero = predicted["box"].sum() * 0.0
        out["loss_color"] = (
            F.cross_entropy(torch.cat(color_logits), colors, ignore_index=IGNORE) if (colors != IGNORE).any() else zero
        )
        out["loss_fill"] = (
            F.cross_entropy(torch.cat(fill_logits), fills, ignore_index=IGNORE) if (fills != IGNORE).any() else zero
        )
        boxes = torch.cat(box_error)
        out["loss_box"] = boxes.mean() if len(boxes) else zero
        out["loss_appear"] = torch.cat(appear_error).mean() if len(boxes) else zero
        has_object = kind_target != NO_OBJECT
        out["kind_accuracy"] = (predicted["kind"].argmax(-1) == kind_target)[has_object].float().mean()
        return out, predicted["state"], token_rows

    def _proposals(self, scores: torch.Tensor, found: torch.Tensor) -> torch.Tensor:
        """``[K]`` tokens to start the queries from: the true objects' tokens in object order, then the
        best-scoring others."""
        slots = self.decoder.slots
        found = found[:slots]
        others = scores.clone()
        others[found] = -torch.inf
        extra = others.topk(slots - len(found)).indices
        return torch.cat([found, extra])

    def on_load_checkpoint(self, checkpoint: dict[str, Any]) -> None:
        """Resume checkpoints saved before the object heads moved under ``decoder.head`` (``migrate_state``)."""
        checkpoint["state_dict"] = migrate_state(checkpoint["state_dict"])

    def training_step(self, batch: dict[str, Any], batch_idx: int) -> torch.Tensor:
        out = self.losses(batch)
        size = batch["frames"].shape[0]
        self.log_dict({f"train/{k}": v.detach() for k, v in out.items() if k != "loss"}, batch_size=size)
        self.log("train/loss", out["loss"].detach(), prog_bar=True, batch_size=size)
        return out["loss"]

    def validation_step(self, batch: dict[str, Any], batch_idx: int) -> None:
        out = self.losses(batch)
        self.log_dict({f"val/{k}": v for k, v in out.items()}, sync_dist=True, batch_size=batch["frames"].shape[0])

    def test_step(self, batch: dict[str, Any], batch_idx: int) -> None:
        out = self.losses(batch)
        self.log_dict({f"test/{k}": v for k, v in out.items()}, sync_dist=True, batch_size=batch["frames"].shape[0])

    def configure_optimizers(self) -> Any:
        groups = [{"params": list(self.decoder.parameters()), "lr": self.lr}]
        if not self.freeze_encoder:
            groups.append({"params": list(self.encoder.parameters()), "lr": self.encoder_lr})
        optimizer = torch.optim.AdamW(groups, weight_decay=self.weight_decay)
        return warmup_cosine(optimizer, int(self.trainer.estimated_stepping_batches), self.warmup_steps)
