"""A seeded sampler of valid scene graphs, with curriculum levels.

- **L1**: one object, one animation (how it comes on screen).
- **L2**: two to four objects, placed on a grid or next to each other, brought in one by one, then animated.
- **L3**: adds simultaneous and lagged animations, transforms, Text and MathTex, and arranged groups.
- **L4**: adds axes with function plots, braces and surrounding rectangles.

The distributions live in ``curriculum.yaml`` beside this file (or a YAML file of the same shape). Every scene
is built to pass ``dsl.checks.check``; layout (overlaps, the frame) needs Manim's geometry and is checked where
the clip is rendered (``jepa_planner.data.clips``), which draws again with the next attempt's seed on failure.

The same ``(seed, level, index, attempt)`` always gives the same scene.
"""

from __future__ import annotations

import random
from importlib.resources import files
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field

from dsl import ir
from dsl.checks import check
from dsl.parser import parse

LEVELS = (1, 2, 3, 4)
_SHIFT_DIRECTIONS = ("UP", "DOWN", "LEFT", "RIGHT")


class LevelConfig(BaseModel):
    """What one curriculum level draws; rates are probabilities."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    objects: tuple[int, int]
    extra_steps: tuple[int, int]
    next_to_rate: float = 0.0
    text_rate: float = 0.0
    group_rate: float = 0.0
    transform_rate: float = 0.0
    together_rate: float = 0.0
    lag_rate: float = 0.0
    plots: tuple[int, int] = (0, 0)
    brace_rate: float = 0.0
    surround_rate: float = 0.0


class CurriculumConfig(BaseModel):
    """The sampler's distributions, read from YAML."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    palette: tuple[str, ...]
    shapes: tuple[str, ...]
    xs: tuple[float, ...]
    ys: tuple[float, ...]
    size: tuple[float, float]
    run_time: tuple[float, float]
    intro_verbs: tuple[str, ...]
    motion_verbs: tuple[str, ...]
    rate_funcs: tuple[str, ...]
    words: tuple[str, ...]
    formulas: tuple[str, ...]
    functions: tuple[str, ...]
    levels: dict[int, LevelConfig] = Field(min_length=1)

    @classmethod
    def load(cls, path: str | Path | None = None) -> CurriculumConfig:
        """Read a curriculum YAML file; the packaged ``curriculum.yaml`` when ``path`` is None."""
        if path is None:
            text = files("jepa_planner.data").joinpath("curriculum.yaml").read_text(encoding="utf-8")
        else:
            text = Path(path).read_text(encoding="utf-8")
        return cls.model_validate(yaml.safe_load(text))


