"""The scene decoder: JEPA tokens in, an object set and a timeline out.

- **Object-set head** (two-stage DETR style): a per-token *objectness* score proposes the ``slots`` tokens most
  likely to hold an object; each proposal, plus a learned slot embedding, becomes a query that cross-attends to
  the clip's tokens and predicts a kind (or "no object"), a colour, a fill, a box (centre and size) and the
  time the object appears. Plain learned queries (DETR) had to learn to find a 2-pixel object among 192 tokens
  by attention alone and barely learned kinds or colours on this CPU's budget; starting each query at a
  proposed token makes those local.
- **Step decoder**: a causal transformer that writes the timeline as grammar tokens (``decoder.timeline``). It
  reads the clip's tokens and the object queries. Its output scores the vocabulary's words, and it points at
  object slots by attention over the queries, so references can only name decoded objects.

Both object heads sit behind one interface, ``SceneDecoder.head``: ``predict(memory, proposals)`` returns the
per-slot predictions (kind, colour, fill, box, appear time and the slot states the step decoder points at). With
``object_head="set"`` it is ``ObjectSetHead``; with ``"sequence"`` it is ``sequence.ObjectSequence``, which writes
the objects as field tokens one after another: the plain autoregressive baseline of the set-head ablation.
``migrate_state`` renames the tensors of weights saved before the heads were split (``decoder.queries`` became
``decoder.head.queries``, ``decoder.sequence.*`` became ``decoder.head.*``).

With ``pixels`` set to the encoder's tubelet, a *pixel pathway* adds a learned embedding of each tubelet's raw
pixels to the encoder token at the same place before the heads read them. Colour and outline at 64x36 are a few
pixels of one token, and without the pathway the heads learned them very slowly (see
``jepa_planner.systems.decoder``); with it, the encoder supplies context and motion and the pathway the detail.

Both are plain ``nn.Module`` code; training lives in ``jepa_planner.systems.decoder``, constrained decoding in
``jepa_planner.decoder.decode``.

Axis key: b batch, n clip tokens, k object slots, l timeline tokens, d width, v words.
"""

from __future__ import annotations

from typing import Final

import torch
from einops import rearrange
from torch import nn

from jepa_planner.decoder.sequence import ObjectSequence
from jepa_planner.decoder.timeline import Vocabulary
from jepa_planner.decoder.vocab import COLORS, FILLS, KINDS, OBJECT_HEADS, ObjectHead


def pixel_features(video: torch.Tensor) -> torch.Tensor:
    """``[B, T, 3, H, W]`` in [0, 1] → ``[B, T, 6, H, W]``: brightness-lifted colour (square root, so a dim
    anti-aliased outline at 64x36, about 0.15, reads as 0.4) and chromaticity (colour over its largest channel,
    zero on the black background), which tells RED from ORANGE whatever the stroke's brightness."""
    lit = video.amax(dim=2, keepdim=True)
    chroma = video / lit.clamp_min(0.05) * (lit > 0.02)
    return torch.cat([video.clamp_min(0.0).sqrt(), chroma], dim=2)


class ObjectSetHead(nn.Module):
    """The object-set head (two-stage DETR style; see the module docstring): ``slots`` queries, each started at a
    proposed token, cross-attend to the memory and predict one object or "no object".

    Parameters
    ----------
    slots
        Object queries (the most objects a scene can have).
    width, depth, heads
        The query transformer's width, layers and attention heads.
    """

    def __init__(self, *, slots: int, width: int, depth: int, heads: int) -> None:
        super().__init__()
        self.slots = slots
        self.queries = nn.Parameter(torch.randn(slots, width) * 0.02)
        self.objectness = nn.Linear(width, 1)
        layer = nn.TransformerDecoderLayer(width, heads, 4 * width, dropout=0.0, batch_first=True, norm_first=True)
        self.object_decoder = nn.TransformerDecoder(layer, depth)
        self.object_norm = nn.LayerNorm(width)  # pre-norm layers leave the residual stream unnormalised
        self.kind = nn.Linear(width, len(KINDS) + 1)
        self.color = nn.Linear(width, len(COLORS))
        self.fill = nn.Linear(width, len(FILLS))
        self.box = nn.Linear(width, 4)  # centre x, y in half-frame units (tanh); width, height in frame units
        self.appear = nn.Linear(width, 1)  # when it appears, as a share of the clip (sigmoid)

    def scores(self, memory: torch.Tensor) -> torch.Tensor:
        """Each memory token's objectness logit ``[B, N]``: how likely it holds an object's centre."""
        return self.objectness(memory).squeeze(-1)  # type: ignore[no-any-return]

    def predict(self, memory: torch.Tensor, proposals: torch.Tensor | None = None) -> dict[str, torch.Tensor]:
        """The per-slot predictions of ``SceneDecoder.objects`` from a memory ``[B, N, W]`` made by ``read``,
        the queries starting at ``proposals`` ``[B, K]`` (token indices; the top-scoring tokens when None)."""
        objectness = self.scores(memory)
        if proposals is None:
            proposals = objectness.topk(min(self.slots, objectness.shape[1]), dim=1).indices  # [B, K]
        picked = torch.gather(memory, 1, proposals[..., None].expand(-1, -1, memory.shape[-1]))
        state = self.object_norm(self.object_decoder(picked + self.queries[: proposals.shape[1]], memory))
        box = self.box(state)
        return {
            "objectness": objectness,
            "proposals": proposals,
            "state": state,
            "kind": self.kind(state),
            "color": self.color(state),
            "fill": self.fill(state),
            "box": torch.cat([torch.tanh(box[..., :2]), torch.sigmoid(box[..., 2:])], dim=-1),
            "appear": torch.sigmoid(self.appear(state)).squeeze(-1),
        }


