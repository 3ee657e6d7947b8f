"""The networkx view: its shape, and the exact round trip ``from_networkx(to_networkx(s)) == s``."""

from __future__ import annotations

import json
from pathlib import Path

import networkx as nx
import pytest

from dsl import ir
from dsl.graph import from_networkx, to_networkx
from dsl.parser import parse

DEMO = Path(__file__).resolve().parents[2] / "experiments" / "examples" / "demo.mscene"


@pytest.fixture(scope="module")
def demo() -> ir.Scene:
    return parse(DEMO.read_text(encoding="utf-8"))


def _every_relation() -> ir.Scene:
    return ir.Scene(
        name="Relations",
        objects=(
            ir.Circle(name="c", radius=0.5, color="#1f77b4"),
            ir.Dot(name="d"),
            ir.TextObj(name="t", text='say "hi"\n', font_size=24.0),
            ir.Group(name="g", members=("c", "d")),
        ),
        relations=(
            ir.MoveToRel(subject="c", point=(1.5, -2.0)),
            ir.NextTo(subject="t", target="c", direction="UP", buff=0.25),
            ir.AlignTo(subject="d", target="c", edge="LEFT"),
            ir.ToCorner(subject="t", corner="UR"),
            ir.Arrange(subject="g", direction="DOWN", buff=0.4),
            ir.ToEdge(subject="g", edge="LEFT", buff=0.5),
        ),
        timeline=(
            ir.Add(targets=("c", "d")),
            ir.Play(label="intro", animations=(ir.Write(target="t"), ir.FadeIn(target="g", shift="UP")), run_time=2.0),
            ir.Wait(duration=0.5),
        ),
    )


def _structural() -> ir.Scene:
    wave = ir.BinOp(op="*", left=ir.Call(func="sin", arg=ir.Var()), right=ir.Neg(operand=ir.Const(name="pi")))
    return ir.Scene(
        name="Structure",
        objects=(
            ir.Axes(name="ax", x_range=(-3.0, 3.0, 1.0)),
            ir.Plot(name="p", axes="ax", function=wave, x_range=(-2.0, 2.0)),
            ir.MathTex(name="m", tex=r"\frac{a}{b}"),
            ir.Brace(name="b", target="m", direction="DOWN"),
            ir.SurroundingRectangle(name="r", target="m", buff=0.1),
            ir.Arrow(name="a", start=(0.0, 0.0), end=(1.0, 1.0)),
            ir.Group(name="g", members=("a", "b", "r")),
        ),
        relations=(ir.ToEdge(subject="ax", edge="DOWN"), ir.ToEdge(subject="ax", edge="LEFT")),
        timeline=(ir.Play(animations=(ir.Create(target="ax"), ir.ReplacementTransform(target="m", into="a"))),),
    )


def _undeclared() -> ir.Scene:
    # Fails the checks (``ghost`` is never declared) but is still a valid IR value, so it must round-trip.
    return ir.Scene(
        objects=(ir.Square(name="s"), ir.Brace(name="b", target="ghost")),
        relations=(ir.NextTo(subject="s", target="ghost"), ir.MoveToRel(subject="phantom", point=(0.0, 1.0))),
    )


HAND_BUILT = {
    "empty": ir.Scene(),
    "one_object": ir.Scene(name="One", objects=(ir.Circle(name="c"),)),
    "every_relation": _every_relation(),
    "structural": _structural(),
    "undeclared": _undeclared(),
}


def test_round_trip_demo(demo: ir.Scene) -> None:
    assert from_networkx(to_networkx(demo)) == demo


@pytest.mark.parametrize("name", sorted(HAND_BUILT))
def test_round_trip_hand_built(name: str) -> None:
    scene = HAND_BUILT[name]
    assert from_networkx(to_networkx(scene)) == scene


