"""Relation inference: absolute positions become the simplest relations that reproduce them.

Fitting places every object with ``move_to((x, y))``. A person writes ``label.next_to(circle, DOWN)`` or
``title.to_edge(UP)``, and that is the code a user wants to edit. After fitting, each ``move_to`` is replaced by the
first of these that puts the object's box where it already is, within ``tolerance`` units on every side:

=====================================  ==========================================================================
statement                              when
=====================================  ==========================================================================
(none)                                 the object sits at the origin, where Manim creates it
``to_edge(E)``                         one side is Manim's edge buffer (0.5) from the frame's edge, the other axis 0
``to_corner(C)``                       two sides are the edge buffer from a corner
``next_to(t, D)``                      it sits beside ``t``, centred on it, with Manim's buff (0.25) or one of
                                       ``BUFFS`` between them
``next_to(t, D)`` + ``align_to(t, E)``   it sits beside ``t`` with one side lined up with ``t``'s
=====================================  ==========================================================================

Candidates are ranked as a program prior would rank them (Ellis et al. 2018): fewer statements first, no reference
before a reference, Manim's default buff before an explicit one, and among targets the nearest. A target must be
laid out before the object (earlier in the scene's layout order), so no cycle can form.

The boxes come from Manim's own geometry (``codegen.trace``, stopped before the first step), and the rewritten
scene is traced again: any object whose box moved by more than ``tolerance`` gets its ``move_to`` back, so the
rendered picture never changes beyond the tolerance.

Examples
--------
A square whose top sits 0.5 below the frame's top edge, at x = 0, becomes ``square_1.to_edge(UP)``; a label 0.25
below a circle, centred on it, becomes ``text_1.next_to(circle_1, DOWN)``.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from codegen.runtime import FRAME_HEIGHT, FRAME_WIDTH
from codegen.trace import Box, trace_scene
from dsl import ir
from dsl.order import layout_order

#: Manim's default gap between an object and the frame's edge (``DEFAULT_MOBJECT_TO_EDGE_BUFFER``).
EDGE_BUFF = 0.5
#: Manim's default gap of ``next_to`` (``DEFAULT_MOBJECT_TO_MOBJECT_BUFFER``).
NEXT_TO_BUFF = 0.25
#: Other ``next_to`` gaps a person writes (Manim's SMALL_BUFF 0.1, MED_LARGE_BUFF 0.5, LARGE_BUFF 1, and round
#: numbers between).
BUFFS = (0.1, 0.2, 0.3, 0.4, 0.5, 0.75, 1.0)
#: How far (Manim units) a box may move when its ``move_to`` is replaced.
TOLERANCE = 0.05

_DIRECTIONS = {"UP": (0, 1), "DOWN": (0, -1), "LEFT": (-1, 0), "RIGHT": (1, 0)}
_CORNERS = {"UL": (-1, 1), "UR": (1, 1), "DL": (-1, -1), "DR": (1, -1)}


@dataclass(frozen=True)
class _Candidate:
    """Relations that would place an object, and the centre they would give it."""

    relations: tuple[ir.RelationBase, ...]
    centre: tuple[float, float]
    cost: float  # the program prior: lower is simpler


def layout_boxes(scene: ir.Scene) -> dict[str, Box]:
    """The box of every leaf object as laid out, before the first step, from Manim's geometry."""
    seen: dict[str, Box] = {}

    def stop(boxes: dict[str, Box]) -> bool:
        seen.update(boxes)
        return True

    if not scene.timeline:  # trace_scene offers a scene without steps no preflight
        scene = scene.model_copy(update={"timeline": (ir.Wait(duration=0.1),)})
    trace_scene(scene, mode="geometry", preflight=stop)
    return seen


def _centre(box: Box) -> tuple[float, float]:
    return ((box.left + box.right) / 2, (box.bottom + box.top) / 2)


def _size(box: Box) -> tuple[float, float]:
    return (box.right - box.left, box.top - box.bottom)


def _frame_candidates(name: str, box: Box) -> Iterator[_Candidate]:
    half_w, half_h = _size(box)[0] / 2, _size(box)[1] / 2
    yield _Candidate((), (0.0, 0.0), 0.0)
    limit_x, limit_y = FRAME_WIDTH / 2 - EDGE_BUFF, FRAME_HEIGHT / 2 - EDGE_BUFF
    for edge, (dx, dy) in _DIRECTIONS.items():
        centre = (dx * (limit_x - half_w), dy * (limit_y - half_h))
        yield _Candidate((ir.ToEdge(subject=name, edge=edge),), centre, 1.0)
    for corner, (dx, dy) in _CORNERS.items():
        centre = (dx * (limit_x - half_w), dy * (limit_y - half_h))
        yield _Candidate((ir.ToCorner(subject=name, corner=corner),), centre, 1.1)