def make_head(name: ObjectHead, *, slots: int, width: int, depth: int, heads: int) -> ObjectSetHead | ObjectSequence:
    """The object head called ``name`` (one of ``OBJECT_HEADS``); a ``ValueError`` names the choices."""
    if name == "set":
        return ObjectSetHead(slots=slots, width=width, depth=depth, heads=heads)
    if name == "sequence":
        return ObjectSequence(
            kinds=len(KINDS), colors=len(COLORS), fills=len(FILLS), slots=slots, width=width, depth=depth, heads=heads
        )
    raise ValueError(f"object_head must be one of {OBJECT_HEADS}, not {name!r}")


#: The set head's tensors, which sat on the decoder itself before the heads were split.
_SET_HEAD_PARTS: Final = (
    "queries",
    "objectness.",
    "object_decoder.",
    "object_norm.",
    "kind.",
    "color.",
    "fill.",
    "box.",
    "appear.",
)


def migrate_state(state: dict[str, torch.Tensor], prefix: str = "decoder.") -> dict[str, torch.Tensor]:
    """``state`` with a decoder's tensors (under ``prefix``) renamed from the layout before ``SceneDecoder.head``:
    ``<prefix>queries`` → ``<prefix>head.queries``, ``<prefix>sequence.out.weight`` → ``<prefix>head.out.weight``.
    Other names, and a state already in the new layout, come back unchanged."""

    def rename(key: str) -> str:
        if not key.startswith(prefix):
            return key
        rest = key[len(prefix) :]
        if rest.startswith("sequence."):
            return f"{prefix}head.{rest[len('sequence.') :]}"
        if any(rest == part or rest.startswith(part) for part in _SET_HEAD_PARTS):
            return f"{prefix}head.{rest}"
        return key

    return {rename(key): value for key, value in state.items()}


