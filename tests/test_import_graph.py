"""The import graph of ``dsl``, ``codegen`` and ``jepa_planner``: no cycles, and no import that points up a layer.

Every ``import`` statement counts, wherever it stands (inside a function or under ``TYPE_CHECKING`` too): a cycle
broken by a late import is still two modules that each need the other. The one exception is Jupyter's display
hook, ``_repr_mimebundle_``: a model that shows itself in a notebook calls its display module, which needs the
model (and its printer) to draw it. Only a notebook ever runs that import. The layers, bottom up, are
``grammars → dsl → codegen → jepa_planner → experiments``.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import networkx as nx

ROOT = Path(__file__).resolve().parents[1]
LAYERS = ("grammars", "dsl", "codegen", "jepa_planner", "experiments")
WALKED = ("dsl", "codegen", "jepa_planner")
#: Methods whose imports do not count (see the module docstring).
DISPLAY_HOOKS = ("_repr_mimebundle_",)


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _modules() -> dict[str, Path]:
    return {_module_name(path): path for package in WALKED for path in sorted((ROOT / package).rglob("*.py"))}


def _resolve(name: str, modules: dict[str, Path]) -> str | None:
    """The module of ours ``name`` refers to (a module, or the package it is an attribute of), else None."""
    while name:
        if name in modules or name.split(".")[0] in LAYERS[:1] + LAYERS[-1:]:
            return name
        name = name.rpartition(".")[0]
    return None


def import_graph() -> nx.DiGraph:
    """Modules of the walked packages as nodes, an edge ``a → b`` for each import of ``b`` in ``a``."""
    modules = _modules()
    graph = nx.DiGraph()
    graph.add_nodes_from(modules)
    for name, path in modules.items():
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        hooks = {
            id(inner)
            for node in ast.walk(tree)
            if isinstance(node, ast.FunctionDef) and node.name in DISPLAY_HOOKS
            for inner in ast.walk(node)
        }
        for node in ast.walk(tree):
            if id(node) in hooks:
                continue
            if isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module is not None and node.level == 0:
                targets = [f"{node.module}.{alias.name}" for alias in node.names]
            else:
                continue
            for target in targets:
                resolved = _resolve(target, modules)
                if resolved is not None and resolved != name:
                    graph.add_edge(name, resolved)
    return graph


def _layer(module: str) -> int:
    return LAYERS.index(module.split(".")[0])


def test_the_walk_finds_every_package() -> None:
    graph = import_graph()
    assert {"dsl.ir", "codegen.compiler", "jepa_planner.decoder.vocab", "jepa_planner.systems.weights"} <= set(graph)
    assert graph.has_edge("jepa_planner.decoder.model", "jepa_planner.decoder.vocab"), "from-imports are edges"


def test_no_import_cycles() -> None:
    cycles = sorted(sorted(cycle) for cycle in nx.simple_cycles(import_graph()))
    assert cycles == [], f"import cycles: {cycles}"


def test_imports_never_point_up_a_layer() -> None:
    upward = sorted((a, b) for a, b in import_graph().edges if _layer(b) > _layer(a))
    assert upward == [], f"imports that point up a layer: {upward}"


def test_python_m_jepa_planner_runs() -> None:
    # A fresh interpreter imports the command line and what it needs from cold, in whatever order it asks.
    result = subprocess.run(
        [sys.executable, "-m", "jepa_planner", "--help"], cwd=ROOT, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr
    assert "plan" in result.stdout