@pytest.mark.parametrize("name", sorted(HAND_BUILT))
def test_round_trip_through_json(name: str) -> None:
    scene = HAND_BUILT[name]
    # Relations have a ``target`` field, so the link keys must not be networkx's default "source"/"target".
    data = json.loads(json.dumps(nx.node_link_data(to_networkx(scene), edges="edges", source="from", target="to")))
    graph = nx.node_link_graph(data, edges="edges", source="from", target="to")
    assert from_networkx(graph) == scene


def test_demo_nodes(demo: ir.Scene) -> None:
    graph = to_networkx(demo)
    assert list(graph.nodes) == [obj.name for obj in demo.objects]
    assert graph.graph["name"] == "Demo"
    assert graph.nodes["c"] == {
        "name": "c",
        "kind": "Circle",
        "color": "BLUE",
        "z_index": None,
        "fill_opacity": 0.5,
        "stroke_opacity": None,
        "stroke_width": None,
        "radius": 1.0,
        "order": 0,
    }
    assert graph.nodes["wave"]["order"] == 5
    assert graph.nodes["wave"]["function"]["kind"] == "binop"
    assert graph.graph["timeline"][0] == demo.timeline[0].model_dump(mode="json")
    assert len(graph.graph["timeline"]) == len(demo.timeline)


def test_demo_edges(demo: ir.Scene) -> None:
    graph = to_networkx(demo)
    assert graph.edges["label", "c", "relation/2"] == {
        "subject": "label",
        "kind": "next_to",
        "target": "c",
        "direction": "DOWN",
        "buff": 0.3,
        "role": "relation",
        "index": 2,
    }
    # Relations without a ref are self-loops; ``ax`` has two, in declaration order.
    assert sorted(graph.get_edge_data("ax", "ax")) == ["relation/4", "relation/5"]
    assert graph.edges["ax", "ax", "relation/4"]["edge"] == "LEFT"
    assert graph.edges["ax", "ax", "relation/5"]["edge"] == "DOWN"
    structure = sorted(
        (head, tail, data["kind"]) for head, tail, data in graph.edges(data=True) if data["role"] == "structure"
    )
    assert structure == [
        ("box", "eq", "target"),
        ("shapes", "c", "member"),
        ("shapes", "sq", "member"),
        ("wave", "ax", "axes"),
    ]
    relation_edges = [data for _, _, data in graph.edges(data=True) if data["role"] == "relation"]
    assert sorted(data["index"] for data in relation_edges) == list(range(len(demo.relations)))


def test_group_member_positions() -> None:
    graph = to_networkx(_structural())
    members = {tail: data["position"] for _, tail, data in graph.out_edges("g", data=True)}
    assert members == {"a": 0, "b": 1, "r": 2}


def test_relation_order_is_kept() -> None:
    scene = _every_relation()
    reordered = scene.model_copy(update={"relations": scene.relations[::-1]})
    assert from_networkx(to_networkx(reordered)) == reordered
    assert from_networkx(to_networkx(reordered)) != scene


def test_undeclared_names_become_placeholders() -> None:
    graph = to_networkx(_undeclared())
    assert graph.nodes["ghost"] == {"name": "ghost", "kind": None, "order": None}
    assert graph.nodes["phantom"] == {"name": "phantom", "kind": None, "order": None}
    assert graph.has_edge("b", "ghost", "target/0")
    assert graph.has_edge("phantom", "phantom", "relation/1")


def test_graph_is_json_serialisable(demo: ir.Scene) -> None:
    text = json.dumps(nx.node_link_data(to_networkx(demo), edges="edges", source="from", target="to"))
    assert '"kind": "Plot"' in text


def test_duplicate_names_are_rejected() -> None:
    scene = ir.Scene(objects=(ir.Circle(name="c"), ir.Square(name="c")))
    with pytest.raises(ValueError, match="duplicated: c"):
        to_networkx(scene)


def test_from_networkx_needs_scene_attributes() -> None:
    graph = to_networkx(_every_relation())
    del graph.graph["timeline"]
    with pytest.raises(ValueError, match="timeline"):
        from_networkx(graph)
