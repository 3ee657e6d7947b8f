"""The step decoder's language: a vocabulary of grammar tokens, and the two masks that keep its output valid.

A timeline is written as the tokens of ``grammars/scene.lark`` (``play ( Create ( @2 ) , run_time = 1.2 )``),
statements separated by newlines and ended by ``$END``. Object references are *pointers* ``@i`` to the object-set
head's slots, not words, so the decoder can only name objects it decoded.

Two masks decide which tokens may come next:

- **syntax**: Lark's LALR interactive parser, fed the tokens so far, says which terminals it accepts
  (``GrammarMask``). Whatever passes it parses.
- **meaning**: ``TimelineAutomaton`` follows the rules of ``dsl.checks`` as it goes, reading the same table of
  what each animation needs on screen and leaves there (``dsl.ir.AnimationBase.screen``). An object is brought in
  once, animated only while on screen, and never twice in one step, and each verb gets the arguments it takes.
  Whatever passes it also passes the checks.

The decoder multiplies both masks into its logits at every step, so a decoded timeline always parses and checks.
``encode_timeline`` turns a known scene's timeline into token targets, snapping numbers to the vocabulary and
leaving out steps the vocabulary cannot say.
"""

from __future__ import annotations

from collections.abc import Generator, Sequence
from dataclasses import dataclass
from typing import Final

from lark import Token

from dsl import ir
from dsl.parser import grammar_parser
from jepa_planner.decoder.vocab import (
    ANGLES,
    KEYWORDS,
    MAX_ANIMATIONS,
    MAX_COORDINATE,
    MAX_DURATION,
    MAX_FACTOR,
    NUMBERS,
    PALETTE,
    RATE_FUNCS,
    SHIFT_DIRECTIONS,
    VERBS,
)

END: Final = "$END"
NEWLINE: Final = "\n"
_PUNCTUATION: Final = {"(": "LPAR", ")": "RPAR", ",": "COMMA", "=": "EQUAL", "-": "MINUS"}


def _number_text(value: float) -> str:
    return f"{value:g}" if value != int(value) else f"{int(value)}"


@dataclass(frozen=True)
class Vocabulary:
    """Word tokens (``texts``, each with its Lark terminal) followed by ``pointers`` pointer tokens ``@0..@P-1``.

    Ids ``0 .. len(texts) - 1`` are words and ids ``len(texts) + i`` point at object slot ``i``.
    """

    texts: tuple[str, ...]
    terminals: tuple[str, ...]
    pointers: int

    @classmethod
    def build(cls, pointers: int) -> Vocabulary:
        texts = [
            END,
            NEWLINE,
            *_PUNCTUATION,
            "play",
            "wait",
            *VERBS,
            *KEYWORDS,
            *SHIFT_DIRECTIONS,
            *RATE_FUNCS,
            *PALETTE,
            *(_number_text(n) for n in NUMBERS),
        ]
        terminals = []
        for text in texts:
            if text == END:
                terminals.append("$END")
            elif text == NEWLINE:
                terminals.append("_NL")
            elif text in _PUNCTUATION:
                terminals.append(_PUNCTUATION[text])
            elif text[0].isdigit():
                terminals.append("NUMBER")
            else:
                terminals.append("NAME")
        assert len(set(texts)) == len(texts), "vocabulary words are unique"
        return cls(tuple(texts), tuple(terminals), pointers)

    def __post_init__(self) -> None:
        # Look-ups the decoder makes for every token: word ids, and the nearest vocabulary number.
        ids = {text: i for i, text in enumerate(self.texts)}
        object.__setattr__(self, "_ids", ids)
        numbers = sorted((n, ids[_number_text(n)]) for n in NUMBERS)
        object.__setattr__(self, "_numbers", numbers)

    @property
    def words(self) -> int:
        return len(self.texts)

    def __len__(self) -> int:
        return len(self.texts) + self.pointers

    def id(self, text: str) -> int:
        ids: dict[str, int] = self._ids  # type: ignore[attr-defined]
        return ids[text]

    def pointer(self, slot: int) -> int:
        return len(self.texts) + slot

    def slot(self, token: int) -> int | None:
        """The object slot a token points at, or None for a word."""
        return token - len(self.texts) if token >= len(self.texts) else None

    def terminal(self, token: int) -> str:
        return "NAME" if token >= len(self.texts) else self.terminals[token]

    def number(self, value: float) -> int:
        """The id of the vocabulary number nearest ``abs(value)``."""
        numbers: list[tuple[float, int]] = self._numbers  # type: ignore[attr-defined]
        return min(numbers, key=lambda pair: abs(pair[0] - abs(value)))[1]

    def words_of(self, texts: Sequence[str]) -> frozenset[int]:
        return frozenset(self.id(t) for t in texts)