def _gap(box: Box, target: Box, direction: str) -> float:
    """How far ``box`` lies beyond ``target``'s side in ``direction`` (negative when they overlap)."""
    return {
        "UP": box.bottom - target.top,
        "DOWN": target.bottom - box.top,
        "RIGHT": box.left - target.right,
        "LEFT": target.left - box.right,
    }[direction]


def _next_to_candidates(name: str, box: Box, target_name: str, target: Box, tolerance: float) -> Iterator[_Candidate]:
    (w, h), (tx, ty) = _size(box), _centre(target)
    distance = abs(_centre(box)[0] - tx) + abs(_centre(box)[1] - ty)
    for direction, (dx, dy) in _DIRECTIONS.items():
        gap = _gap(box, target, direction)
        if abs(gap - NEXT_TO_BUFF) <= tolerance:
            buff: float | None = None
        else:
            near = min(BUFFS, key=lambda b: abs(b - gap))
            if abs(near - gap) > tolerance:
                continue
            buff = near
        step = buff if buff is not None else NEXT_TO_BUFF
        extra = 0.0 if buff is None else 0.5
        if dx:  # beside it on the left or right: centred vertically, or lined up at the top or bottom
            x = target.right + step + w / 2 if dx > 0 else target.left - step - w / 2
            placements = [(None, (x, ty)), ("UP", (x, target.top - h / 2)), ("DOWN", (x, target.bottom + h / 2))]
        else:
            y = target.top + step + h / 2 if dy > 0 else target.bottom - step - h / 2
            placements = [(None, (tx, y)), ("LEFT", (target.left + w / 2, y)), ("RIGHT", (target.right - w / 2, y))]
        for edge, centre in placements:
            relation = ir.NextTo(subject=name, target=target_name, direction=direction, buff=buff)
            if edge is None:
                yield _Candidate((relation,), centre, 2.0 + extra + distance * 1e-3)
            else:
                aligned = ir.AlignTo(subject=name, target=target_name, edge=edge)
                yield _Candidate((relation, aligned), centre, 3.0 + extra + distance * 1e-3)


def _best(name: str, box: Box, placed: dict[str, Box], tolerance: float) -> _Candidate | None:
    candidates = list(_frame_candidates(name, box))
    for target_name, target in placed.items():
        candidates.extend(_next_to_candidates(name, box, target_name, target, tolerance))
    x, y = _centre(box)
    fitting = [c for c in candidates if abs(c.centre[0] - x) <= tolerance and abs(c.centre[1] - y) <= tolerance]
    return min(fitting, key=lambda c: c.cost) if fitting else None


def _moved(before: Box, after: Box, tolerance: float) -> bool:
    return any(abs(a - b) > tolerance for a, b in zip(before.as_tuple(), after.as_tuple(), strict=True))


def infer_relations(scene: ir.Scene, *, tolerance: float = TOLERANCE) -> ir.Scene:
    """``scene`` with each ``move_to`` of a leaf object replaced by the simplest relations that keep its box within
    ``tolerance`` units (see the module docstring). Other relations, groups and the timeline are kept as they are.
    The scene should be checked; the result is, as long as the input was."""
    objects = scene.object_map()
    absolute = {
        r.subject: r
        for r in scene.relations
        if isinstance(r, ir.MoveToRel) and not isinstance(objects.get(r.subject), ir.Group)
    }
    placed_by_others = {r.subject for r in scene.relations if not isinstance(r, ir.MoveToRel)}
    subjects = {name for name in absolute if name not in placed_by_others}
    if not subjects:
        return scene
    boxes = layout_boxes(scene)
    placed: dict[str, Box] = {}
    chosen: dict[str, tuple[ir.RelationBase, ...]] = {}
    for name in layout_order(scene):
        if name not in boxes:
            continue
        if name in subjects:
            best = _best(name, boxes[name], placed, tolerance)
            if best is not None:
                chosen[name] = best.relations
        placed[name] = boxes[name]
    while chosen:
        rewritten = _rewrite(scene, absolute, chosen)
        after = layout_boxes(rewritten)
        moved = {n for n in boxes if n not in after or _moved(boxes[n], after[n], tolerance)}
        if not moved:
            return rewritten
        if moved - set(chosen):  # an object placed relative to a rewritten one moved: keep every move_to
            return scene
        # an object that moved keeps its move_to, and so does any object placed relative to it
        for name in list(chosen):
            refs = {getattr(r, "target", None) for r in chosen[name]}
            if name in moved or refs & moved:
                del chosen[name]
    return scene


def _rewrite(
    scene: ir.Scene, absolute: dict[str, ir.MoveToRel], chosen: dict[str, tuple[ir.RelationBase, ...]]
) -> ir.Scene:
    relations: list[ir.RelationBase] = []
    for relation in scene.relations:
        if isinstance(relation, ir.MoveToRel) and relation.subject in chosen and absolute.get(relation.subject):
            relations.extend(chosen[relation.subject])
        else:
            relations.append(relation)
    return scene.model_copy(update={"relations": tuple(relations)})
