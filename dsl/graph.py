"""The networkx view of a scene: objects are nodes, layout relations and structural references are typed edges.

The graph is derived from the IR and maps back onto it exactly: ``from_networkx(to_networkx(s)) == s``. Every
attribute is a plain JSON value (``model_dump(mode="json")``), so a graph can be written as JSON with
``nx.node_link_data(graph, source="from", target="to")``: relations have a ``target`` field, which networkx's
default link keys (``source``/``target``) would overwrite.

Representation
--------------
Nodes
    One per declared object, keyed by its name. The attributes are the object's fields (``kind`` included) plus
    ``order``, its declaration index. A name that a relation or reference uses but no object declares (a scene that
    fails the checks) gets a placeholder node with ``kind=None`` and ``order=None``, so such scenes round-trip too.
Relation edges (``role="relation"``)
    One per layout relation, keyed ``"relation/<index>"``, with the relation's fields (``kind`` included) and
    ``index``, its position in ``scene.relations``; relations apply in that order. A relation with a ``ref``
    (``next_to``, ``align_to``) runs subject → ref. A relation without one (``move_to``, ``to_edge``,
    ``to_corner``, ``arrange``) is a self-loop subject → subject: every relation is then an edge of the same shape,
    and sorting the edges by ``index`` restores the list, where a node attribute would split it in two places.
Structural edges (``role="structure"``)
    One per entry of ``obj.references()``, keyed ``"<kind>/<position>"``, from the object to the name it refers to:
    ``kind="target"`` (Brace, SurroundingRectangle), ``"axes"`` (Plot) or ``"member"`` (Group, with ``position``
    the member's index). They repeat what the node attributes already hold, so ``from_networkx`` ignores them.
Graph attributes
    ``name`` (the scene name) and ``timeline`` (a list with the JSON dump of each step, in order).

Examples
--------
DSL ``t.next_to(c, UP)`` is the edge ``t → c`` with ``kind="next_to"`` and ``direction="UP"``; DSL
``c.to_edge(LEFT)`` is the self-loop ``c → c`` with ``kind="to_edge"`` and ``edge="LEFT"``.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

import networkx as nx  # type: ignore[import-untyped, unused-ignore]

from dsl import ir

RELATION = "relation"
STRUCTURE = "structure"

#: The edge kind of each object kind's structural references.
_REFERENCE_KINDS: dict[str, str] = {
    "Brace": "target",
    "SurroundingRectangle": "target",
    "Plot": "axes",
    "Group": "member",
}


def to_networkx(scene: ir.Scene) -> nx.MultiDiGraph:
    """Build the typed multigraph of a scene (see the module docstring for the representation).

    Parameters
    ----------
    scene
        The scene; its object names must be unique (``dsl.checks`` reports duplicates).

    Returns
    -------
    nx.MultiDiGraph
        Nodes keyed by object name, relation and structural edges, and ``name``/``timeline`` graph attributes.

    Raises
    ------
    ValueError
        If two objects share a name: a node is keyed by its name, so the graph could not hold both.

    Examples
    --------
    DSL ``b = Brace(c)`` gives the nodes ``b`` and ``c`` and the edge ``b → c`` with ``kind="target"``.
    """
    duplicates = sorted(name for name, count in Counter(obj.name for obj in scene.objects).items() if count > 1)
    if duplicates:
        raise ValueError(f"object names must be unique to build a graph; duplicated: {', '.join(duplicates)}")
    graph = nx.MultiDiGraph(name=scene.name, timeline=[step.model_dump(mode="json") for step in scene.timeline])
    for order, obj in enumerate(scene.objects):
        graph.add_node(obj.name, **obj.model_dump(mode="json"), order=order)
    for obj in scene.objects:
        for position, ref in enumerate(obj.references()):
            _ensure_node(graph, ref)
            kind = _REFERENCE_KINDS[obj.kind]
            graph.add_edge(obj.name, ref, key=f"{kind}/{position}", kind=kind, role=STRUCTURE, position=position)
    for index, relation in enumerate(scene.relations):
        head = relation.ref if relation.ref is not None else relation.subject
        _ensure_node(graph, relation.subject)
        _ensure_node(graph, head)
        data = relation.model_dump(mode="json")
        graph.add_edge(relation.subject, head, key=f"{RELATION}/{index}", **data, role=RELATION, index=index)
    return graph


def _ensure_node(graph: nx.MultiDiGraph, name: str) -> None:
    # Adding an edge would create a bare node; a placeholder keeps every node's attributes uniform.
    if name not in graph:
        graph.add_node(name, name=name, kind=None, order=None)


def from_networkx(graph: nx.MultiDiGraph) -> ir.Scene:
    """Rebuild the scene from its graph; the exact inverse of ``to_networkx``.

    Objects come from the declared nodes sorted by ``order``, relations from the relation edges sorted by
    ``index``, and the timeline from ``graph.graph["timeline"]``. Placeholder nodes and structural edges carry no
    information of their own and are skipped. Everything is validated again by the IR models.

    Parameters
    ----------
    graph
        A graph built by ``to_networkx`` (possibly written to JSON and read back).

    Returns
    -------
    ir.Scene
        The scene, equal to the one the graph was built from.

    Raises
    ------
    ValueError
        If the graph lacks the ``name`` or ``timeline`` attribute.
    pydantic.ValidationError
        If an attribute no longer satisfies the IR (for example after the graph was edited by hand).

    Examples
    --------
    >>> scene = ir.Scene(name="Demo", objects=(ir.Circle(name="c"),), relations=(ir.ToEdge(subject="c", edge="UP"),))
    >>> from_networkx(to_networkx(scene)) == scene
    True
    """
    missing = [key for key in ("name", "timeline") if key not in graph.graph]
    if missing:
        raise ValueError(f"not a scene graph: the graph attribute(s) {', '.join(missing)} are missing")
    declared = [data for _, data in graph.nodes(data=True) if data.get("order") is not None]
    declared.sort(key=lambda data: data["order"])
    relations = [data for _, _, data in graph.edges(data=True) if data.get("role") == RELATION]
    relations.sort(key=lambda data: data["index"])
    return ir.Scene.model_validate(
        {
            "name": graph.graph["name"],
            "objects": [_without(data, "order") for data in declared],
            "relations": [_without(data, "role", "index") for data in relations],
            "timeline": graph.graph["timeline"],
        }
    )


def _without(data: dict[str, Any], *keys: str) -> dict[str, Any]:
    return {key: value for key, value in data.items() if key not in keys}
