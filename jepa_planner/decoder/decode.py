"""From decoder outputs to a checked scene: pick the objects, write the timeline under both masks, build the IR.

Nothing here bypasses the DSL: the objects and the decoded timeline are written out as scene text, which is
parsed, checked and handed back as IR. The masks make that text valid by construction; ``decode_scene`` still
checks it, and says so in ``DecodedScene.repaired`` if it ever had to fall back to a plain timeline.

Axis key: k object slots, v words.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

import torch

from codegen.runtime import FRAME_HEIGHT, FRAME_WIDTH
from dsl import ir
from dsl.checks import check
from dsl.parser import parse
from dsl.printer import to_text
from jepa_planner.decoder.model import SceneDecoder
from jepa_planner.decoder.timeline import GrammarMask, TimelineAutomaton, render_tokens
from jepa_planner.decoder.vocab import COLORS, FILLS, KINDS, NO_OBJECT

#: Sizes are kept inside these bounds (Manim units) so every decoded object is valid and visible.
MIN_SIZE, MAX_SIZE = 0.1, 6.0
DEFAULT_TEXT, DEFAULT_TEX = "text", "x"


@dataclass(frozen=True)
class DecodedObject:
    """One object the set head found: slot, kind, colour, fill, box (centre and size in units), appear time."""

    slot: int
    kind: str
    color: str
    fill: float | None
    center: tuple[float, float]
    size: tuple[float, float]
    appear: float
    score: float


@dataclass(frozen=True)
class DecodedScene:
    """A decoded, checked scene, with what went into it."""

    scene: ir.Scene
    objects: tuple[DecodedObject, ...]
    tokens: tuple[int, ...]
    log_prob: float
    repaired: bool = False
    notes: tuple[str, ...] = field(default=())


def pick_objects(
    predicted: dict[str, torch.Tensor],
    index: int = 0,
    *,
    temperature: float = 0.0,
    generator: torch.Generator | None = None,
    max_objects: int | None = None,
) -> list[DecodedObject]:
    """The slots that hold an object (at least one), ordered by when they appear.

    With ``temperature > 0`` kinds, colours and fills are sampled instead of taken at their most likely value.
    """
    kind_p = predicted["kind"][index].float().softmax(-1)  # [K, C+1]
    color_p = predicted["color"][index].float().softmax(-1)
    fill_p = predicted["fill"][index].float().softmax(-1)
    exists = kind_p[:, NO_OBJECT] < 0.5
    if temperature > 0:
        exists = torch.rand(len(kind_p), generator=generator) > kind_p[:, NO_OBJECT]
    if not exists.any():
        exists[int(kind_p[:, NO_OBJECT].argmin())] = True
    slots = [int(k) for k in exists.nonzero().flatten()]
    if max_objects is not None:
        slots = sorted(slots, key=lambda k: float(kind_p[k, NO_OBJECT]))[:max_objects]
    objects = []
    for k in slots:
        kind = _choose(kind_p[k, :NO_OBJECT], temperature, generator)
        color = _choose(color_p[k], temperature, generator)
        fill = _choose(fill_p[k], temperature, generator)
        box = predicted["box"][index, k].tolist()
        objects.append(
            DecodedObject(
                slot=k,
                kind=KINDS[kind],
                color=COLORS[color],
                fill=FILLS[fill],
                center=(box[0] * FRAME_WIDTH / 2, box[1] * FRAME_HEIGHT / 2),
                size=(box[2] * FRAME_WIDTH, box[3] * FRAME_HEIGHT),
                appear=float(predicted["appear"][index, k]),
                score=float(1.0 - kind_p[k, NO_OBJECT]),
            )
        )
    return sorted(objects, key=lambda o: (o.appear, o.slot))


def _choose(p: torch.Tensor, temperature: float, generator: torch.Generator | None) -> int:
    if temperature <= 0:
        return int(p.argmax())
    logits = p.clamp_min(1e-9).log() / temperature
    return int(torch.multinomial(logits.softmax(-1), 1, generator=generator))


def _clamp(value: float) -> float:
    return round(min(max(value, MIN_SIZE), MAX_SIZE), 2)


def object_ir(obj: DecodedObject, name: str, texts: list[str], formulas: list[str]) -> ir.ObjectBase:
    """The IR object for a decoded one, sized from its box; text content comes from ``texts``/``formulas``
    (consumed in order) or a placeholder, since it cannot be read from small frames."""
    width, height = obj.size
    style: dict[str, object] = {"name": name, "color": obj.color}
    if obj.kind == "Text":
        return ir.TextObj(name=name, text=texts.pop(0) if texts else DEFAULT_TEXT, font_size=28.0)
    if obj.kind == "MathTex":
        return ir.MathTex(name=name, tex=formulas.pop(0) if formulas else DEFAULT_TEX, font_size=32.0)
    if obj.fill is not None and obj.kind not in ir.SEGMENT_KINDS and obj.kind != "Dot":
        style["fill_opacity"] = obj.fill
    if obj.kind == "Circle":
        return ir.Circle(**style, radius=_clamp(max(width, height) / 2))
    if obj.kind == "Dot":
        return ir.Dot(**style, radius=round(min(max(width / 2, 0.04), 0.5), 2))
    if obj.kind == "Triangle":
        return ir.Triangle(**style, radius=_clamp(width / math.sqrt(3)))
    if obj.kind == "RegularPolygon":
        return ir.RegularPolygon(**style, n=6, radius=_clamp(max(width, height) / 2))
    if obj.kind == "Square":
        return ir.Square(**style, side_length=_clamp((width + height) / 2))
    if obj.kind in ("Rectangle", "Ellipse"):
        return ir.OBJECT_KINDS[obj.kind].model_validate({**style, "width": _clamp(width), "height": _clamp(height)})
    half = _clamp(width) / 2
    return ir.OBJECT_KINDS[obj.kind].model_validate({**style, "start": (-half, 0.0), "end": (half, 0.0)})


def decode_timeline(
    decoder: SceneDecoder,
    memory: torch.Tensor,
    state: torch.Tensor,
    kinds: Sequence[str | None],
    *,
    temperature: float = 0.0,
    generator: torch.Generator | None = None,
    max_steps: int = 8,
    grammar_mask: bool = True,
    semantic_mask: bool = True,
) -> tuple[list[int], float]:
    """Write one timeline token by token for a single clip (``memory`` ``[1, N, W]``, ``state`` ``[1, K, W]``).

    ``kinds`` gives each slot's decoded kind (None where there is no object). At every step the logits are
    masked to what the automaton and Lark's parser both accept; greedy when ``temperature`` is 0. The masks can be
    switched off for the unconstrained baseline, whose output may then fail to parse.
    """
    vocab = decoder.vocab
    auto = TimelineAutomaton(vocab, kinds, max_steps=max_steps)
    grammar = GrammarMask()
    terminal_of = torch.tensor([_terminal_id(vocab.terminal(t)) for t in range(len(vocab))])
    tokens: list[int] = []
    inputs = [decoder.start]
    log_prob = 0.0
    for _ in range(decoder.max_tokens):
        with torch.no_grad():
            logits = decoder.steps(memory, state, torch.tensor([inputs]))[0, -1].float()  # [V + K]
        allowed = torch.ones(len(vocab), dtype=torch.bool)
        if semantic_mask:
            allowed &= torch.tensor([auto.allows(t) for t in range(len(vocab))])
        if grammar_mask:
            accepted = torch.tensor([_terminal_id(name) for name in grammar.accepts()])
            allowed &= torch.isin(terminal_of, accepted)
        if not allowed.any():
            break
        log_p = logits.masked_fill(~allowed, -math.inf).log_softmax(-1)
        token = _choose(log_p.exp(), temperature, generator)
        log_prob += float(log_p[token])
        tokens.append(token)
        if semantic_mask:
            auto.advance(token)
        slot = vocab.slot(token)
        if grammar_mask:
            grammar.feed(vocab.terminal(token), vocab.texts[token] if slot is None else f"o{slot}")
        if vocab.terminal(token) == "$END":
            break
        inputs.append(token + 1 if slot is not None else token)
    return tokens, log_prob


_TERMINALS: dict[str, int] = {}


def _terminal_id(name: str) -> int:
    return _TERMINALS.setdefault(name, len(_TERMINALS))


def decode_scene(
    decoder: SceneDecoder,
    memory: torch.Tensor,
    predicted: dict[str, torch.Tensor],
    *,
    name: str = "Planned",
    texts: Sequence[str] = (),
    formulas: Sequence[str] = (),
    temperature: float = 0.0,
    generator: torch.Generator | None = None,
    max_steps: int = 8,
    max_objects: int | None = None,
    grammar_mask: bool = True,
    semantic_mask: bool = True,
) -> DecodedScene:
    """Decode clip 0 of ``memory``/``predicted`` (from ``SceneDecoder.objects``) into a checked scene.

    Objects are declared in the order they appear and named ``s1, s2, ...``; each is placed with ``move_to``
    at its decoded centre. The timeline comes from ``decode_timeline``. Should the result ever fail to parse
    or check (only possible with a mask switched off), the timeline is replaced by one ``FadeIn`` per object and
    ``repaired`` is set.
    """
    objects = pick_objects(predicted, 0, temperature=temperature, generator=generator, max_objects=max_objects)
    text_pool, formula_pool = list(texts), list(formulas)
    names = [f"s{i + 1}" for i in range(len(objects))]
    declared = [object_ir(o, n, text_pool, formula_pool) for o, n in zip(objects, names, strict=True)]
    relations = [
        ir.MoveToRel(subject=n, point=(round(o.center[0], 2), round(o.center[1], 2)))
        for o, n in zip(objects, names, strict=True)
    ]
    kinds: list[str | None] = [None] * decoder.slots
    slot_names = ["_"] * decoder.slots
    for obj, n in zip(objects, names, strict=True):
        kinds[obj.slot], slot_names[obj.slot] = obj.kind, n
    tokens, log_prob = decode_timeline(
        decoder,
        memory[:1],
        predicted["state"][:1],
        kinds,
        temperature=temperature,
        generator=generator,
        max_steps=max_steps,
        grammar_mask=grammar_mask,
        semantic_mask=semantic_mask,
    )
    head = to_text(ir.Scene(name=name, objects=tuple(declared), relations=tuple(relations), timeline=()))
    repaired = False
    try:
        scene = parse(head + render_tokens(decoder.vocab, tokens, slot_names))
        if check(scene):
            raise ValueError("the decoded timeline does not check")
    except Exception:  # noqa: BLE001 - any failure of an unmasked decode falls back to the plain timeline
        repaired = True
        steps = "".join(f"play(FadeIn({n}))\n" for n in names)
        scene = parse(head + steps)
    return DecodedScene(scene=scene, objects=tuple(objects), tokens=tuple(tokens), log_prob=log_prob, repaired=repaired)
