"""Render and compare: local edits to a proposed scene, each kept only when the rendered clip gets closer.

The loss of a candidate scene is measured on the fidelity grid (``evaluation.fidelity.to_grid``: 16 frames at
128x72) against the clip: ``1 - (tolerant Dice + colour-aware Dice) / 2`` plus the mean absolute pixel
difference (a fraction of 255), so that both where things are and what colour they are count. Edits, tried
object by object in order of size until the time budget runs out:

- the runner-up shape of the object (a circle that may be a square, a line that may be an arrow);
- each other intro verb (``Create``, ``FadeIn``, ``GrowFromCenter``, ...);
- a longer or shorter intro (``PACES``): a filled shape's ``Create`` covers its area before its outline closes;
- each placeholder formula, for a formula OCR could not read;
- dropping the object (a region that was noise, or that another object already explains).

Renders are cached by the scene's canonical text. Every candidate is a real scene rendered by Manim in-process:
there is no surrogate rasteriser, so the final answer needs no second check.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass

import numpy as np

from codegen.render import render_frames
from dsl import ir
from dsl.checks import validate
from dsl.errors import DSLError
from dsl.parser import parse
from dsl.printer import to_text
from jepa_planner.evaluation.fidelity import FIDELITY_SIZE, colour_dice, to_grid, tolerant_dice
from jepa_planner.fitting.measure import PLACEHOLDER_FORMULAS
from jepa_planner.fitting.proposal import SHAPE_INTROS, TEXT_INTROS, Choices, propose
from jepa_planner.perception import Perception

#: Intro lengths tried, as factors of the one perception saw.
PACES = (1.8, 2.6, 0.6)
#: Rendered frames per second of clip length (at least 4 fps, at most 30): enough to pick 16 frames from.
RENDER_FRAMES = 64


def checked(scene: ir.Scene) -> ir.Scene:
    """The scene after a round trip through the text and the checks (which raise ``DSLError`` on any error)."""
    text = to_text(scene)
    result = parse(text)
    validate(result, source=text)
    return result


def render_grid(scene: ir.Scene, duration: float) -> np.ndarray:
    """The scene rendered in-process and brought to the fidelity grid."""
    fps = float(np.clip(RENDER_FRAMES / max(duration, 1e-3), 4.0, 30.0))
    return to_grid(render_frames(scene, FIDELITY_SIZE[0], FIDELITY_SIZE[1], fps))


def loss(target: np.ndarray, rendered: np.ndarray) -> float:
    """Render-and-compare loss of two clips on the fidelity grid (lower is closer; 0 for identical clips)."""
    dice = (tolerant_dice(target, rendered) + colour_dice(target, rendered)) / 2.0
    l1 = float(np.abs(target.astype(np.int16) - rendered.astype(np.int16)).mean()) / 255.0
    return 1.0 - dice + l1


@dataclass(frozen=True)
class Fit:
    """The best scene found, its loss, how many candidates were rendered, and the choices that made it."""

    scene: ir.Scene
    loss: float
    rendered: int
    choices: Choices


class Scorer:
    """Proposes, checks, renders and scores candidate choices against one clip, with a cache."""

    def __init__(
        self,
        perception: Perception,
        *,
        name: str,
        texts: Sequence[str],
        formulas: Sequence[str],
        kinds: Sequence[str] = (),
    ) -> None:
        self.perception = perception
        self.name, self.texts, self.formulas, self.kinds = name, tuple(texts), tuple(formulas), tuple(kinds)
        self.target = to_grid(perception.clip.frames)
        self.cache: dict[str, float] = {}

    def scene(self, choices: Choices) -> ir.Scene:
        draft = propose(
            self.perception, choices, name=self.name, texts=self.texts, formulas=self.formulas, kinds=self.kinds
        )
        return checked(draft)

    def __call__(self, choices: Choices) -> tuple[ir.Scene, float] | None:
        try:
            scene = self.scene(choices)
        except (DSLError, ValueError):
            return None
        key = to_text(scene)
        if key not in self.cache:
            self.cache[key] = loss(self.target, render_grid(scene, self.perception.clip.duration))
        return scene, self.cache[key]


def _edits(perception: Perception, index: int, choices: Choices) -> Iterator[Choices]:
    seen = perception.objects[index]
    for option in range(1, len(seen.shapes)):
        yield choices.with_shape(index, option)
    text_like = seen.shapes[0].kind in ("Text", "MathTex")
    for verb in TEXT_INTROS if text_like else SHAPE_INTROS:
        yield choices.with_intro(index, verb)
    for factor in PACES:
        yield choices.with_pace(index, factor)
    if text_like and not (seen.reading and seen.reading.is_text):
        for tex in PLACEHOLDER_FORMULAS:
            yield choices.with_formula(index, tex)
    yield choices.without(index)


def valid_start(scorer: Scorer) -> Choices:
    """The proposal's choices, less the objects that keep it from passing the checks.

    Perception's readings are checked like any user's: a plotted curve whose fit runs off to huge values, say, is
    refused. Such an object is left out rather than the whole plan failing: first one object alone, else objects
    from the latest on until what is left passes.
    """

    def passes(choices: Choices) -> bool:
        try:
            scorer.scene(choices)
        except (DSLError, ValueError):
            return False
        return True

    objects = range(len(scorer.perception.objects))
    if passes(Choices()):
        return Choices()
    for index in objects:
        if passes(Choices().without(index)):
            return Choices().without(index)
    choices = Choices()
    for index in reversed(objects):
        choices = choices.without(index)
        if passes(choices):
            break
    return choices


def search(scorer: Scorer, *, budget: float, progress: Callable[[int, int], None] | None = None) -> Fit:
    """Greedy coordinate search over ``_edits`` from the proposal, for at most ``budget`` seconds.

    ``budget = 0`` returns the proposal unrendered (its loss is NaN). ``progress(done, total)`` is called after
    each object.
    """
    choices = valid_start(scorer)
    if budget <= 0:
        return Fit(scorer.scene(choices), float("nan"), 0, choices)
    start = time.monotonic()
    first = scorer(choices)
    assert first is not None, "valid_start returns choices whose scene passes the checks"
    best_scene, best_loss = first
    order = sorted(
        range(len(scorer.perception.objects)), key=lambda i: -scorer.perception.objects[i].region.filled_area
    )
    for done, index in enumerate(order, start=1):
        for candidate in _edits(scorer.perception, index, choices):
            if time.monotonic() - start > budget:
                break
            result = scorer(candidate)
            if result is not None and result[1] < best_loss - 1e-4:
                best_scene, best_loss, choices = result[0], result[1], candidate
        if progress is not None:
            progress(done, len(order))
        if time.monotonic() - start > budget:
            break
    return Fit(best_scene, best_loss, len(scorer.cache), choices)
