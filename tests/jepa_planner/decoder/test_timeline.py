"""The step decoder's language: targets round-trip, and anything the two masks allow parses and checks."""

from __future__ import annotations

import random

import pytest

from dsl import ir
from dsl.checks import check
from dsl.parser import parse
from dsl.printer import to_text
from jepa_planner.data.sampler import SceneSampler
from jepa_planner.decoder.timeline import (
    END,
    GrammarMask,
    TimelineAutomaton,
    Vocabulary,
    encode_timeline,
    render_tokens,
)

VOCAB = Vocabulary.build(pointers=6)


def _slots(scene: ir.Scene) -> tuple[dict[str, int], list[str | None], list[str]]:
    objects = [o for o in scene.objects if o.kind != "Group"][: VOCAB.pointers]
    kinds: list[str | None] = [o.kind for o in objects] + [None] * (VOCAB.pointers - len(objects))
    names = [o.name for o in objects] + ["unused"] * (VOCAB.pointers - len(objects))
    return {o.name: i for i, o in enumerate(objects)}, kinds, names


def _with_timeline(scene: ir.Scene, timeline_text: str) -> ir.Scene:
    return parse(to_text(scene.model_copy(update={"timeline": ()})) + timeline_text)


def test_vocabulary_words_are_terminals_of_the_grammar() -> None:
    assert VOCAB.terminal(VOCAB.id("(")) == "LPAR"
    assert VOCAB.terminal(VOCAB.id("1.2")) == "NUMBER"
    assert VOCAB.terminal(VOCAB.pointer(3)) == "NAME"
    assert VOCAB.slot(VOCAB.pointer(3)) == 3 and VOCAB.slot(VOCAB.id("play")) is None
    assert VOCAB.texts[VOCAB.number(1.27)] == "1.3"
    assert VOCAB.texts[VOCAB.number(-90.0)] == "90"


@pytest.mark.parametrize("level", [1, 2, 3, 4])
def test_sampled_timelines_encode_and_render_back(level: int) -> None:
    sampler = SceneSampler()
    said = 0
    for index in range(25):
        scene = sampler.sample(level=level, seed=0, index=index)
        slots, kinds, names = _slots(scene)
        tokens = encode_timeline(VOCAB, scene, slots, kinds)
        if not tokens:  # a rich scene whose first step plays a group cannot be said at all
            assert level >= 3
            continue
        assert tokens[-1] == VOCAB.id(END)
        grammar = GrammarMask()
        for token in tokens:
            assert VOCAB.terminal(token) in grammar.accepts()
            grammar.feed(VOCAB.terminal(token), "x" if VOCAB.slot(token) is not None else VOCAB.texts[token])
        decoded = _with_timeline(scene, render_tokens(VOCAB, tokens, names))
        assert check(decoded) == []
        said += len(decoded.timeline)
        if level <= 2:  # every L1/L2 step can be said; only the numbers are snapped
            assert [s.kind for s in decoded.timeline] == [s.kind for s in scene.timeline]
    assert said > 0


def test_the_automaton_follows_the_checks() -> None:
    auto = TimelineAutomaton(VOCAB, ["Circle", "Arrow", None, None, None, None])
    allowed = {VOCAB.texts[t] for t in auto.choice.words}
    assert allowed == {"play", "wait"}  # no end before the first step
    for text in ("play", "("):
        auto.advance(VOCAB.id(text))
    verbs = {VOCAB.texts[t] for t in auto.choice.words}
    assert "Create" in verbs and "GrowArrow" in verbs and "FadeOut" not in verbs  # nothing is on screen yet
    auto.advance(VOCAB.id("GrowArrow"))
    auto.advance(VOCAB.id("("))
    assert auto.choice.slots == frozenset({1})  # GrowArrow only takes the arrow
    auto.advance(VOCAB.pointer(1))
    auto.advance(VOCAB.id(")"))
    auto.advance(VOCAB.id(","))
    offered = {VOCAB.texts[t] for t in auto.choice.words}
    assert "FadeOut" not in offered  # the arrow is on screen, but already animated in this step
    assert {"Create", "run_time"} <= offered  # the circle can still come in; or the keywords follow
    with pytest.raises(ValueError, match="not allowed"):
        auto.advance(VOCAB.id("FadeOut"))


@pytest.mark.parametrize("seed", range(40))
def test_random_walks_under_both_masks_always_parse_and_check(seed: int) -> None:
    rng = random.Random(seed)
    kinds: list[str | None] = [rng.choice(["Circle", "Arrow", "Text", "Square"]) for _ in range(rng.randint(1, 6))]
    kinds += [None] * (VOCAB.pointers - len(kinds))
    auto = TimelineAutomaton(VOCAB, kinds, max_steps=rng.randint(1, 8))
    grammar = GrammarMask()
    tokens: list[int] = []
    while not auto.done:
        options = [t for t in range(len(VOCAB)) if auto.allows(t) and VOCAB.terminal(t) in grammar.accepts()]
        assert options, "the masks never leave the decoder without a choice"
        token = rng.choice(options)
        tokens.append(token)
        auto.advance(token)
        grammar.feed(VOCAB.terminal(token), "x" if VOCAB.slot(token) is not None else VOCAB.texts[token])
    names = [f"o{i}" for i in range(VOCAB.pointers)]
    head = "scene Walk\n" + "".join(
        f"o{i} = {kind}()\n"
        if kind not in ir.SEGMENT_KINDS and kind != "Text"
        else (f'o{i} = Text("hi")\n' if kind == "Text" else f"o{i} = Arrow((-1, 0), (1, 0))\n")
        for i, kind in enumerate(kinds)
        if kind is not None
    )
    scene = parse(head + render_tokens(VOCAB, tokens, names))
    assert check(scene) == []
