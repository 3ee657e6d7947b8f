"""The order in which objects are built and laid out, shared by the checks, the compiler and the layout checker.

Each object is one *block*: its construction followed by the relations whose subject it is, in declaration
order. A block must come after every block it depends on:

- ``t.next_to(c)`` and ``t.align_to(c)``: after ``c`` is final;
- ``Brace(c)``, ``SurroundingRectangle(c)`` and ``Plot(ax, ...)``: after ``c`` / ``ax`` is final;
- ``g = Group(a, b)``: after ``a`` and ``b`` (so members are placed first, then the group moves them as one).

An object is *final* once its own relations and those of every group around it have run. So a dependency on
``c`` inside group ``g`` is also a dependency on ``g``, unless the dependent object sits inside ``g`` too (a
member placed next to its sibling is laid out before the group moves both). Among blocks that are free to go,
declaration order wins, so the order is deterministic.
"""

from __future__ import annotations

from collections.abc import Mapping

import networkx as nx

from dsl import ir


def parents(scene: ir.Scene) -> dict[str, str]:
    """Map each grouped object to the group that holds it (the checks reject an object in two groups)."""
    holder: dict[str, str] = {}
    for obj in scene.objects:
        if isinstance(obj, ir.Group):
            for member in obj.members:
                holder.setdefault(member, obj.name)
    return holder


def ancestors(name: str, holder: dict[str, str]) -> list[str]:
    """The groups around ``name``, innermost first; stops on a membership cycle."""
    chain: list[str] = []
    current = holder.get(name)
    while current is not None and current not in chain and current != name:
        chain.append(current)
        current = holder.get(current)
    return chain


def leaves(name: str, objects: Mapping[str, ir.ObjectBase]) -> list[str]:
    """The non-group objects inside ``name`` (``name`` itself when it is not a group), in member order."""
    found: list[str] = []
    stack = [name]
    seen: set[str] = set()
    while stack:
        current = stack.pop()
        if current in seen:
            continue
        seen.add(current)
        obj = objects.get(current)
        if isinstance(obj, ir.Group):
            stack.extend(reversed(obj.members))
        else:
            found.append(current)
    return found


def dependency_graph(scene: ir.Scene) -> nx.DiGraph:
    """A graph with an edge ``a → b`` when block ``b`` must come after block ``a``.

    Each edge carries ``why``: ``"member"``, ``"target"``, ``"axes"``, a relation kind, or ``"group"`` for the
    implied dependency on an enclosing group. Names that are not declared objects are left out.
    """
    objects = scene.object_map()
    holder = parents(scene)
    graph = nx.DiGraph()
    for index, obj in enumerate(scene.objects):
        graph.add_node(obj.name, order=index)

    def depend(before: str, after: str, why: str) -> None:
        if before not in objects or after not in objects:
            return
        graph.add_edge(before, after, why=why)
        shared = set(ancestors(after, holder)) | {after}
        for group in ancestors(before, holder):
            if group not in shared:
                graph.add_edge(group, after, why="group")

    for obj in scene.objects:
        if isinstance(obj, ir.Group):
            for member in obj.members:
                if member in objects:
                    graph.add_edge(member, obj.name, why="member")
        elif isinstance(obj, ir.Plot):
            depend(obj.axes, obj.name, "axes")
        else:
            for ref in obj.references():
                depend(ref, obj.name, "target")
    for relation in scene.relations:
        if relation.ref is not None:
            depend(relation.ref, relation.subject, relation.kind)
    return graph


def find_cycle(scene: ir.Scene) -> list[str] | None:
    """A list of object names that depend on each other in a circle, or None."""
    graph = dependency_graph(scene)
    try:
        edges = nx.find_cycle(graph)
    except nx.NetworkXNoCycle:
        return None
    return [edge[0] for edge in edges] + [edges[0][0]]


def layout_order(scene: ir.Scene) -> list[str]:
    """Object names in the order their blocks are emitted; assumes ``find_cycle`` found none."""
    graph = dependency_graph(scene)
    order: list[str] = list(nx.lexicographical_topological_sort(graph, key=lambda name: graph.nodes[name]["order"]))
    return order
