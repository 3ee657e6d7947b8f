"""Readability of a plan's layout: does it place objects the way a person would, by relations?

Issue 15's measure. A person writes ``label.next_to(circle, DOWN)``, not ``label.move_to((0.13, -1.71))``, and
writes few statements. For a plan (and, where known, the true scene):

- ``statements``: layout statements (relations) per leaf object;
- ``by_relation``: the share of leaf objects placed by something other than an absolute ``move_to`` (a relation to
  another object, to the frame, or nothing at all: Manim's origin);
- against the true scene, ``relative_same``: of the true scene's leaf objects placed relative to another object
  (``next_to`` or ``align_to``), the share that the plan places relative to the same object.

Objects of the two scenes are paired by where they are laid out (Manim's geometry, ``fitting.relations.
layout_boxes``): the Hungarian algorithm on the distance between box centres, pairs further apart than
``MATCH_DISTANCE`` units left unpaired. Names do not matter.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.optimize import linear_sum_assignment

from codegen.trace import Box
from dsl import ir
from jepa_planner.fitting.relations import layout_boxes

#: The furthest apart (Manim units) two objects' box centres may be and still be the same object.
MATCH_DISTANCE = 0.5


@dataclass(frozen=True)
class Readability:
    """Layout statements of a plan, and against the true scene when one is known (see the module docstring)."""

    statements: float
    by_relation: float
    truth_statements: float | None = None
    relative_truth: int = 0
    relative_same: int = 0

    @property
    def relative_share(self) -> float | None:
        """The share of the true scene's relatively placed objects that the plan places relative to the same
        object; None when the true scene places none."""
        return self.relative_same / self.relative_truth if self.relative_truth else None


def _leaves(scene: ir.Scene) -> list[str]:
    return [obj.name for obj in scene.objects if not isinstance(obj, ir.Group)]


def _targets(scene: ir.Scene) -> dict[str, set[str]]:
    """For each object, the objects it is placed relative to."""
    out: dict[str, set[str]] = {}
    for relation in scene.relations:
        if isinstance(relation, ir.NextTo | ir.AlignTo):
            out.setdefault(relation.subject, set()).add(relation.target)
    return out


def _statements(scene: ir.Scene) -> tuple[float, float]:
    leaves = _leaves(scene)
    if not leaves:
        return 0.0, 1.0
    absolute = {r.subject for r in scene.relations if isinstance(r, ir.MoveToRel)}
    return len(scene.relations) / len(leaves), sum(name not in absolute for name in leaves) / len(leaves)


def pair_objects(plan: dict[str, Box], truth: dict[str, Box]) -> dict[str, str]:
    """Plan name → true name, by the distance of the boxes' centres (at most ``MATCH_DISTANCE`` apart)."""
    if not plan or not truth:
        return {}
    names, true_names = list(plan), list(truth)

    def centre(box: Box) -> np.ndarray:
        return np.array([(box.left + box.right) / 2, (box.bottom + box.top) / 2])

    cost = np.array([[np.linalg.norm(centre(plan[a]) - centre(truth[b])) for b in true_names] for a in names])
    # pairs too far apart cost more than any set of near ones, so that one far pair cannot take a near one's place
    rows, cols = linear_sum_assignment(np.where(cost <= MATCH_DISTANCE, cost, 1e6))
    return {names[r]: true_names[c] for r, c in zip(rows, cols, strict=True) if cost[r, c] <= MATCH_DISTANCE}


def readability(plan: ir.Scene, truth: ir.Scene | None = None) -> Readability:
    """How ``plan`` lays its objects out, and, given ``truth``, how much of the truth's relative layout it keeps."""
    statements, by_relation = _statements(plan)
    if truth is None:
        return Readability(statements, by_relation)
    truth_statements = _statements(truth)[0]
    to_truth = pair_objects(layout_boxes(plan), layout_boxes(truth))
    plan_targets = {to_truth.get(a): {to_truth.get(t) for t in ts} for a, ts in _targets(plan).items()}
    relative = {name: ts for name, ts in _targets(truth).items() if name in set(_leaves(truth))}
    same = sum(bool(ts & plan_targets.get(name, set())) for name, ts in relative.items())
    return Readability(statements, by_relation, truth_statements, len(relative), same)