class SceneDecoder(nn.Module):
    """Object-set head and grammar-token step decoder over a clip's tokens.

    Parameters
    ----------
    dim
        Width of the encoder's tokens.
    slots
        Object queries (the most objects a scene can have).
    width, depth, heads
        The decoder transformers' width, layers (each head has ``depth``) and attention heads.
    max_tokens
        The longest timeline, in tokens.
    pixels
        The encoder's tubelet, to add the pixel pathway; None leaves it out.
    object_head
        ``"set"`` (the object-set head) or ``"sequence"`` (``ObjectSequence``); see ``OBJECT_HEADS``.
    """

    def __init__(
        self,
        *,
        dim: int,
        slots: int = 6,
        width: int = 128,
        depth: int = 2,
        heads: int = 4,
        max_tokens: int = 192,
        pixels: tuple[int, int, int] | None = None,
        object_head: ObjectHead = "set",
    ) -> None:
        super().__init__()
        self.object_head = object_head
        self.pixel_embed = (
            nn.Sequential(  # each tubelet's pixels, then a 3x3 look at the neighbours (a hollow shape's centre is dark)
                nn.Conv3d(6, width, kernel_size=pixels, stride=pixels),
                nn.GELU(),
                nn.Conv3d(width, width, kernel_size=(1, 3, 3), padding=(0, 1, 1)),
            )
            if pixels is not None
            else None
        )
        self.vocab = Vocabulary.build(pointers=slots)
        self.slots = slots
        self.max_tokens = max_tokens
        self.memory = nn.Sequential(nn.LayerNorm(dim), nn.Linear(dim, width))
        self.memory_norm = nn.LayerNorm(width)
        self.head = make_head(object_head, slots=slots, width=width, depth=depth, heads=heads)

        self.word = nn.Embedding(self.vocab.words + 1, width)  # the last id is the start token
        self.point = nn.Linear(width, width)  # a pointer token's embedding, from its slot's query
        self.position = nn.Parameter(torch.randn(max_tokens, width) * 0.02)
        step_layer = nn.TransformerDecoderLayer(width, heads, 4 * width, dropout=0.0, batch_first=True, norm_first=True)
        self.step_decoder = nn.TransformerDecoder(step_layer, depth)
        self.step_norm = nn.LayerNorm(width)
        self.to_words = nn.Linear(width, self.vocab.words)
        self.pointer_query = nn.Linear(width, width)
        self.pointer_key = nn.Linear(width, width)

    @property
    def start(self) -> int:
        """The id of the start token fed before the first timeline token."""
        return self.vocab.words

    def objects(
        self, tokens: torch.Tensor, video: torch.Tensor | None = None, proposals: torch.Tensor | None = None
    ) -> tuple[torch.Tensor, dict[str, torch.Tensor]]:
        """``[B, N, D]`` clip tokens (and, with the pixel pathway, the clip ``[B, T, 3, H, W]`` in [0, 1]) →
        memory ``[B, N, W]`` and the per-slot predictions (query states under ``"state"`` ``[B, K, W]``; ``kind``
        ``[B, K, C+1]``, ``color``, ``fill`` logits; ``box`` ``[B, K, 4]``; ``appear`` ``[B, K]``; the token
        scores ``objectness`` ``[B, N]`` and the ``proposals`` ``[B, K]`` the queries started from).

        ``proposals`` (token indices) replaces the set head's top-scoring tokens, as training does with the true
        ones. The sequence head writes each clip's objects greedily instead (``ObjectSequence.predict``), reported
        in the same format without ``objectness`` and ``proposals``.
        """
        memory = self.read(tokens, video)
        return memory, self.head.predict(memory, proposals)

    def read(self, tokens: torch.Tensor, video: torch.Tensor | None = None) -> torch.Tensor:
        """The memory ``[B, N, W]`` both heads attend to: projected tokens, plus the pixel pathway if any."""
        memory = self.memory(tokens)
        if self.pixel_embed is not None:
            if video is None:
                raise ValueError("this decoder has a pixel pathway: pass the clip as well as its tokens")
            pixels = self.pixel_embed(rearrange(pixel_features(video), "b t c h w -> b c t h w"))
            memory = memory + rearrange(pixels, "b w t h x -> b (t h x) w")
        return self.memory_norm(memory)  # type: ignore[no-any-return]

    def embed_steps(self, inputs: torch.Tensor, state: torch.Tensor) -> torch.Tensor:
        """Token ids ``[B, L]`` (words, the start token, or pointers ``words + k``) → embeddings ``[B, L, W]``."""
        words = self.vocab.words
        is_pointer = inputs > words
        word_ids = torch.where(is_pointer, torch.zeros_like(inputs), inputs)
        slot_ids = (inputs - words - 1).clamp(min=0, max=self.slots - 1)  # pointers are shifted by the start id
        pointed = self.point(torch.gather(state, 1, slot_ids[..., None].expand(-1, -1, state.shape[-1])))
        embedded = torch.where(is_pointer[..., None], pointed, self.word(word_ids))
        return embedded + self.position[: inputs.shape[1]]

    def steps(self, memory: torch.Tensor, state: torch.Tensor, inputs: torch.Tensor) -> torch.Tensor:
        """Next-token logits ``[B, L, V + K]`` (words, then one per object slot) for decoder inputs ``[B, L]``.

        ``inputs`` hold the start token then the timeline so far, with pointer ``k`` written as ``words + 1 + k``
        (``input_ids`` converts target ids).
        """
        x = self.embed_steps(inputs, state)
        causal = nn.Transformer.generate_square_subsequent_mask(inputs.shape[1], device=inputs.device)
        context = torch.cat([memory, state], dim=1)
        h = self.step_norm(self.step_decoder(x, context, tgt_mask=causal, tgt_is_causal=True))  # [B, L, W]
        pointer = torch.einsum("blw,bkw->blk", self.pointer_query(h), self.pointer_key(state))
        return torch.cat([self.to_words(h), pointer / state.shape[-1] ** 0.5], dim=-1)

    def input_ids(self, targets: torch.Tensor) -> torch.Tensor:
        """Decoder inputs for target ids ``[B, L]`` (vocabulary ids; -1 pads): the start token, then the targets
        but the last, with pointers moved past the start id and pads as the start token."""
        shifted = torch.where(targets >= self.vocab.words, targets + 1, targets)
        shifted = torch.where(targets < 0, torch.full_like(targets, self.start), shifted)
        start = torch.full_like(targets[:, :1], self.start)
        return torch.cat([start, shifted[:, :-1]], dim=1)
