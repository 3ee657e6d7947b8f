"""Symbolic (L1) comparison of a predicted scene with the true one, as defined in DESIGN.md "What we measure".

Objects are matched first, with the Hungarian algorithm, and the matching renames the predicted objects into the
true scene's names; relations and steps are then compared after that renaming, so a prediction that only chose
other names scores as well as an exact one. Every function is pure and deterministic, except that
``graph_edit_distance`` may stop at its timeout, where the value found depends on the machine's speed.

Conventions
-----------
- Numbers agree when ``|a - b| <= tol * max(1, |a|, |b|)``: an absolute tolerance for values up to 1 and a relative
  one above. Integers (``z_index``, ``n``) must be equal. ``None`` ("Manim's default") agrees only with ``None``.
- A predicted name that the matching leaves unpaired is renamed to ``"?<name>"``, which no valid name equals, so it
  never agrees with anything in the true scene.
- Scenes must have unique object names (``dsl.checks`` requires it); with duplicates the name mapping is ambiguous
  and ``graph_edit_distance`` raises ``ValueError``.

Examples
--------
DSL ``a = Circle(radius=1.0)`` / ``a.to_edge(UP)`` against ``b = Circle(radius=1.0)`` / ``b.to_edge(UP)`` gives
``object_f1 == 1.0`` with the mapping ``{"a": "b"}``, then ``relation_f1 == 1.0``.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import networkx as nx  # type: ignore[import-untyped, unused-ignore]
import numpy as np
from scipy.optimize import linear_sum_assignment  # type: ignore[import-untyped, unused-ignore]

from dsl import ir
from dsl.graph import to_networkx
from dsl.printer import to_text

#: Default tolerance for numbers (scene units up to 1, relative above); see the module docstring.
NUMBER_TOLERANCE = 0.05
#: Default time limit of the graph edit distance search, in seconds.
GED_TIMEOUT = 2.0
#: Object fields that hold names of other objects; they are compared after renaming, never used for matching.
_REFERENCE_FIELDS = frozenset({"target", "axes", "members"})
#: Every field, in objects, relations, animations and steps, that holds an object's name (step labels do not).
NAME_FIELDS = frozenset({"name", "target", "axes", "members", "subject", "into", "targets"})


@dataclass(frozen=True)
class F1Score:
    """Precision, recall and F1 of ``true_positives`` out of ``n_pred`` predicted and ``n_true`` true items.

    Two empty sides score 1.0 everywhere: nothing was to be found and nothing wrong was predicted.
    """

    true_positives: int
    n_pred: int
    n_true: int

    @property
    def precision(self) -> float:
        return self.true_positives / self.n_pred if self.n_pred else float(self.n_true == 0)

    @property
    def recall(self) -> float:
        return self.true_positives / self.n_true if self.n_true else float(self.n_pred == 0)

    @property
    def f1(self) -> float:
        total = self.n_pred + self.n_true
        return 2 * self.true_positives / total if total else 1.0


@dataclass(frozen=True)
class MatchResult(F1Score):
    """The Hungarian object matching and its F1.

    Attributes
    ----------
    pairs
        ``(pred_name, true_name)`` of every true positive (a matched pair of equal kinds), in true declaration
        order. A pair whose kinds differ is a false positive and a false negative, and is not in ``pairs``.
    attribute_accuracy
        ``(field, accuracy)`` sorted by field: over all matched pairs, the share that agree on that field
        (``kind`` included, ``name`` excluded). A field only one of the two objects has counts as a disagreement;
        reference fields (``target``, ``axes``, ``members``) are compared after renaming through ``pairs``.
    attribute_agreement
        All agreeing fields over all compared fields (micro average); ``nan`` when no pair was matched, since
        there was nothing to compare.
    """

    pairs: tuple[tuple[str, str], ...]
    attribute_accuracy: tuple[tuple[str, float], ...]
    attribute_agreement: float

    @property
    def mapping(self) -> dict[str, str]:
        """Predicted name → true name, for the true positives."""
        return dict(self.pairs)


@dataclass(frozen=True)
class StepResult:
    """Timeline agreement: position-wise accuracy and Levenshtein distance between the two step sequences.

    ``accuracy`` is the number of positions where the steps are equal over the longer length (1.0 when both
    timelines are empty); ``edit_distance`` counts unit-cost insertions, deletions and substitutions of steps.
    """

    accuracy: float
    edit_distance: int
    n_pred: int
    n_true: int

    @property
    def normalized_edit_distance(self) -> float:
        """``edit_distance`` over the longer length, in [0, 1]; 0.0 when both timelines are empty."""
        longest = max(self.n_pred, self.n_true)
        return self.edit_distance / longest if longest else 0.0


# --- values -------------------------------------------------------------------------------------------------


def values_agree(pred: Any, true: Any, tol: float = NUMBER_TOLERANCE) -> bool:
    """Whether two JSON values agree: floats within ``tol`` (see the module docstring), the rest recursively equal.

    Examples
    --------
    >>> values_agree([1.0, {"value": 2.0}], [1.01, {"value": 2.0}])
    True
    """
    if isinstance(pred, float) or isinstance(true, float):
        if not _is_number(pred) or not _is_number(true):
            return False
        return bool(abs(pred - true) <= tol * max(1.0, abs(pred), abs(true)))
    if isinstance(pred, list | tuple) and isinstance(true, list | tuple):
        return len(pred) == len(true) and all(values_agree(a, b, tol) for a, b in zip(pred, true, strict=True))
    if isinstance(pred, dict) and isinstance(true, dict):
        return pred.keys() == true.keys() and all(values_agree(pred[key], true[key], tol) for key in pred)
    return bool(pred == true)


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _rename(name: str, mapping: Mapping[str, str] | None) -> str:
    if mapping is None:
        return name
    return mapping.get(name, f"?{name}")


def _renamed(value: Any, names: Mapping[str, str], key: str | None = None) -> Any:
    if isinstance(value, dict):
        return {k: _renamed(v, names, k) for k, v in value.items()}
    if isinstance(value, list):
        return [_renamed(item, names, key) for item in value]
    if key in NAME_FIELDS and isinstance(value, str):
        return names.get(value, value)
    return value


def rename_objects(scene: ir.Scene, names: Mapping[str, str]) -> ir.Scene:
    """The same scene with its objects renamed everywhere they are named (``NAME_FIELDS``); names missing from
    ``names`` stay. The scene's own name is kept.

    Raises
    ------
    pydantic.ValidationError
        When a new name is not a valid name.
    """
    data = _renamed(scene.model_dump(mode="json"), names)
    data["name"] = scene.name
    return ir.Scene.model_validate(data)


def exact_up_to_names(pred: ir.Scene, true: ir.Scene, mapping: Mapping[str, str]) -> bool:
    """Whether ``pred`` is ``true`` once its objects take their matched names and the true declaration order.

    Names cannot be seen in a clip, and declaring objects in another order changes nothing on screen, so this is
    exact match for a planner: every object (with every attribute), relation (in order) and step must agree.
    ``mapping`` (predicted → true, from ``object_f1``) must pair every object of both scenes.
    """
    if len(mapping) != len(pred.objects) or len(mapping) != len(true.objects):
        return False
    renamed = rename_objects(pred, mapping)
    position = {obj.name: i for i, obj in enumerate(true.objects)}
    ordered = renamed.model_copy(update={"objects": tuple(sorted(renamed.objects, key=lambda o: position[o.name]))})
    return to_text(ordered) == to_text(true)


def _fields(obj: ir.ObjectBase) -> dict[str, Any]:
    return {key: value for key, value in obj.model_dump(mode="json").items() if key != "name"}


# --- objects ------------------------------------------------------------------------------------------------


def _attribute_cost(pred: dict[str, Any], true: dict[str, Any], tol: float) -> float:
    keys = sorted((pred.keys() | true.keys()) - {"kind"} - _REFERENCE_FIELDS)
    agree = sum(key in pred and key in true and values_agree(pred[key], true[key], tol) for key in keys)
    return 1.0 - agree / len(keys) if keys else 0.0


def object_f1(pred: ir.Scene, true: ir.Scene, *, tol: float = NUMBER_TOLERANCE) -> MatchResult:
    """Hungarian-matched object F1 on kind, with per-attribute accuracy over the matched pairs.

    The cost of pairing two objects is the share of their non-reference fields (all but ``name``, ``kind``,
    ``target``, ``axes``, ``members``) on which they disagree, plus ``1 + min(n_pred, n_true)`` when their kinds
    differ. ``scipy.optimize.linear_sum_assignment`` finds the pairing of least total cost; a pair is a true
    positive when the kinds are equal. The kind weight exceeds any sum of attribute costs, so the pairing first
    maximises the true positives and only then the attribute agreement.

    Parameters
    ----------
    pred, true
        The predicted and the true scene.
    tol
        Tolerance for numbers (see the module docstring).

    Returns
    -------
    MatchResult
        The F1 counts, the name mapping of the true positives, and the attribute accuracies.

    Examples
    --------
    DSL ``p = Circle(radius=1.0)`` against ``c = Circle(radius=2.0)`` and ``s = Square()``: ``p`` pairs with ``c``,
    so precision 1.0, recall 0.5, F1 2/3, mapping ``{"p": "c"}`` and ``radius`` accuracy 0.0.
    """
    pred_fields = [_fields(obj) for obj in pred.objects]
    true_fields = [_fields(obj) for obj in true.objects]
    shape = (len(pred_fields), len(true_fields))
    attributes = np.array([[_attribute_cost(p, t, tol) for t in true_fields] for p in pred_fields], dtype=float)
    kinds = np.array([[p["kind"] != t["kind"] for t in true_fields] for p in pred_fields], dtype=float)
    cost = attributes.reshape(shape) + (1 + min(shape)) * kinds.reshape(shape)
    rows, cols = linear_sum_assignment(cost)
    matched = sorted(zip(rows.tolist(), cols.tolist(), strict=True), key=lambda pair: pair[1])
    pairs = tuple(
        (pred.objects[i].name, true.objects[j].name)
        for i, j in matched
        if pred_fields[i]["kind"] == true_fields[j]["kind"]
    )
    mapping = dict(pairs)
    agree: dict[str, int] = {}
    seen: dict[str, int] = {}
    for i, j in matched:
        p, t = pred_fields[i], true_fields[j]
        for key in p.keys() | t.keys():
            seen[key] = seen.get(key, 0) + 1
            agrees = key in p and key in t and _field_agrees(key, p[key], t[key], mapping, tol)
            agree[key] = agree.get(key, 0) + int(agrees)
    accuracy = tuple((key, agree[key] / seen[key]) for key in sorted(seen))
    total = sum(seen.values())
    return MatchResult(
        true_positives=len(pairs),
        n_pred=len(pred_fields),
        n_true=len(true_fields),
        pairs=pairs,
        attribute_accuracy=accuracy,
        attribute_agreement=sum(agree.values()) / total if total else math.nan,
    )


def _field_agrees(key: str, pred: Any, true: Any, mapping: Mapping[str, str], tol: float) -> bool:
    if key in _REFERENCE_FIELDS:
        if isinstance(pred, list):
            pred = [_rename(name, mapping) for name in pred]
        elif isinstance(pred, str):
            pred = _rename(pred, mapping)
    return values_agree(pred, true, tol)


def _mapping(pred: ir.Scene, true: ir.Scene, mapping: Mapping[str, str] | None, tol: float) -> Mapping[str, str]:
    return object_f1(pred, true, tol=tol).mapping if mapping is None else mapping


# --- relations ----------------------------------------------------------------------------------------------


def relation_triplet(relation: ir.Relation, mapping: Mapping[str, str] | None = None) -> tuple[str, str, Any]:
    """``(subject, kind, ref-or-param)`` of a relation, its names renamed through ``mapping`` when one is given.

    The third item is the ``ref`` for ``next_to``/``align_to`` and the first positional parameter otherwise: the
    point of ``move_to`` (as a list), the edge of ``to_edge``, the corner of ``to_corner``, the direction of
    ``arrange``.

    Examples
    --------
    DSL ``t.next_to(c, UP)`` is ``("t", "next_to", "c")``; DSL ``c.move_to((1, 2))`` is
    ``("c", "move_to", [1.0, 2.0])``.
    """
    subject = _rename(relation.subject, mapping)
    if relation.ref is not None:
        return subject, relation.kind, _rename(relation.ref, mapping)
    return subject, relation.kind, relation.model_dump(mode="json")[relation.positional[0]]


def relation_f1(
    pred: ir.Scene, true: ir.Scene, mapping: Mapping[str, str] | None = None, *, tol: float = NUMBER_TOLERANCE
) -> F1Score:
    """Triplet F1 over ``(subject, kind, ref-or-param)`` after renaming the predicted names.

    The triplets are multisets: a true triplet is found at most once, and the order of the relations is ignored.
    A point agrees within ``tol``, so the true positives are a maximum matching of agreeing triplets.

    Parameters
    ----------
    pred, true
        The predicted and the true scene.
    mapping
        Predicted name → true name; by default the true positives of ``object_f1(pred, true)``. A predicted name
        missing from it never agrees.
    tol
        Tolerance for numbers (see the module docstring).

    Examples
    --------
    DSL ``a.next_to(b, UP)`` against ``x.next_to(y, DOWN)`` with ``{"a": "x", "b": "y"}``: the triplets are equal
    (the direction is not part of a triplet), so F1 is 1.0.
    """
    names = _mapping(pred, true, mapping, tol)
    pred_triplets = [relation_triplet(relation, names) for relation in pred.relations]
    true_triplets = [relation_triplet(relation) for relation in true.relations]
    return F1Score(_max_matching(pred_triplets, true_triplets, tol), len(pred_triplets), len(true_triplets))


def _max_matching(pred: Sequence[Any], true: Sequence[Any], tol: float) -> int:
    if not pred or not true:
        return 0
    agrees = np.array([[values_agree(p, t, tol) for t in true] for p in pred], dtype=bool)
    rows, cols = linear_sum_assignment(agrees, maximize=True)
    return int(agrees[rows, cols].sum())


# --- timeline -----------------------------------------------------------------------------------------------


def step_signature(step: ir.Step, mapping: Mapping[str, str] | None = None) -> tuple[Any, ...]:
    """What makes two steps equal: the kind and the (renamed) animations or targets, timing left out.

    - ``play``: the sorted ``(kind, names)`` of its animations, where ``names`` are the target and, for the
      transforms, ``into``; animations of one ``play`` run together, so their order does not count. Animation
      parameters (``shift``, ``angle``, ``vector``, ``color`` ...), ``run_time``, ``rate_func`` and ``lag_ratio``
      are ignored.
    - ``add``: the sorted targets.
    - ``wait``: only the kind; the duration is timing, like ``run_time``.

    Labels are ignored everywhere.

    Examples
    --------
    DSL ``play(Create(c), Write(t), run_time=2)`` is ``("play", (("Create", ("c",)), ("Write", ("t",))))``.
    """
    if isinstance(step, ir.Play):
        animations = sorted(
            (animation.kind, tuple(_rename(name, mapping) for name in animation.names()))
            for animation in step.animations
        )
        return ("play", tuple(animations))
    if isinstance(step, ir.Add):
        return ("add", tuple(sorted(_rename(name, mapping) for name in step.targets)))
    assert isinstance(step, ir.Wait), f"unexpected step {step!r}"
    return ("wait",)


def levenshtein(pred: Sequence[Any], true: Sequence[Any]) -> int:
    """Unit-cost edit distance (insert, delete, substitute) between two sequences of comparable items.

    Examples
    --------
    >>> levenshtein("abc", "bac")
    2
    """
    previous = list(range(len(true) + 1))
    for i, item in enumerate(pred, start=1):
        current = [i]
        for j, other in enumerate(true, start=1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (item != other)))
        previous = current
    return previous[-1]


def step_metrics(
    pred: ir.Scene, true: ir.Scene, mapping: Mapping[str, str] | None = None, *, tol: float = NUMBER_TOLERANCE
) -> StepResult:
    """Step sequence accuracy and edit distance, comparing steps by ``step_signature`` after renaming.

    Parameters
    ----------
    pred, true
        The predicted and the true scene.
    mapping
        Predicted name → true name; by default the true positives of ``object_f1(pred, true)``.
    tol
        Tolerance for numbers, used only by the default object matching.

    Examples
    --------
    DSL ``play(Create(a))`` / ``wait(1)`` against ``wait(2)`` / ``play(Create(a))``: no position agrees
    (accuracy 0.0) and the edit distance is 2.
    """
    names = _mapping(pred, true, mapping, tol)
    pred_steps = [step_signature(step, names) for step in pred.timeline]
    true_steps = [step_signature(step) for step in true.timeline]
    longest = max(len(pred_steps), len(true_steps))
    same = sum(p == t for p, t in zip(pred_steps, true_steps, strict=False))
    return StepResult(
        accuracy=same / longest if longest else 1.0,
        edit_distance=levenshtein(pred_steps, true_steps),
        n_pred=len(pred_steps),
        n_true=len(true_steps),
    )


# --- graph --------------------------------------------------------------------------------------------------


def kind_graph(scene: ir.Scene) -> nx.DiGraph:
    """The scene graph reduced to what the edit distance compares: node kinds and edge kinds.

    Parallel edges of the ``to_networkx`` multigraph (``ax.to_edge(LEFT)`` and ``ax.to_edge(DOWN)``) merge into one
    edge whose ``kinds`` is their sorted tuple of kinds; relation parameters, order and the timeline are left out
    (``relation_f1`` and ``step_metrics`` measure those). Placeholder nodes of undeclared names keep
    ``kind=None``.
    """
    graph = nx.DiGraph()
    full = to_networkx(scene)
    for name, data in full.nodes(data=True):
        graph.add_node(name, kind=data["kind"])
    for head, tail, data in full.edges(data=True):
        kinds = graph.edges[head, tail]["kinds"] if graph.has_edge(head, tail) else ()
        graph.add_edge(head, tail, kinds=tuple(sorted((*kinds, data["kind"]))))
    return graph


def _same_kind(a: dict[str, Any], b: dict[str, Any]) -> bool:
    return bool(a["kind"] == b["kind"])


def _same_kinds(a: dict[str, Any], b: dict[str, Any]) -> bool:
    return bool(a["kinds"] == b["kinds"])


def graph_edit_distance(pred: ir.Scene, true: ir.Scene, timeout: float = GED_TIMEOUT) -> float | None:
    """Graph edit distance between the two ``kind_graph``s, with nodes and edges matched on kind.

    Every insertion, deletion and substitution of a node or an edge costs 1; a substitution between equal kinds is
    free. Names play no part, so a renamed scene is at distance 0.

    Parameters
    ----------
    pred, true
        The predicted and the true scene.
    timeout
        Seconds that ``networkx.graph_edit_distance`` may search. The search returns the best (lowest) distance it
        has found so far when the time runs out: an upper bound on the true distance, which can then depend on the
        machine's speed.

    Returns
    -------
    float | None
        The distance, or ``None`` when the timeout struck before any complete edit path was found.

    Raises
    ------
    ValueError
        If a scene has two objects of the same name.

    Examples
    --------
    DSL ``a = Circle()`` against ``a = Circle()`` / ``b = Square()`` / ``b.next_to(a, UP)``: one node and one edge
    to insert, so 2.0.
    """
    result = nx.graph_edit_distance(
        kind_graph(pred), kind_graph(true), node_match=_same_kind, edge_match=_same_kinds, timeout=timeout
    )
    return None if result is None else float(result)


# --- everything ---------------------------------------------------------------------------------------------


def compare(
    pred: ir.Scene, true: ir.Scene, *, tol: float = NUMBER_TOLERANCE, timeout: float = GED_TIMEOUT
) -> dict[str, float]:
    """Every L1 metric in one flat dict of floats, keys in a fixed order.

    ``exact_match`` is 1.0 when the canonical texts are equal, names included; ``exact_match_names`` when they
    are equal up to object names and declaration order (``exact_up_to_names``). The object matching is computed
    once and renames the predicted names for relations and steps. ``object_attr_acc`` is the micro average of the field
    agreements (``nan`` when no pair was matched) and ``object_attr_acc.<field>`` each field's accuracy (only
    fields seen in a matched pair appear). ``ged`` is ``nan`` when the search found no edit path before ``timeout``.

    Examples
    --------
    ``compare(scene, scene)`` has every F1 and accuracy at 1.0 and ``step_edit_distance == ged == 0.0``.
    """
    objects = object_f1(pred, true, tol=tol)
    mapping = objects.mapping
    relations = relation_f1(pred, true, mapping, tol=tol)
    steps = step_metrics(pred, true, mapping, tol=tol)
    ged = graph_edit_distance(pred, true, timeout=timeout)
    return {
        "exact_match": float(to_text(pred) == to_text(true)),
        "object_precision": objects.precision,
        "object_recall": objects.recall,
        "object_f1": objects.f1,
        "object_attr_acc": objects.attribute_agreement,
        **{f"object_attr_acc.{field}": accuracy for field, accuracy in objects.attribute_accuracy},
        "relation_precision": relations.precision,
        "relation_recall": relations.recall,
        "relation_f1": relations.f1,
        "step_accuracy": steps.accuracy,
        "step_edit_distance": float(steps.edit_distance),
        "step_edit_distance_norm": steps.normalized_edit_distance,
        "ged": math.nan if ged is None else ged,
        "exact_match_names": float(exact_up_to_names(pred, true, mapping)),
    }
