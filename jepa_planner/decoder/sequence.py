"""The plain autoregressive object head: objects written as tokens, one field after another (Pix2Seq style).

This is the baseline of the "set head against plain autoregressive decoding" ablation. Where the set head
(``model.ObjectSetHead``) predicts every object at once from proposal queries and is trained through a
Hungarian matching, this head writes the objects in the order of the targets (the order they appear), each as
``FIELDS`` tokens:

====== =========================== ============================================
field  tokens                      value
====== =========================== ============================================
kind   ``len(KINDS)``              the object kind
color  ``len(COLORS)``             the palette colour
fill   ``len(FILLS)``              the fill opacity
x, y   ``POSITION_BINS`` each      centre, in half-frame units [-1, 1], uniform bins
w, h   ``POSITION_BINS`` each      size, in frame units [0, 1], uniform bins of its square root (finer when small)
appear ``APPEAR_BINS``             the first frame, as a share of the clip
====== =========================== ============================================

then ``STOP``. Each position may only take its own field's tokens (and ``STOP`` where an object would start): this
is the output's format, not a grammar, and without it a field could not be read back. The state an object hands to
the timeline decoder's pointers is the hidden state right after its last field.

``decode`` writes the objects greedily and returns them in the set head's output format (kind, colour and fill
log-probabilities, box, appear time and state per slot, unused slots certain to be "no object"), so that
``decode.decode_scene`` and everything after it run unchanged.

Axis key: b batch, l object tokens, k object slots, n clip tokens, w width, v object-token vocabulary.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Final

import torch
import torch.nn.functional as F
from torch import nn

from jepa_planner.decoder.targets import SceneTargets
from jepa_planner.decoder.vocab import IGNORE, NO_OBJECT

#: Bins of each centre coordinate and size, and of the appearance time.
POSITION_BINS: Final = 32
APPEAR_BINS: Final = 16
#: The fields of one object, in the order they are written.
FIELDS: Final = ("kind", "color", "fill", "x", "y", "w", "h", "appear")
#: A logit that rules a choice out (finite, so that a log-softmax over a row of them stays a number).
IMPOSSIBLE: Final = -1e4


def field_sizes(kinds: int, colors: int, fills: int) -> tuple[int, ...]:
    """Tokens of each field in ``FIELDS`` order."""
    return (kinds, colors, fills, *(POSITION_BINS,) * 4, APPEAR_BINS)


def _bin(value: float, low: float, high: float, bins: int) -> int:
    return min(max(int((value - low) / (high - low) * bins), 0), bins - 1)


def _centre(index: torch.Tensor, low: float, high: float, bins: int) -> torch.Tensor:
    return low + (index.float() + 0.5) / bins * (high - low)


class ObjectSequence(nn.Module):
    """A causal transformer that writes a clip's objects as field tokens, reading the clip's memory.

    Parameters
    ----------
    kinds, colors, fills
        Classes of the categorical fields (``vocab.KINDS``, ``vocab.COLORS``, ``vocab.FILLS``).
    slots
        The most objects it writes.
    width, depth, heads
        The transformer.
    """

    allowed: torch.Tensor

    def __init__(self, *, kinds: int, colors: int, fills: int, slots: int, width: int, depth: int, heads: int) -> None:
        super().__init__()
        self.sizes = field_sizes(kinds, colors, fills)
        self.offsets = tuple(sum(self.sizes[:i]) for i in range(len(self.sizes)))
        self.stop = sum(self.sizes)
        self.start = self.stop + 1
        self.slots = slots
        self.embed = nn.Embedding(self.stop + 2, width)
        self.field = nn.Embedding(len(FIELDS), width)  # the field each position predicts
        self.object = nn.Embedding(slots + 1, width)  # the object it belongs to (slots: the final STOP)
        layer = nn.TransformerDecoderLayer(width, heads, 4 * width, dropout=0.0, batch_first=True, norm_first=True)
        self.decoder = nn.TransformerDecoder(layer, depth)
        self.norm = nn.LayerNorm(width)
        self.out = nn.Linear(width, self.stop + 1)
        allowed = torch.zeros(len(FIELDS), self.stop + 1, dtype=torch.bool)
        for f, (offset, size) in enumerate(zip(self.offsets, self.sizes, strict=True)):
            allowed[f, offset : offset + size] = True
        allowed[0, self.stop] = True  # STOP only where the next object would start
        self.register_buffer("allowed", allowed, persistent=False)

    @property
    def length(self) -> int:
        """The longest token sequence: every slot's fields, then STOP."""
        return self.slots * len(FIELDS) + 1

    def tokens(self, target: SceneTargets) -> list[int]:
        """One scene's target tokens (``IGNORE`` for an unknown colour or fill), STOP-ended, at most ``slots``
        objects."""
        out: list[int] = []
        for m in range(min(len(target.kind), self.slots)):
            x, y, w, h = (float(v) for v in target.box[m])
            values = (
                int(target.kind[m]),
                int(target.color[m]),
                int(target.fill[m]),
                _bin(x, -1.0, 1.0, POSITION_BINS),
                _bin(y, -1.0, 1.0, POSITION_BINS),
                _bin(math.sqrt(max(w, 0.0)), 0.0, 1.0, POSITION_BINS),
                _bin(math.sqrt(max(h, 0.0)), 0.0, 1.0, POSITION_BINS),
                _bin(float(target.appear[m]), 0.0, 1.0, APPEAR_BINS),
            )
            out += [IGNORE if v == IGNORE else offset + v for v, offset in zip(values, self.offsets, strict=True)]
        return [*out, self.stop]

    def forward(self, memory: torch.Tensor, inputs: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Masked next-token logits ``[B, L, V]`` and hidden states ``[B, L, W]`` for inputs ``[B, L]`` (START,
        then the tokens so far)."""
        length = inputs.shape[1]
        position = torch.arange(length, device=inputs.device)
        field, obj = position % len(FIELDS), (position // len(FIELDS)).clamp(max=self.slots)
        x = self.embed(inputs) + self.field(field) + self.object(obj)
        causal = nn.Transformer.generate_square_subsequent_mask(length, device=inputs.device)
        hidden = self.norm(self.decoder(x, memory, tgt_mask=causal, tgt_is_causal=True))
        logits = self.out(hidden).masked_fill(~self.allowed[field], IMPOSSIBLE)
        return logits, hidden

    def inputs(self, targets: torch.Tensor) -> torch.Tensor:
        """Teacher-forcing inputs for padded targets ``[B, L]`` (-1 pads, ``IGNORE`` unknown): START, then the
        targets but the last; an unknown field is fed as its first token, a pad as START."""
        fed = targets.clone()
        for f, offset in enumerate(self.offsets):
            unknown = (targets == IGNORE) & (torch.arange(targets.shape[1], device=targets.device) % len(FIELDS) == f)
            fed[unknown] = offset
        fed[targets == -1] = self.start
        return torch.cat([torch.full_like(fed[:, :1], self.start), fed[:, :-1]], dim=1)

    def states(self, hidden: torch.Tensor, counts: Sequence[int]) -> torch.Tensor:
        """``[B, K, W]``: each object's hidden state once all its fields are read (zeros past a clip's objects)."""
        state = hidden.new_zeros(hidden.shape[0], self.slots, hidden.shape[-1])
        for b, count in enumerate(counts):
            ends = torch.arange(1, count + 1, device=hidden.device) * len(FIELDS)
            state[b, :count] = hidden[b, ends]
        return state

    def _write(self, memory: torch.Tensor) -> tuple[list[torch.Tensor], torch.Tensor]:
        """Greedy field tokens of clip 0 of ``memory``: each one's log-probabilities ``[V]``, and the hidden states
        ``[1, L + 1, W]`` of a pass that has read them all (``states`` takes the objects' from it)."""
        inputs = [self.start]
        written: list[torch.Tensor] = []
        while True:
            logits, hidden = self(memory[:1], torch.tensor([inputs], device=memory.device))
            if len(written) == self.slots * len(FIELDS):  # every slot written: this pass read the last fields
                return written, hidden
            log_p = logits[0, -1].log_softmax(-1)
            token = int(log_p.argmax())
            if token == self.stop:
                return written, hidden
            written.append(log_p)
            inputs.append(token)

    @torch.no_grad()
    def predict(self, memory: torch.Tensor, proposals: torch.Tensor | None = None) -> dict[str, torch.Tensor]:
        """Every clip of ``memory`` ``[B, N, W]`` written greedily (``decode``), stacked as the set head reports
        them; ``proposals`` is the set head's and is not used here: this head finds its objects by writing them."""
        decoded = [self.decode(memory[b : b + 1], NO_OBJECT) for b in range(len(memory))]
        return {key: torch.cat([d[key] for d in decoded]) for key in decoded[0]}

    @torch.no_grad()
    def decode(self, memory: torch.Tensor, no_object: int) -> dict[str, torch.Tensor]:
        """Greedy objects of clip 0 of ``memory`` ``[B, N, W]``, as the set head reports them (see the module
        docstring); ``no_object`` is the kind head's "no object" class."""
        written, hidden = self._write(memory)
        count = len(written) // len(FIELDS)
        kinds, colors, fills = self.sizes[:3]
        kind = torch.full((1, self.slots, kinds + 1), IMPOSSIBLE, device=memory.device)
        kind[0, count:, no_object] = 0.0
        color = torch.zeros(1, self.slots, colors, device=memory.device)
        fill = torch.zeros(1, self.slots, fills, device=memory.device)
        box = torch.zeros(1, self.slots, 4, device=memory.device)
        box[0, :, 2:] = 0.1
        appear = torch.zeros(1, self.slots, device=memory.device)
        if count:
            # written holds count objects of len(FIELDS) tokens: field f of every object is written[f::len(FIELDS)]
            chosen = [
                torch.stack(written[f :: len(FIELDS)])[:, offset : offset + size]  # [count, size]
                for f, (offset, size) in enumerate(zip(self.offsets, self.sizes, strict=True))
            ]
            kind[0, :count, :kinds] = chosen[0]
            color[0, :count], fill[0, :count] = chosen[1], chosen[2]
            index = [c.argmax(-1) for c in chosen[3:]]
            box[0, :count, 0] = _centre(index[0], -1.0, 1.0, POSITION_BINS)
            box[0, :count, 1] = _centre(index[1], -1.0, 1.0, POSITION_BINS)
            box[0, :count, 2] = _centre(index[2], 0.0, 1.0, POSITION_BINS) ** 2
            box[0, :count, 3] = _centre(index[3], 0.0, 1.0, POSITION_BINS) ** 2
            appear[0, :count] = _centre(index[4], 0.0, 1.0, APPEAR_BINS)
        return {
            "kind": kind,
            "color": color,
            "fill": fill,
            "box": box,
            "appear": appear,
            "state": self.states(hidden, [count]),
        }

    def loss(self, logits: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
        """Cross-entropy of logits ``[B, L, V]`` on targets ``[B, L]`` (-1 pads and ``IGNORE`` unknowns skipped)."""
        flat = targets.flatten().masked_fill(targets.flatten() < 0, -1)
        return F.cross_entropy(logits.flatten(0, 1), flat, ignore_index=-1)
