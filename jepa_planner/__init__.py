"""Plan Manim animations: a JEPA world model reads a clip or a storyboard, a decoder writes a checked scene graph.

``plan``, ``Spec`` and ``SceneGraph`` are imported on first use, so ``import jepa_planner`` stays light (the data
tools and the CLI do not pay for torch and Manim until they need them).

Examples
--------
>>> from jepa_planner import plan, Spec                                # doctest: +SKIP
>>> graph = plan(Spec(clip="experiments/examples/demo_clip.gif"))      # doctest: +SKIP
>>> print(graph.dsl)                                                    # doctest: +SKIP
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from jepa_planner.planning.plan import SceneGraph, Spec, plan

__all__ = ["SceneGraph", "Spec", "plan"]


def __getattr__(name: str) -> Any:
    if name in __all__:
        from jepa_planner.planning import plan as module

        return getattr(module, name)
    raise AttributeError(f"module 'jepa_planner' has no attribute {name!r}")
