"""Fitting: from what perception saw to a scene graph whose render reproduces the clip.

``fit(perception, effort=...)`` proposes a scene (``fitting.proposal``) and improves it by render and compare
(``fitting.search``) within the effort's time budget, then writes its absolute positions as the simplest relations
that keep every object in place (``fitting.relations``: ``next_to``, ``to_edge``, ...). The result is an
``ir.Scene`` that went through the parser and the checks, like every plan.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import Literal

from dsl.errors import DSLError
from jepa_planner.fitting.relations import TOLERANCE, infer_relations
from jepa_planner.fitting.search import Fit, Scorer, checked, loss, render_grid, search
from jepa_planner.perception import Perception

__all__ = ["EFFORT_BUDGETS", "Effort", "Fit", "checked", "fit", "loss", "render_grid"]

Effort = Literal["fast", "default", "best"]
#: Seconds of render-and-compare search per effort level (``fast`` renders nothing).
EFFORT_BUDGETS: dict[str, float] = {"fast": 0.0, "default": 3.0, "best": 30.0}


def fit(
    perception: Perception,
    *,
    effort: Effort = "default",
    name: str = "Planned",
    texts: Sequence[str] = (),
    formulas: Sequence[str] = (),
    kinds: Sequence[str] = (),
    progress: Callable[[int, int], None] | None = None,
) -> Fit:
    """The best scene for ``perception`` found within ``effort``'s budget (see ``EFFORT_BUDGETS``), its objects
    placed by relations where they reproduce its positions."""
    scorer = Scorer(perception, name=name, texts=texts, formulas=formulas, kinds=kinds)
    found = search(scorer, budget=EFFORT_BUDGETS[effort], progress=progress)
    try:
        # a shift of a pixel and a half of the clip is below what perception can tell apart
        tolerance = max(TOLERANCE, 1.5 * perception.canvas.units(1.0))
        return replace(found, scene=checked(infer_relations(found.scene, tolerance=tolerance)))
    except DSLError:  # a rewrite the checks refuse (none is known): the absolute positions stand
        return found