class _Draft:
    """A scene under construction: objects, relations and steps, plus what is on screen."""

    def __init__(self, rng: random.Random, config: CurriculumConfig) -> None:
        self.rng = rng
        self.config = config
        self.objects: list[ir.ObjectBase] = []
        self.relations: list[ir.RelationBase] = []
        self.steps: list[ir.StepBase] = []
        self.visible: list[str] = []
        self.counter = 0
        self.cells = [(x, y) for y in config.ys for x in config.xs]
        rng.shuffle(self.cells)

    def name(self, prefix: str) -> str:
        self.counter += 1
        return f"{prefix}{self.counter}"

    def uniform(self, bounds: tuple[float, float]) -> float:
        return round(self.rng.uniform(*bounds), 2)

    def run_time(self) -> float:
        return self.uniform(self.config.run_time)

    def shape(self, name: str, kind: str | None = None) -> ir.ObjectBase:
        """A random shape of ``kind`` (random when None), centred on the origin."""
        kind = kind or self.rng.choice(self.config.shapes)
        size = self.uniform(self.config.size)
        style: dict[str, Any] = {"name": name, "color": self.rng.choice(self.config.palette)}
        if kind not in ir.SEGMENT_KINDS and kind != "Dot" and self.rng.random() < 0.5:
            style["fill_opacity"] = self.rng.choice((0.5, 1.0))
        if kind in ("Circle", "Triangle"):
            return ir.OBJECT_KINDS[kind].model_validate({**style, "radius": size})
        if kind == "RegularPolygon":
            return ir.RegularPolygon(**style, n=self.rng.choice((5, 6, 8)), radius=size)
        if kind == "Square":
            return ir.Square(**style, side_length=round(2 * size, 2))
        if kind in ("Rectangle", "Ellipse"):
            return ir.OBJECT_KINDS[kind].model_validate({**style, "width": round(3 * size, 2), "height": size})
        if kind == "Dot":
            return ir.Dot(**style, radius=round(size / 4, 2))
        assert kind in ir.SEGMENT_KINDS, f"unknown shape kind {kind!r} in the curriculum"
        half = round(1.5 * size, 2)
        return ir.OBJECT_KINDS[kind].model_validate({**style, "start": (-half, 0.0), "end": (half, 0.0)})

    def place(self, obj: ir.ObjectBase, next_to_rate: float) -> None:
        """Put ``obj`` in a free grid cell, or next to an earlier object."""
        earlier = [
            o.name for o in self.objects if o.name != obj.name and not isinstance(o, ir.Group | ir.Plot | ir.Axes)
        ]
        if earlier and self.rng.random() < next_to_rate:
            direction = self.rng.choice(("UP", "DOWN", "LEFT", "RIGHT"))
            self.relations.append(
                ir.NextTo(subject=obj.name, target=self.rng.choice(earlier), direction=direction, buff=0.3)
            )
        else:
            cell = self.cells.pop() if self.cells else (0.0, 0.0)
            self.relations.append(ir.MoveToRel(subject=obj.name, point=cell))

    def intro(self, name: str) -> ir.AnimationBase:
        """An animation that brings ``name`` on screen, fitting its kind."""
        kind = next(o.kind for o in self.objects if o.name == name)
        verbs = list(self.config.intro_verbs)
        if kind in ir.ARROW_KINDS:
            verbs.append("GrowArrow")
        verb = self.rng.choice(verbs)
        if verb == "FadeInShift":
            return ir.FadeIn(target=name, shift=self.rng.choice(_SHIFT_DIRECTIONS))
        return ir.ANIMATION_KINDS[verb].model_validate({"target": name})

    def motion(self, name: str) -> ir.AnimationBase:
        """An animation of ``name`` while it is on screen (FadeOut removes it)."""
        verb = self.rng.choice(self.config.motion_verbs)
        if verb == "Rotate":
            return ir.Rotate(target=name, angle=self.rng.choice((45.0, 90.0, 180.0, -90.0)))
        if verb == "Shift":
            return ir.Shift(target=name, vector=self.rng.choice(((0.0, 0.5), (0.0, -0.5), (0.5, 0.0), (-0.5, 0.0))))
        if verb == "Scale":
            return ir.Scale(target=name, factor=self.rng.choice((0.6, 0.8, 1.2)))
        if verb == "SetColor":
            return ir.SetColor(target=name, color=self.rng.choice(self.config.palette))
        if verb == "MoveTo":
            homes = [r.point for r in self.relations if isinstance(r, ir.MoveToRel) and r.subject == name]
            x, y = homes[0] if homes else (0.0, 0.0)
            return ir.MoveTo(target=name, point=(x, round(y + self.rng.choice((-0.5, 0.5)), 2)))
        return ir.ANIMATION_KINDS[verb].model_validate({"target": name})

    def play(self, *animations: ir.AnimationBase, lag_ratio: float | None = None) -> None:
        rate = self.rng.choice(self.config.rate_funcs) if self.rng.random() < 0.3 else None
        self.steps.append(ir.Play(animations=animations, run_time=self.run_time(), rate_func=rate, lag_ratio=lag_ratio))
        for animation in animations:
            if animation.introduces:
                self.visible.append(animation.target)
            elif isinstance(animation, ir.FadeOut):
                self.visible.remove(animation.target)

    def motions(self, count: int) -> None:
        for _ in range(count):
            if not self.visible:
                return
            self.play(self.motion(self.rng.choice(self.visible)))

    def scene(self, name: str) -> ir.Scene:
        return ir.Scene(name=name, objects=self.objects, relations=self.relations, timeline=self.steps)


