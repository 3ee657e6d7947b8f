"""What the harness compares: methods that turn a clip into predicted scene text.

Each method answers ``predict(frames, name=...)`` with DSL text for one clip; the harness times that call and
scores the text. ``name`` is the target scene's name: it cannot be seen in a clip, and exact match compares the
whole canonical text, so every method is told it.

- ``planner``: ``planning.plan`` on the clip: perception and render-and-compare fitting, with the learned
  decoder's plan compared beside them (``refine`` decoder candidates). A plan that ``decode_scene`` had to repair
  (``SceneGraph.repaired``) is a failure, not a valid plan: the method raises ``RepairedPlan`` and the harness
  records it against L0 validity.
- ``decoder``: the learned decoder alone (``planning.plan_with_decoder``), the planner before perception, with the
  same repair rule.
- ``unconstrained``: the same planner's greedy decode with the grammar and semantic masks off. Its text is the
  raw decode, rebuilt exactly as ``decoder.decode.decode_scene`` builds it *before* its fallback, so a timeline
  that does not parse or check counts against L0 validity instead of being repaired.
- ``nearest``: retrieval. Clips of an index (the train split) are embedded with the planner's encoder (tokens
  layer-normed, mean-pooled over tokens, L2-normalised); a clip is answered with the DSL of the index clip of
  highest cosine similarity, renamed to ``name``.

Axis key: b batch, t time, n tokens, d features, c channels, h height, w width.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Final, Protocol

import numpy as np
import torch
import torch.nn.functional as F

from dsl import ir
from dsl.parser import parse
from dsl.printer import to_text
from jepa_planner.decoder.decode import DecodedScene, decode_scene, object_ir
from jepa_planner.decoder.model import SceneDecoder
from jepa_planner.decoder.timeline import render_tokens
from jepa_planner.models.video import to_video
from jepa_planner.planning.inputs import load_clip
from jepa_planner.planning.model import Planner
from jepa_planner.planning.plan import SceneGraph, Spec, plan, plan_with_decoder

#: The methods the harness knows, the planner first.
METHODS: Final = ("planner", "decoder", "unconstrained", "nearest")
#: Clips embedded per encoder call while building a retrieval index.
INDEX_BATCH: Final = 32


class Method(Protocol):
    """A way to predict scene text from a clip."""

    name: str

    def predict(self, frames: np.ndarray, *, name: str) -> str:
        """DSL text for ``frames`` ``[T, H, W, 3]`` uint8, with the scene called ``name``."""
        ...


def fitted(planner: Planner, frames: np.ndarray) -> np.ndarray:
    """``frames`` resampled and resized to what the planner's encoder takes (as ``plan`` does)."""
    clip, _ = load_clip(frames, length=planner.config.frames, size=planner.size)
    return clip


class RepairedPlan(RuntimeError):
    """The planner's decoded timeline did not parse or check, and only the fallback timeline was left."""


@dataclass
class PlannerMethod:
    """``plan(Spec(clip=frames, refine=refine, seed=seed))``: the system under test."""

    planner: Planner
    refine: int = 1
    seed: int = 0
    name: str = "planner"

    def predict(self, frames: np.ndarray, *, name: str) -> str:
        graph = self.plan(Spec(clip=frames, refine=self.refine, seed=self.seed, name=name))
        if graph.repaired:
            raise RepairedPlan("the decoded timeline did not parse or check; the plan was repaired")
        return graph.dsl

    def plan(self, spec: Spec) -> SceneGraph:
        return plan(spec, planner=self.planner)


@dataclass
class DecoderMethod(PlannerMethod):
    """``plan_with_decoder(Spec(clip=frames, refine=refine, seed=seed))``: the learned decoder alone."""

    name: str = "decoder"

    def plan(self, spec: Spec) -> SceneGraph:
        return plan_with_decoder(spec, planner=self.planner)


def raw_text(decoder: SceneDecoder, decoded: DecodedScene, *, name: str) -> str:
    """The text ``decode_scene`` parsed before any repair: declarations, ``move_to`` placements, decoded steps.

    This mirrors ``decode_scene``'s own construction (names ``s1, s2, ...`` in order of appearance, placeholder
    text content); ``tests/jepa_planner/evaluation/test_harness.py`` checks that the two agree on masked decodes.
    """
    names = [f"s{i + 1}" for i in range(len(decoded.objects))]
    texts: list[str] = []
    formulas: list[str] = []
    declared = tuple(object_ir(o, n, texts, formulas) for o, n in zip(decoded.objects, names, strict=True))
    relations = tuple(
        ir.MoveToRel(subject=n, point=(round(o.center[0], 2), round(o.center[1], 2)))
        for o, n in zip(decoded.objects, names, strict=True)
    )
    slot_names = ["_"] * decoder.slots
    for obj, n in zip(decoded.objects, names, strict=True):
        slot_names[obj.slot] = n
    head = to_text(ir.Scene(name=name, objects=declared, relations=relations, timeline=()))
    return head + render_tokens(decoder.vocab, list(decoded.tokens), slot_names)


@dataclass
class UnconstrainedMethod:
    """The planner's greedy decode with both masks off, scored as raw text (no repair)."""

    planner: Planner
    name: str = "unconstrained"

    def predict(self, frames: np.ndarray, *, name: str) -> str:
        with torch.no_grad():
            clip = to_video(fitted(self.planner, frames))[None]
            memory, predicted = self.planner.decoder.objects(self.planner.encoder(clip), clip)  # [1, N, D]
            decoded = decode_scene(
                self.planner.decoder,
                memory,
                predicted,
                name=name,
                max_steps=self.planner.config.max_steps,
                grammar_mask=False,
                semantic_mask=False,
            )
        return raw_text(self.planner.decoder, decoded, name=name)


def embed(planner: Planner, clips: Sequence[np.ndarray]) -> torch.Tensor:
    """Unit-length clip embeddings ``[B, D]``: layer-normed encoder tokens, mean-pooled over tokens."""
    batch = torch.cat([to_video(fitted(planner, frames))[None] for frames in clips])  # [B, T, 3, H, W]
    with torch.no_grad():
        tokens = planner.encoder(batch)  # [B, N, D]
    pooled = F.layer_norm(tokens, tokens.shape[-1:]).mean(dim=1)  # [B, D]
    return F.normalize(pooled, dim=-1)


class NearestMethod:
    """Nearest-neighbour retrieval of a labelled clip by cosine similarity of encoder embeddings.

    Parameters
    ----------
    planner
        Whose encoder embeds the clips.
    index
        ``(frames, dsl)`` pairs to retrieve from, streamed once (embedded ``INDEX_BATCH`` at a time).
    """

    def __init__(self, planner: Planner, index: Iterable[tuple[np.ndarray, str]], *, name: str = "nearest") -> None:
        self.planner = planner
        self.name = name
        self.texts: list[str] = []
        parts: list[torch.Tensor] = []
        batch: list[np.ndarray] = []
        for frames, text in index:
            batch.append(frames)
            self.texts.append(text)
            if len(batch) == INDEX_BATCH:
                parts.append(embed(planner, batch))
                batch = []
        if batch:
            parts.append(embed(planner, batch))
        if not parts:
            raise ValueError("the retrieval index is empty")
        self.keys = torch.cat(parts)  # [M, D]

    def predict(self, frames: np.ndarray, *, name: str) -> str:
        query = embed(self.planner, [frames])[0]  # [D]
        best = int((self.keys @ query).argmax())
        scene = parse(self.texts[best])
        return to_text(scene.model_copy(update={"name": name}))
