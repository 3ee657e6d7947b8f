"""A scene graph from what perception saw: objects from shapes, places from boxes, a timeline from events.

``Choices`` holds the discrete decisions that fitting may revise (which candidate shape, which intro verb,
whether an object is kept); ``propose`` turns perception and choices into a checked ``ir.Scene``. Every event
becomes an animation with its seen start and length; animations that start together share one ``play``, and
the gaps between them become ``wait``s, so the plan keeps the clip's timing.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field, replace

import numpy as np

from dsl import ir
from jepa_planner.fitting.measure import colour_name, colour_rgb, font_size_for, placeholder_formula
from jepa_planner.perception import Perception, SeenObject
from jepa_planner.perception.shapes import DEFAULT_STROKE, STROKE_UNITS, Shape

#: Intro verbs fitting may try for a shape, and for text.
SHAPE_INTROS = ("Create", "FadeIn", "GrowFromCenter", "DrawBorderThenFill")
TEXT_INTROS = ("Write", "FadeIn", "Create")
#: Animations starting within this share of the first one's length play in the same step.
START_SPREAD = 0.4
#: The most animations one ``play`` may hold (the IR's limit).
MAX_PER_STEP = 32
#: A background no channel of which is above this is Manim's default black.
BLACK_LEVELS = 12
#: Shortest run time written, in seconds.
MIN_RUN = 0.05


@dataclass(frozen=True)
class Choices:
    """Decisions per object index: shape candidate, intro verb, dropped or not, placeholder formula, intro pace.

    The pace is there because some intros look finished before they are: a filled shape's ``Create`` covers its
    area long before its outline closes.
    """

    shape: dict[int, int] = field(default_factory=dict)
    intro: dict[int, str] = field(default_factory=dict)
    dropped: frozenset[int] = frozenset()
    formulas: dict[int, str] = field(default_factory=dict)
    pace: dict[int, float] = field(default_factory=dict)

    def with_shape(self, index: int, choice: int) -> Choices:
        return replace(self, shape={**self.shape, index: choice})

    def with_intro(self, index: int, verb: str) -> Choices:
        return replace(self, intro={**self.intro, index: verb})

    def without(self, index: int) -> Choices:
        return replace(self, dropped=self.dropped | {index})

    def with_formula(self, index: int, tex: str) -> Choices:
        return replace(self, formulas={**self.formulas, index: tex})

    def with_pace(self, index: int, factor: float) -> Choices:
        """The object's intro lasting ``factor`` times as long as perception saw it being drawn."""
        return replace(self, pace={**self.pace, index: factor})


@dataclass(frozen=True)
class _Event:
    start: float
    end: float
    animation: ir.AnimationBase | None  # None: an ``add`` at the very start
    target: str
    intro: bool


def _r(value: float, digits: int = 2) -> float:
    return round(float(value), digits)


def _name(kind: str, counts: dict[str, int], seen: SeenObject, perception: Perception) -> str:
    base = {"MathTex": "formula", "Text": "text"}.get(kind, re.sub(r"(?<!^)(?=[A-Z])", "_", kind).lower())
    if kind == "Text" and seen.region.box[1] < 0.2 * perception.canvas.height and counts.get("title", 0) == 0:
        counts["title"] = 1
        return "title"
    counts[base] = counts.get(base, 0) + 1
    return f"{base}_{counts[base]}"


def _style(seen: SeenObject, perception: Perception, shape: Shape) -> dict[str, object]:
    background = perception.clip.background.astype(np.float64)
    region = seen.region
    # The colour it is declared with is the one it has when first drawn (a later SetColor changes it).
    opening = seen.summary.opening
    thin = region.stroke <= 3.0 or shape.kind in ("Text", "MathTex")
    colour = colour_name(opening.colour, background, faint=thin)
    style: dict[str, object] = {"color": colour}
    if shape.kind in ("Text", "MathTex"):
        return style
    fill = 0.0 if "start" in shape.size else region.fill  # a segment has no inside to fill
    if 0.0 < fill < 1.0:
        # The fill was measured against the seen paint, which thin strokes show dimmer than it is.
        seen_paint, paint = region.colour - background, colour_rgb(colour) - background
        fill *= float(np.clip(seen_paint @ paint / max(float(paint @ paint), 1.0), 0.2, 1.0))
    if fill >= 0.1:
        style["fill_opacity"] = _r(min(1.0, round(fill * 20) / 20))
    stroke_units = perception.canvas.units(region.stroke) / STROKE_UNITS
    if region.stroke >= 3.5 and stroke_units > 1.6 * DEFAULT_STROKE:
        style["stroke_width"] = _r(min(stroke_units, 50.0), 1)
    return style