class SceneSampler:
    """Draws valid scenes for a curriculum level.

    Parameters
    ----------
    config
        The distributions; the packaged ``curriculum.yaml`` when None.

    Examples
    --------
    >>> scene = SceneSampler().sample(level=2, seed=0, index=7)
    >>> 2 <= len(scene.objects) <= 4
    True
    """

    def __init__(self, config: CurriculumConfig | None = None) -> None:
        self.config = config or CurriculumConfig.load()
        self.functions = [self._function(text) for text in self.config.functions]

    @staticmethod
    def _function(text: str) -> ir.Node:
        plot = parse(f"scene F\nax = Axes()\np = Plot(ax, {text})\n").objects[1]
        assert isinstance(plot, ir.Plot), "the curriculum's functions parse as plots"
        return plot.function

    def sample(self, *, level: int, seed: int, index: int, attempt: int = 0) -> ir.Scene:
        """The scene for ``(seed, level, index, attempt)``; it always passes ``dsl.checks.check``."""
        if level not in self.config.levels:
            raise ValueError(f"level {level} is not in the curriculum (levels: {sorted(self.config.levels)})")
        rng = random.Random(f"{seed}:{level}:{index}:{attempt}")
        draft = _Draft(rng, self.config)
        options = self.config.levels[level]
        if level == 1:
            self._level1(draft)
        elif level == 4:
            self._level4(draft, options)
        else:
            self._level23(draft, options, rich=level >= 3)
        scene = draft.scene(f"L{level}S{index}")
        errors = check(scene)
        assert not errors, f"the sampler built an invalid scene: {errors[0].message}"
        return scene

    def _level1(self, draft: _Draft) -> None:
        obj = draft.shape(draft.name("s"))
        draft.objects.append(obj)
        draft.place(obj, 0.0)
        draft.play(draft.intro(obj.name))

    def _level23(self, draft: _Draft, options: LevelConfig, *, rich: bool) -> None:
        rng = draft.rng
        count = rng.randint(*options.objects)
        shapes = [draft.shape(draft.name("s")) for _ in range(count)]
        grouped: list[str] = []
        if rich and count >= 2 and rng.random() < options.group_rate:
            grouped = [shape.name for shape in shapes[:2]]
        for shape in shapes:
            draft.objects.append(shape)
            if shape.name not in grouped:
                draft.place(shape, options.next_to_rate)
        if grouped:
            group = ir.Group(name=draft.name("g"), members=tuple(grouped))
            draft.objects.append(group)
            draft.relations.append(ir.Arrange(subject=group.name, direction=rng.choice(("RIGHT", "DOWN")), buff=0.4))
            draft.place(group, 0.0)
        labels = self._labels(draft, shapes, options) if rich else []
        pending = (
            [o.name for o in draft.objects if isinstance(o, ir.Group)]
            + [s.name for s in shapes if s.name not in grouped]
            + labels
        )
        if rich and rng.random() < options.together_rate and len(pending) >= 2:
            lag = 0.3 if rng.random() < options.lag_rate else None
            draft.play(*(draft.intro(name) for name in pending[:2]), lag_ratio=lag)
            pending = pending[2:]
        for name in pending:
            draft.play(draft.intro(name))
        if rich and rng.random() < options.transform_rate:
            self._transform(draft)
        draft.motions(rng.randint(*options.extra_steps))

    def _labels(self, draft: _Draft, shapes: list[ir.ObjectBase], options: LevelConfig) -> list[str]:
        """Text or MathTex labels placed next to shapes."""
        rng = draft.rng
        names = []
        for shape in shapes[:2]:
            if rng.random() >= options.text_rate:
                continue
            name = draft.name("t")
            if rng.random() < 0.5:
                label: ir.ObjectBase = ir.TextObj(name=name, text=rng.choice(draft.config.words), font_size=28.0)
            else:
                label = ir.MathTex(name=name, tex=rng.choice(draft.config.formulas), font_size=32.0)
            draft.objects.append(label)
            draft.relations.append(ir.NextTo(subject=name, target=shape.name, direction=rng.choice(("UP", "DOWN"))))
            names.append(name)
        return names

    def _transform(self, draft: _Draft) -> None:
        """Morph a visible shape into a new one declared at the same place."""
        sources = [
            name
            for name in draft.visible
            if not any(isinstance(o, ir.Group) and name in o.members for o in draft.objects)
        ]
        shapes = [
            name
            for name in sources
            if next(o for o in draft.objects if o.name == name).kind
            in ("Circle", "Square", "Triangle", "RegularPolygon", "Rectangle", "Ellipse")
        ]
        if not shapes:
            return
        source = draft.rng.choice(shapes)
        into = draft.shape(draft.name("s"), draft.rng.choice(("Circle", "Square", "Triangle")))
        draft.objects.append(into)
        draft.relations.append(ir.AlignTo(subject=into.name, target=source, edge="LEFT"))
        draft.relations.append(ir.AlignTo(subject=into.name, target=source, edge="UP"))
        if draft.rng.random() < 0.5:
            draft.play(ir.Transform(target=source, into=into.name))
        else:
            draft.play(ir.ReplacementTransform(target=source, into=into.name))
            draft.visible.remove(source)
            draft.visible.append(into.name)

    def _level4(self, draft: _Draft, options: LevelConfig) -> None:
        rng = draft.rng
        axes = ir.Axes(
            name=draft.name("ax"), x_range=(-3.0, 3.0, 1.0), y_range=(-2.0, 2.0, 1.0), x_length=5.0, y_length=3.0
        )
        draft.objects.append(axes)
        edge = rng.choice(("LEFT", "RIGHT"))
        draft.relations.append(ir.ToEdge(subject=axes.name, edge=edge, buff=0.6))
        plots = []
        for function in rng.sample(self.functions, rng.randint(*options.plots)):
            plot = ir.Plot(
                name=draft.name("p"), axes=axes.name, function=function, color=rng.choice(draft.config.palette)
            )
            draft.objects.append(plot)
            plots.append(plot.name)
        draft.play(ir.Create(target=axes.name))
        draft.play(*(ir.Create(target=name) for name in plots), lag_ratio=0.5 if len(plots) > 1 else None)
        # Shapes go on the other side of the frame, in a column.
        side = 4.0 if edge == "LEFT" else -4.0
        for row, y in enumerate((1.8, -1.8)[: rng.randint(*options.objects)]):
            shape = draft.shape(draft.name("s"), rng.choice(("Circle", "Square", "Triangle", "Rectangle")))
            draft.objects.append(shape)
            draft.relations.append(ir.MoveToRel(subject=shape.name, point=(side, y)))
            draft.play(draft.intro(shape.name))
            if rng.random() < options.brace_rate:
                brace = ir.Brace(name=draft.name("b"), target=shape.name, direction="DOWN" if row == 0 else "UP")
                draft.objects.append(brace)
                draft.play(ir.GrowFromCenter(target=brace.name))
            elif rng.random() < options.surround_rate:
                box = ir.SurroundingRectangle(name=draft.name("r"), target=shape.name, buff=0.15)
                draft.objects.append(box)
                draft.play(ir.Create(target=box.name))
        draft.motions(rng.randint(*options.extra_steps))