@dataclass(frozen=True)
class Choice:
    """What may come next: word ids and object slots."""

    words: frozenset[int]
    slots: frozenset[int] = frozenset()


_NUMBER_CHOICES: dict[tuple[int, float, bool, tuple[float, ...]], Choice] = {}


class TimelineAutomaton:
    """Follows a timeline token by token and says what may come next under the rules of ``dsl.checks``.

    Parameters
    ----------
    vocab
        The vocabulary.
    kinds
        The kind of each object slot (``None``: no object there).
    max_steps
        After this many statements only the end is allowed.

    Examples
    --------
    >>> vocab = Vocabulary.build(pointers=2)
    >>> auto = TimelineAutomaton(vocab, ["Circle", None])
    >>> sorted(vocab.texts[i] for i in auto.choice.words)
    ['play', 'wait']
    """

    def __init__(self, vocab: Vocabulary, kinds: Sequence[str | None], *, max_steps: int = 8) -> None:
        self.vocab = vocab
        self.kinds = list(kinds)
        self.max_steps = max_steps
        self.state: dict[int, ir.OnScreen] = {i: "hidden" for i, kind in enumerate(kinds) if kind is not None}
        self.steps = 0
        self.done = False
        self._program = self._timeline()
        self.choice: Choice = next(self._program)

    def allows(self, token: int) -> bool:
        slot = self.vocab.slot(token)
        return slot in self.choice.slots if slot is not None else token in self.choice.words

    def advance(self, token: int) -> None:
        """Take ``token``; it must be allowed."""
        if not self.allows(token):
            raise ValueError(f"token {token} is not allowed here")
        try:
            self.choice = self._program.send(token)
        except StopIteration:
            self.done = True
            self.choice = Choice(frozenset())

    # The program: each ``yield`` offers a Choice and receives the token taken. ------------------------------
    def _words(self, *texts: str) -> Choice:
        return Choice(self.vocab.words_of(texts))

    def _slots(self, state: ir.OnScreen, exclude: set[int], kinds: frozenset[str] | None = None) -> frozenset[int]:
        return frozenset(
            slot
            for slot, now in self.state.items()
            if now == state and slot not in exclude and (kinds is None or self.kinds[slot] in kinds)
        )

    def _timeline(self) -> Generator[Choice, int, None]:
        while True:
            openers = ["play", "wait"] if self.steps < self.max_steps else []
            if self.steps:
                openers.append(END)
            token = yield self._words(*openers)
            if token == self.vocab.id(END):
                return
            if token == self.vocab.id("wait"):
                yield from self._fixed("(")
                yield self._numbers(limit=MAX_DURATION)
                yield from self._fixed(")")
            else:
                yield from self._play()
            self.steps += 1
            if self.steps < self.max_steps:
                token = yield self._words(NEWLINE, END)
            else:
                token = yield self._words(END)
            if token == self.vocab.id(END):
                return

    def _fixed(self, *texts: str) -> Generator[Choice, int, None]:
        for text in texts:
            yield self._words(text)

    def _numbers(self, *, limit: float, signed: bool = False, only: Sequence[float] = ()) -> Choice:
        """Positive numbers up to ``limit`` (or just ``only``); with ``signed``, also zero and a minus sign."""
        key = (id(self.vocab), limit, signed, tuple(only))
        if key not in _NUMBER_CHOICES:
            values = only or [n for n in NUMBERS if (n > 0 or signed) and n <= limit]
            words = {self.vocab.id(_number_text(n)) for n in values}
            if signed:
                words.add(self.vocab.id("-"))
            _NUMBER_CHOICES[key] = Choice(frozenset(words))
        return _NUMBER_CHOICES[key]

    def _signed_number(self, *, limit: float, only: Sequence[float] = ()) -> Generator[Choice, int, None]:
        token = yield self._numbers(limit=limit, signed=True, only=only)
        if token == self.vocab.id("-"):
            yield self._numbers(limit=limit, only=[n for n in only if n > 0])

    def _verbs(self, touched: set[int]) -> list[str]:
        """The verbs that have, for each object they name, an untouched slot in the state they need it in."""
        return [
            verb
            for verb in VERBS
            if all(
                self._slots(before, touched, _kinds(verb, field))
                for field, (before, _) in ir.ANIMATION_KINDS[verb].screen.items()
            )
        ]

    def _play(self) -> Generator[Choice, int, None]:
        yield from self._fixed("(")
        touched: set[int] = set()
        animations = 0
        token = yield self._words(*self._verbs(touched))
        while True:
            yield from self._animation(self.vocab.texts[token], touched)
            animations += 1
            if (yield self._words(",", ")")) == self.vocab.id(")"):
                return
            # After a comma: another animation, or the keywords.
            verbs = self._verbs(touched) if animations < MAX_ANIMATIONS else []
            token = yield self._words(*verbs, *self._keyword_names(animations))
            if self.vocab.texts[token] not in VERBS:
                yield from self._keywords(self.vocab.texts[token], animations)
                return

    @staticmethod
    def _keyword_names(animations: int) -> list[str]:
        return ["run_time", "rate_func", *(["lag_ratio"] if animations > 1 else [])]

    def _keywords(self, first: str, animations: int) -> Generator[Choice, int, None]:
        left = self._keyword_names(animations)
        keyword = first
        while True:
            left.remove(keyword)
            yield from self._fixed("=")
            if keyword == "rate_func":
                yield self._words(*RATE_FUNCS)
            else:
                yield self._numbers(limit=1.0 if keyword == "lag_ratio" else MAX_DURATION)
            token = yield self._words(*([","] if left else []), ")")
            if token == self.vocab.id(")"):
                return
            keyword = self.vocab.texts[(yield self._words(*left))]

    def _animation(self, verb: str, touched: set[int]) -> Generator[Choice, int, None]:
        """The arguments of one animation, from its opening bracket to its closing one."""
        yield from self._fixed("(")
        yield from self._object(verb, "target", touched)
        if verb == "FadeIn":
            if (yield self._words(",", ")")) == self.vocab.id(","):
                yield from self._fixed("shift", "=")
                yield self._words(*SHIFT_DIRECTIONS)
                yield from self._fixed(")")
            return
        if verb == "Rotate":
            yield from self._fixed(",")
            yield from self._signed_number(limit=max(ANGLES), only=ANGLES)
        elif verb == "Scale":
            yield from self._fixed(",")
            yield self._numbers(limit=MAX_FACTOR)
        elif verb == "SetColor":
            yield from self._fixed(",")
            yield self._words(*PALETTE)
        elif verb in ("Shift", "MoveTo"):
            yield from self._fixed(",", "(")
            yield from self._signed_number(limit=MAX_COORDINATE)
            yield from self._fixed(",")
            yield from self._signed_number(limit=MAX_COORDINATE)
            yield from self._fixed(")")
        elif "into" in ir.ANIMATION_KINDS[verb].screen:
            yield from self._fixed(",")
            yield from self._object(verb, "into", touched)
        yield from self._fixed(")")

    def _object(self, verb: str, field: str, touched: set[int]) -> Generator[Choice, int, int]:
        """Offer the slots ``verb`` may name in ``field``; take one and move it to its state after the verb."""
        before, after = ir.ANIMATION_KINDS[verb].screen[field]
        slot = self._slot((yield Choice(frozenset(), self._slots(before, touched, _kinds(verb, field)))))
        self.state[slot] = after
        touched.add(slot)
        return slot

    def _slot(self, token: int) -> int:
        slot = self.vocab.slot(token)
        assert slot is not None, "a pointer was taken where the automaton offered only pointers"
        return slot