#: How far a brace's middle lies from its target's side (Manim: a 0.2 gap, then about 0.25 of brace).
BRACE_OFFSET = (0.15, 0.65)
#: The widest gap a SurroundingRectangle keeps around its target (Manim's default is 0.1).
MAX_SURROUND_BUFF = 0.6
#: Manim's default SurroundingRectangle gap (SMALL_BUFF).
SURROUND_BUFF = 0.1

_Box = tuple[float, float, float, float]  # left, bottom, right, top in Manim units


def _extent(shape: Shape) -> _Box | None:
    """The box a shape's object would have, or None for a kind whose size says nothing about its box."""
    size, (x, y) = shape.size, shape.centre
    if "start" in size:
        (x0, y0), (x1, y1) = size["start"], size["end"]  # type: ignore[misc]
        return (min(x0, x1), min(y0, y1), max(x0, x1), max(y0, y1))
    if "width" in size:
        half_w, half_h = float(size["width"]) / 2, float(size["height"]) / 2  # type: ignore[arg-type]
    elif "side_length" in size:
        half_w = half_h = float(size["side_length"]) / 2  # type: ignore[arg-type]
    elif "radius" in size:
        radius = float(size["radius"])  # type: ignore[arg-type]
        half_w, half_h = (radius * 3**0.5 / 2, 0.75 * radius) if shape.kind == "Triangle" else (radius, radius)
    else:
        return None
    return (x - half_w, y - half_h, x + half_w, y + half_h)


def _brace_of(box: _Box, targets: Sequence[tuple[str, _Box]]) -> tuple[str, str] | None:
    """``(target, direction)`` when a thin object ``box`` lies along one side of a target, as long as that side,
    where Manim's ``Brace`` would put it; None otherwise."""
    left, bottom, right, top = box
    width, height = right - left, top - bottom
    cx, cy = (left + right) / 2, (bottom + top) / 2
    best: tuple[float, str, str] | None = None
    for name, (tl, tb, tr, tt) in targets:
        if width >= 3 * height:  # horizontal: below or above
            along = abs(width - (tr - tl)) + abs(cx - (tl + tr) / 2)
            sides = {"DOWN": tb - cy, "UP": cy - tt}
            length = tr - tl
        elif height >= 3 * width:
            along = abs(height - (tt - tb)) + abs(cy - (tb + tt) / 2)
            sides = {"LEFT": tl - cx, "RIGHT": cx - tr}
            length = tt - tb
        else:
            return None
        for direction, offset in sides.items():
            if BRACE_OFFSET[0] <= offset <= BRACE_OFFSET[1] and along <= max(0.25, 0.15 * length):
                cost = along + abs(offset - 0.33)
                if best is None or cost < best[0]:
                    best = (cost, name, direction)
    return (best[1], best[2]) if best else None


def _surrounded(box: _Box, targets: Sequence[tuple[str, _Box]]) -> tuple[str, float] | None:
    """``(target, buff)`` when an unfilled box ``box`` frames a target with the same gap on every side."""
    found: tuple[float, str, float] | None = None
    for name, (tl, tb, tr, tt) in targets:
        gaps = (tl - box[0], tb - box[1], box[2] - tr, box[3] - tt)
        if min(gaps) < 0.02 or max(gaps) > MAX_SURROUND_BUFF or max(gaps) - min(gaps) > 0.12:
            continue
        buff = float(np.mean(gaps))
        if found is None or max(gaps) - min(gaps) < found[0]:
            found = (max(gaps) - min(gaps), name, buff)
    return (found[1], found[2]) if found else None


def _attachment(
    shape: Shape, seen: SeenObject, perception: Perception, targets: Sequence[tuple[str, _Box]]
) -> tuple[str, dict[str, object]] | None:
    """``("Brace", fields)`` or ``("SurroundingRectangle", fields)`` on an earlier object, when ``shape`` sits where
    Manim would draw one along or around it; None when it does not."""
    box = _extent(shape)
    if box is None or not targets:
        return None
    if shape.kind not in ("Text", "MathTex", "Dot", "Arrow", "DoubleArrow"):
        # a brace is a thin filled curve: perception reads it as a line, a flat ellipse or even a triangle, so the
        # test is on the region's own box, not on the kind's
        x0, y0, x1, y1 = seen.region.box
        (left, top), (right, bottom) = perception.canvas.point(x0, y0), perception.canvas.point(x1, y1)
        brace = _brace_of((left, bottom, right, top), targets)
        if brace is not None:
            target, direction = brace
            colour = _style(seen, perception, shape)["color"]
            return "Brace", {"target": target, "direction": None if direction == "DOWN" else direction, "color": colour}
    if shape.kind in ("Rectangle", "Square") and seen.region.fill < 0.1:
        surround = _surrounded(box, targets)
        if surround is not None:
            target, buff = surround
            gap = None if abs(buff - SURROUND_BUFF) <= 0.04 else _r(buff)
            colour = _style(seen, perception, shape)["color"]
            return "SurroundingRectangle", {"target": target, "buff": gap, "color": colour}
    return None


