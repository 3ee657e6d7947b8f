"""Rich display of a plan in Jupyter: the input beside the plan's render (the compare strip), and the DSL.

``SceneGraph._repr_mimebundle_`` calls ``plan_mimebundle``. The strip is ``compare.side_by_side`` (the same
picture as ``jepa-planner plan --compare``), as a looping GIF; the DSL is highlighted by ``dsl.display``; the notes
(how the input was read, whether the plan was repaired) follow.

Examples
--------
::

    graph = plan(Spec(clip="experiments/examples/demo_clip.gif"))
    graph                      # in a notebook: the strip and the highlighted DSL
"""

from __future__ import annotations

import html
from typing import TYPE_CHECKING

from codegen.notebook import gif_tag
from dsl.display import highlighted_html
from jepa_planner.planning.compare import side_by_side

if TYPE_CHECKING:
    from jepa_planner.planning.plan import SceneGraph

#: Frame rate of the strip: the model's 16 frames play in about two seconds.
STRIP_FPS = 8.0


def plan_mimebundle(graph: SceneGraph) -> dict[str, str]:
    """``text/plain`` (the DSL) and ``text/html`` (the compare strip, the highlighted DSL and the notes)."""
    strip = side_by_side(graph.target, graph.render(), labels=("input", f"plan (energy {graph.energy:.3f})"))
    notes = "".join(f"<li>{html.escape(note)}</li>" for note in graph.notes)
    parts = [
        f"<div>{gif_tag(strip, STRIP_FPS, alt='input beside the plan')}</div>",
        f"<div>{highlighted_html(graph.dsl)}</div>",
    ]
    body = '<div style="display:flex;flex-wrap:wrap;gap:12px;align-items:flex-start">' + "".join(parts) + "</div>"
    return {"text/plain": graph.dsl, "text/html": body + (f"<ul>{notes}</ul>" if notes else "")}