def _kinds(verb: str, field: str) -> frozenset[str] | None:
    """The kinds ``verb`` accepts in ``field`` (None: any)."""
    return ir.ANIMATION_KINDS[verb].target_kinds if field == "target" else None


class GrammarMask:
    """The terminals ``grammars/scene.lark`` accepts after a scene header and the timeline tokens so far.

    ``accepts()`` answers from a cache keyed by the LALR state stack, so a repeated parser state costs nothing.
    """

    _cache: dict[tuple[int, ...], frozenset[str]] = {}

    def __init__(self) -> None:
        self._parser = grammar_parser().parse_interactive("scene Planned")
        self._parser.exhaust_lexer()
        self._parser.feed_token(Token("_NL", "\n"))  # the timeline starts on a line of its own

    def accepts(self) -> frozenset[str]:
        key = tuple(self._parser.parser_state.state_stack)
        if key not in self._cache:
            self._cache[key] = frozenset(self._parser.accepts())  # type: ignore[no-untyped-call]
        return self._cache[key]

    def feed(self, terminal: str, text: str) -> None:
        if terminal == "$END":
            self._parser.feed_eof()  # type: ignore[no-untyped-call]
        else:
            self._parser.feed_token(Token(terminal, text))


def render_tokens(vocab: Vocabulary, tokens: Sequence[int], names: Sequence[str]) -> str:
    """Timeline text from token ids; pointer ``@i`` becomes ``names[i]``. One statement per line."""
    out: list[str] = []
    line = ""
    for token in tokens:
        slot = vocab.slot(token)
        text = names[slot] if slot is not None else vocab.texts[token]
        if text == END:
            break
        if text == NEWLINE:
            out.append(line)
            line = ""
        elif text == ",":
            line += ", "
        else:
            line += text
    if line:
        out.append(line)
    return "\n".join(out) + "\n"