def _object(name: str, shape: Shape, seen: SeenObject, perception: Perception, tex: str | None) -> ir.ObjectBase:
    style = _style(seen, perception, shape)
    size: dict[str, object] = {
        k: (tuple(_r(x) for x in v) if isinstance(v, tuple) else _r(max(v, 0.05))) for k, v in shape.size.items()
    }
    if "n" in size:
        size["n"] = int(shape.size["n"])  # type: ignore[arg-type]
    if shape.kind == "Text":
        text = tex or "text"
        font = font_size_for(text, False, float(shape.size["width"]), float(shape.size["height"]))  # type: ignore[arg-type]
        return ir.TextObj(name=name, text=text, font_size=font, **style)
    if shape.kind == "MathTex":
        formula = tex or placeholder_formula(float(shape.size["width"]), float(shape.size["height"]))  # type: ignore[arg-type]
        font = font_size_for(formula, True, float(shape.size["width"]), float(shape.size["height"]))  # type: ignore[arg-type]
        return ir.MathTex(name=name, tex=formula, font_size=font, **style)
    return ir.OBJECT_KINDS[shape.kind](name=name, **size, **style)


def _polynomial(coefficients: Sequence[float]) -> ir.Node:
    """``c0 + c1 * x + c2 * x ^ 2 + ...`` as a plot expression, terms under 0.01 left out."""
    terms: list[tuple[float, ir.Node]] = []
    for power, value in enumerate(coefficients):
        value = _r(value)
        if abs(value) < 0.01:
            continue
        base: ir.Node = ir.Var() if power >= 1 else ir.Num(value=abs(value))
        if power > 1:
            base = ir.BinOp(op="^", left=ir.Var(), right=ir.Num(value=float(power)))
        if power >= 1 and abs(value) != 1.0:
            base = ir.BinOp(op="*", left=ir.Num(value=abs(value)), right=base)
        terms.append((value, base))
    if not terms:
        return ir.Num(value=0.0)
    expression: ir.Node = terms[-1][1] if terms[-1][0] > 0 else ir.Neg(operand=terms[-1][1])
    for value, term in reversed(terms[:-1]):
        expression = ir.BinOp(op="+" if value > 0 else "-", left=expression, right=term)
    return expression


def _scaled(value: float, node: ir.Node) -> ir.Node:
    """``value * node`` (just ``node`` for 1)."""
    value = _r(value)
    if value == 1.0:
        return node
    return (
        ir.BinOp(op="*", left=ir.Num(value=abs(value)), right=node)
        if value > 0
        else ir.Neg(operand=ir.BinOp(op="*", left=ir.Num(value=abs(value)), right=node))
    )


def _plus(node: ir.Node, value: float) -> ir.Node:
    """``node + value`` (``node - |value|`` when negative, just ``node`` for 0)."""
    value = _r(value)
    if value == 0.0:
        return node
    return ir.BinOp(op="+" if value > 0 else "-", left=node, right=ir.Num(value=abs(value)))


def _function(form: str, params: Sequence[float]) -> ir.Node:
    """The plot expression for a fitted curve (``perception.axes.PlotGuess``)."""
    if form == "sin":
        a, b, p, c = params
        inner = _plus(_scaled(b, ir.Var()), p)
        return _plus(_scaled(a, ir.Call(func="sin", arg=inner)), c)
    if form == "exp":
        a, b, c = params
        return _plus(_scaled(a, ir.Call(func="exp", arg=_scaled(b, ir.Var()))), c)
    return _polynomial(params)


