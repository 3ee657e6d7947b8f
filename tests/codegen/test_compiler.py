"""The compiler: injection safety on the emitted AST, exact output for a small scene, and ruff-clean layout."""

from __future__ import annotations

import ast

import pytest

from codegen.compiler import compile_scene, python_expr
from codegen.writer import PyCall, layout
from dsl import ir
from dsl.parser import parse

PAYLOADS = [
    '"); import os; os.system("echo pwned"); ("',
    "'''; __import__('os').system('id'); '''",
    '"""\nimport os\n"""',
    "\\\"); exec('1') #",
    "line\u2028separator\u2029and\x0bvertical\x0cfeed\r\n",
    "{__import__('os')}",
    "🎬 ünïcödé \\n \\\\",
]


@pytest.mark.parametrize("payload", PAYLOADS)
def test_strings_reach_the_source_only_as_literals(payload: str) -> None:
    scene = ir.Scene(
        name="Inject",
        objects=(
            ir.TextObj(name="t", text=payload),
            ir.MathTex(name="m", tex="x"),
            ir.Circle(name="c", color="#A0B1C2"),
        ),
        timeline=(ir.Play(animations=(ir.Write(target="t"),)),),
    )
    module = ast.parse(compile_scene(scene))
    docstring, star_import, class_def = module.body
    assert isinstance(docstring, ast.Expr) and isinstance(docstring.value, ast.Constant)
    assert isinstance(star_import, ast.ImportFrom) and star_import.module == "manim"
    assert [alias.name for alias in star_import.names] == ["*"]
    assert isinstance(class_def, ast.ClassDef) and class_def.name == "Inject"
    (construct,) = class_def.body
    assert isinstance(construct, ast.FunctionDef) and construct.name == "construct"
    assigns = construct.body[:3]
    assert [ast.unparse(node.targets[0]) for node in assigns if isinstance(node, ast.Assign)] == ["t", "m", "c"]
    text_call = assigns[0].value  # type: ignore[attr-defined]
    assert isinstance(text_call, ast.Call) and ast.unparse(text_call.func) == "Text"
    assert isinstance(text_call.args[0], ast.Constant) and text_call.args[0].value == payload
    assert ast.unparse(construct.body[3]) == "self.play(Write(t))"
    assert len(construct.body) == 4
    called = {ast.unparse(node.func) for node in ast.walk(module) if isinstance(node, ast.Call)}
    assert called == {"Text", "MathTex", "Circle", "self.play", "Write"}


def test_small_scene_compiles_to_exact_source() -> None:
    scene = parse(
        'scene Demo\nc = Circle(radius=1.0, color=BLUE)\nt = Text("hi")\nt.next_to(c, UP, buff=0.3)\n'
        "intro: play(Create(c), FadeIn(t, shift=DOWN), run_time=2.0)\nwait(0.5)\nplay(Shift(c, (1, -0.5)))\n"
    )
    assert compile_scene(scene) == (
        '"""Demo: compiled by dsl2manim from the scene DSL. Edits here are lost on the next compile."""\n'
        "\n"
        "from manim import *\n"
        "\n"
        "\n"
        "class Demo(Scene):\n"
        "    def construct(self) -> None:\n"
        "        c = Circle(radius=1.0, color=BLUE)\n"
        '        t = Text("hi")\n'
        "        t.next_to(c, UP, buff=0.3)\n"
        "\n"
        "        # intro\n"
        "        self.play(Create(c), FadeIn(t, shift=DOWN), run_time=2.0)\n"
        "        self.wait(0.5)\n"
        "        self.play(c.animate.shift(np.array([1.0, -0.5, 0.0])))\n"
    )


def test_empty_scene_compiles_to_a_valid_class() -> None:
    source = compile_scene(ir.Scene(name="Empty"))
    assert source.endswith("    def construct(self) -> None:\n        pass\n")
    compile(source, "<empty>", "exec")


@pytest.mark.parametrize(
    ("dsl", "python"),
    [
        ("sin(2 * x) + x ^ 2", "np.sin(2.0 * x) + x**2.0"),
        ("-x ^ 2", "-(x**2.0)"),
        ("(-x) ^ 2", "(-x) ** 2.0"),
        ("2 ^ -x", "2.0**-x"),
        ("(x + 1) ^ 2", "(x + 1.0) ** 2.0"),
        ("x - (x - 1)", "x - (x - 1.0)"),
        ("x / (2 * pi)", "x / (2.0 * np.pi)"),
        ("abs(x) * e", "np.abs(x) * np.e"),
    ],
)
def test_plot_expressions_follow_python_precedence(dsl: str, python: str) -> None:
    plot = parse(f"scene A\nax = Axes()\np = Plot(ax, {dsl})\n").objects[1]
    assert isinstance(plot, ir.Plot)
    assert python_expr(plot.function) == python


def test_writer_wraps_like_ruff() -> None:
    short = PyCall("f", ("a", ("b", "1")))
    assert layout("x = ", short, "", 2) == ["        x = f(a, b=1)"]
    hugged = PyCall("self.play", tuple(f"Create(object_number_{i})" for i in range(3)))
    assert layout("", hugged, "", 2) == [
        "        self.play(",
        "            Create(object_number_0), Create(object_number_1), Create(object_number_2)",
        "        )",
    ]
    long = PyCall("self.play", tuple(f"Create(object_number_{i})" for i in range(5)))
    lines = layout("", long, "", 2)
    assert lines[0] == "        self.play(" and lines[-1] == "        )"
    assert all(line.endswith(",") for line in lines[1:-1]) and len(lines) == 7