def encode_timeline(
    vocab: Vocabulary, scene: ir.Scene, slots: dict[str, int], kinds: Sequence[str | None], *, max_steps: int = 8
) -> list[int]:
    """Token targets for ``scene``'s timeline, ending with ``$END``.

    ``slots`` maps object names to pointer slots. Steps the vocabulary cannot say (unknown verbs or objects,
    ``add``) are left out, as is any step the automaton would refuse after that; numbers snap to the vocabulary.
    """
    auto = TimelineAutomaton(vocab, kinds, max_steps=max_steps)
    tokens: list[int] = []
    for step in scene.timeline:
        if auto.steps >= max_steps:
            break
        words = _step_words(vocab, step, slots)
        if words is None:
            continue
        if tokens:
            words = [vocab.id(NEWLINE), *words]
        if all(_take(auto, t) for t in words):
            tokens.extend(words)
        else:  # refused part-way: replay the accepted tokens into a fresh automaton
            auto = TimelineAutomaton(vocab, kinds, max_steps=max_steps)
            for token in tokens:
                auto.advance(token)
    if not tokens:
        return []
    return [*tokens, vocab.id(END)]


def _take(auto: TimelineAutomaton, token: int) -> bool:
    if not auto.allows(token):
        return False
    auto.advance(token)
    return True


def _step_words(vocab: Vocabulary, step: ir.StepBase, slots: dict[str, int]) -> list[int] | None:
    w = vocab.id
    if isinstance(step, ir.Wait):
        return [w("wait"), w("("), vocab.number(max(step.duration, 0.1)), w(")")]
    if not isinstance(step, ir.Play) or len(step.animations) > MAX_ANIMATIONS:
        return None
    words = [w("play"), w("(")]
    for i, animation in enumerate(step.animations):
        part = _animation_words(vocab, animation, slots)
        if part is None:
            return None
        words += ([w(",")] if i else []) + part
    keywords: list[list[int]] = []
    if step.run_time is not None:
        keywords.append([w("run_time"), w("="), vocab.number(max(step.run_time, 0.1))])
    if step.rate_func is not None:
        if step.rate_func not in RATE_FUNCS:
            return None
        keywords.append([w("rate_func"), w("="), w(step.rate_func)])
    if step.lag_ratio is not None and len(step.animations) > 1:
        keywords.append([w("lag_ratio"), w("="), vocab.number(max(step.lag_ratio, 0.1))])
    for keyword in keywords:
        words += [w(","), *keyword]
    return [*words, w(")")]


def _signed(vocab: Vocabulary, value: float) -> list[int]:
    number = vocab.number(value)
    if vocab.texts[number] != "0" and value < 0:
        return [vocab.id("-"), number]
    return [number]


def _animation_words(vocab: Vocabulary, animation: ir.AnimationBase, slots: dict[str, int]) -> list[int] | None:
    w = vocab.id
    if animation.kind not in VERBS or animation.target not in slots:
        return None
    head = [w(animation.kind), w("("), vocab.pointer(slots[animation.target])]
    if isinstance(animation, ir.FadeIn) and animation.shift is not None:
        if animation.shift not in SHIFT_DIRECTIONS:
            return None
        return [*head, w(","), w("shift"), w("="), w(animation.shift), w(")")]
    if isinstance(animation, ir.Rotate):
        return [*head, w(","), *_signed(vocab, animation.angle), w(")")]
    if isinstance(animation, ir.Scale):
        return [*head, w(","), vocab.number(max(animation.factor, 0.1)), w(")")]
    if isinstance(animation, ir.SetColor):
        if animation.color not in PALETTE:
            return None
        return [*head, w(","), w(animation.color), w(")")]
    if isinstance(animation, ir.Shift | ir.MoveTo):
        x, y = animation.vector if isinstance(animation, ir.Shift) else animation.point
        return [*head, w(","), w("("), *_signed(vocab, x), w(","), *_signed(vocab, y), w(")"), w(")")]
    if isinstance(animation, ir.Transform | ir.ReplacementTransform):
        if animation.into not in slots:
            return None
        return [*head, w(","), vocab.pointer(slots[animation.into]), w(")")]
    if isinstance(animation, ir.FadeOut) and animation.shift is not None:
        return None
    return [*head, w(")")]