def _axes(
    name: str, shape: Shape, seen: SeenObject, perception: Perception, counts: dict[str, int]
) -> list[ir.ObjectBase]:
    """The ``Axes`` perception read, and the ``Plot`` on them when it found one."""
    guess = seen.axes
    assert guess is not None, "only called for axes"
    axes = ir.Axes(
        name=name,
        x_range=guess.x_range,
        y_range=guess.y_range,
        x_length=_r(float(shape.size["x_length"])),  # type: ignore[arg-type]
        y_length=_r(float(shape.size["y_length"])),  # type: ignore[arg-type]
    )
    if guess.plot is None:
        return [axes]
    counts["graph"] = counts.get("graph", 0) + 1
    low = max(guess.plot.x_span[0], guess.x_range[0])
    high = min(guess.plot.x_span[1], guess.x_range[1])
    background = perception.clip.background.astype(np.float64)
    plot = ir.Plot(
        name=f"graph_{counts['graph']}",
        axes=name,
        function=_function(guess.plot.form, guess.plot.params),
        x_range=(_r(low), _r(high)) if high - low > 0.1 else None,
        color=colour_name(guess.plot.colour, background, faint=True),
    )
    return [axes, plot]


def _axes_events(seen: SeenObject, names: Sequence[str], perception: Perception) -> list[_Event]:
    """Axes drawn first, then their plot: the track's drawing-in time shared between them."""
    seconds, summary = perception.clip.seconds, seen.summary
    start, end = seconds(summary.appear), seconds(summary.formed)
    cut = start + (end - start) / len(names)
    events = [_Event(start, cut, ir.Create(target=names[0]), names[0], True)]
    if len(names) > 1:
        events.append(_Event(cut, end, ir.Create(target=names[1]), names[1], True))
    if summary.gone < len(perception.clip.frames):
        for name in reversed(names):
            gone = _Event(seconds(summary.fading), seconds(summary.gone), ir.FadeOut(target=name), name, False)
            events.append(gone)
    return events


def _events(seen: SeenObject, name: str, verb: str, perception: Perception, pace: float = 1.0) -> list[_Event]:
    clip, summary = perception.clip, seen.summary
    seconds = clip.seconds
    events: list[_Event] = []
    if summary.appear == 0 and summary.formed == 0:
        events.append(_Event(0.0, 0.0, None, name, True))
    else:
        animation = ir.ANIMATION_KINDS[verb](target=name)  # type: ignore[call-arg]
        start, end = seconds(summary.appear), seconds(summary.formed)
        events.append(_Event(start, start + (end - start) * pace, animation, name, True))
    canvas = perception.canvas
    for motion in summary.motions:
        if motion.kind == "move":
            point = tuple(_r(v) for v in canvas.point(*motion.centre))
            moved: ir.AnimationBase = ir.MoveTo(target=name, point=point)
        elif motion.kind == "recolour" and motion.colour is not None:
            background = perception.clip.background.astype(np.float64)
            moved = ir.SetColor(target=name, color=colour_name(np.array(motion.colour), background))
        elif motion.kind == "rotate":
            moved = ir.Rotate(target=name, angle=_r(motion.angle, 1))
        else:
            moved = ir.Scale(target=name, factor=_r(min(max(motion.factor, 0.05), 20.0)))
        events.append(_Event(seconds(motion.start), seconds(motion.end), moved, name, False))
    if summary.gone < len(clip.frames):
        events.append(_Event(seconds(summary.fading), seconds(summary.gone), ir.FadeOut(target=name), name, False))
    return events


def _timeline(events: Sequence[_Event], duration: float, frame: float) -> tuple[ir.Step, ...]:
    """Steps that play ``events`` at their times: simultaneous starts share a play, gaps are waits."""
    steps: list[ir.Step] = []
    added = sorted({e.target for e in events if e.animation is None})
    if added:
        steps.append(ir.Add(targets=tuple(added)))
    on_screen = set(added)
    pending = sorted((e for e in events if e.animation is not None), key=lambda e: (e.start, not e.intro))
    cursor = 0.0
    while pending:
        start = max(pending[0].start, cursor)
        # Everything due within this frame, or early in the first animation's span, plays together.
        window = max(frame, START_SPREAD * (pending[0].end - pending[0].start))
        chosen: list[_Event] = []
        for event in pending:  # sorted by start
            if event.start > start + window:
                break
            shown = event.target in on_screen
            if event.target not in {e.target for e in chosen} and event.intro != shown:
                chosen.append(event)
            if len(chosen) == MAX_PER_STEP:  # the IR's limit; the rest play in the next step
                break
        if not chosen:  # an animation of an object that is not on screen (perception saw it before its intro)
            pending = pending[1:]
            continue
        if start - cursor >= max(frame, MIN_RUN):
            steps.append(ir.Wait(duration=_r(min(start - cursor, 60.0))))
            cursor = start
        run_time = _r(min(max(max(e.end for e in chosen) - cursor, frame, MIN_RUN), 60.0))
        animations = tuple(e.animation for e in chosen if e.animation is not None)
        steps.append(ir.Play(animations=animations, run_time=run_time))
        cursor += run_time
        on_screen |= {e.target for e in chosen if e.intro}
        on_screen -= {e.target for e in chosen if isinstance(e.animation, ir.FadeOut)}
        pending = [e for e in pending if all(e is not c for c in chosen)]
    if duration - cursor >= max(frame, MIN_RUN):
        steps.append(ir.Wait(duration=_r(min(duration - cursor, 60.0))))
    return tuple(steps)


def propose(
    perception: Perception,
    choices: Choices,
    *,
    name: str = "Planned",
    texts: Sequence[str] = (),
    formulas: Sequence[str] = (),
    kinds: Sequence[str] = (),
) -> ir.Scene:
    """The scene that ``choices`` make of ``perception`` (unchecked; ``fitting.checked`` checks it).

    ``kinds``, when given, are the only kinds allowed and their count the most objects: each object takes its best
    candidate shape of an allowed kind, and one with none is left out.
    """
    counts: dict[str, int] = {}
    objects: list[ir.ObjectBase] = []
    relations: list[ir.RelationBase] = []
    events: list[_Event] = []
    text_queue, formula_queue = list(texts), list(formulas)
    placed: list[tuple[str, _Box]] = []  # objects a later brace or surrounding rectangle may belong to
    for index, seen in enumerate(perception.objects):
        if index in choices.dropped:
            continue
        shape = seen.shapes[min(choices.shape.get(index, 0), len(seen.shapes) - 1)]
        if kinds:
            allowed = [c for c in seen.shapes if c.kind in kinds or (c.kind == "Text" and "MathTex" in kinds)]
            if not allowed or len(objects) >= len(kinds):
                continue
            shape = shape if shape in allowed else allowed[0]
            if shape.kind == "Text" and "Text" not in kinds:
                shape = Shape("MathTex", shape.centre, shape.size, shape.score)
        if (
            shape.kind == "Text"
            and not (seen.reading and seen.reading.is_text)
            and not text_queue
            and (not kinds or "MathTex" in kinds)
        ):
            shape = Shape("MathTex", shape.centre, shape.size, shape.score)
        tex = None
        if shape.kind == "Text":
            tex = text_queue.pop(0) if text_queue else seen.reading.text if seen.reading else None
        elif shape.kind == "MathTex":
            tex = formula_queue.pop(0) if formula_queue else choices.formulas.get(index)
        attachment = _attachment(shape, seen, perception, placed)
        label = _name(attachment[0] if attachment else shape.kind, counts, seen, perception)
        if shape.kind == "Axes" and seen.axes is not None:
            drawn = _axes(label, shape, seen, perception, counts)
            objects.extend(drawn)
            relations.append(ir.MoveToRel(subject=label, point=(_r(shape.centre[0]), _r(shape.centre[1]))))
            events.extend(_axes_events(seen, [o.name for o in drawn], perception))
            continue
        if attachment is not None:
            kind, fields = attachment
            objects.append(ir.OBJECT_KINDS[kind](name=label, **fields))
        else:
            try:
                objects.append(_object(label, shape, seen, perception, tex))
            except ValueError:  # a size the IR refuses (a degenerate segment): the object is left out
                continue
            if "start" not in shape.size:
                relations.append(ir.MoveToRel(subject=label, point=(_r(shape.centre[0]), _r(shape.centre[1]))))
            box = _extent(shape)
            if box is not None:
                placed.append((label, box))
        default = seen.summary.intro if shape.kind not in ("Text", "MathTex") else "Write"
        if default == "GrowArrow" and shape.kind not in ("Arrow", "DoubleArrow"):
            default = "Create"
        events.extend(_events(seen, label, choices.intro.get(index, default), perception, choices.pace.get(index, 1.0)))
    frame = perception.clip.duration / len(perception.clip.frames)
    timeline = _timeline(events, perception.clip.duration, frame) or (ir.Wait(duration=_r(max(frame, MIN_RUN))),)
    return ir.Scene(
        name=name,
        background=_background(perception),
        objects=tuple(objects),
        relations=tuple(relations),
        timeline=timeline,
    )


def _background(perception: Perception) -> str | None:
    """The clip's background as a colour, or None for Manim's default black."""
    background = perception.clip.background.astype(np.float64)
    if background.max() <= BLACK_LEVELS:
        return None
    return colour_name(background, np.zeros(3), within=6.0)
