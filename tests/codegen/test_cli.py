"""The dsl2manim CLI as a user runs it: exit codes, stderr messages, no tracebacks, no silent overwrites."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from codegen.cli import main

GOOD = "scene Demo\nc = Circle(radius=1.0, color=BLUE)\nplay(Create(c), run_time=0.4)\n"


def write(tmp_path: Path, text: str | bytes, name: str = "s.mscene") -> Path:
    path = tmp_path / name
    path.write_bytes(text if isinstance(text, bytes) else text.encode())
    return path


def test_compile_to_stdout_and_to_a_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    source = write(tmp_path, GOOD)
    assert main(["compile", str(source)]) == 0
    assert "class Demo(Scene):" in capsys.readouterr().out
    out = tmp_path / "demo.py"
    assert main(["compile", str(source), "-o", str(out)]) == 0
    assert out.read_text().startswith('"""Demo: compiled by dsl2manim')


def test_existing_outputs_are_not_overwritten_without_force(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    source = write(tmp_path, GOOD)
    out = tmp_path / "mine.py"
    out.write_text("precious")
    assert main(["compile", str(source), "-o", str(out)]) == 1
    assert "--force" in capsys.readouterr().err
    assert out.read_text() == "precious"
    assert main(["compile", str(source), "-o", str(out), "--force"]) == 0
    assert "class Demo" in out.read_text()


@pytest.mark.parametrize(
    ("text", "needle"),
    [
        (b"scene A\nc = Circel()\n", "s.mscene:2:5: type error: unknown object kind 'Circel'"),
        (b"\xff\xfe\x00", "s.mscene:1:1: input error: the file is not UTF-8"),
        (b"scene A\nc = Circle(radius=nan)\n", "s.mscene:2:19: type error: expected a number"),
        (b"scene A\nc = Circle(radius=1e400)\n", "finite"),
        (b"scene A\nc = Circle(wobble=2)\n", "Circle has no attribute 'wobble'"),
        (b"scene A\nplay(FadeOut(c))\n", "'c' is not defined"),
    ],
)
def test_input_errors_exit_1_with_a_located_message(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], text: bytes, needle: str
) -> None:
    source = write(tmp_path, text)
    assert main(["check", str(source)]) == 1
    err = capsys.readouterr().err
    assert needle.replace("s.mscene", str(source)) in err or needle in err
    assert "Traceback" not in err


def test_usage_errors_exit_2() -> None:
    with pytest.raises(SystemExit) as caught:
        main(["explode"])
    assert caught.value.code == 2


def test_fmt_check_and_rewrite(tmp_path: Path) -> None:
    source = write(tmp_path, "scene A\nc=Circle( radius = 1 )\n")
    assert main(["fmt", str(source), "--check"]) == 1
    assert main(["fmt", str(source)]) == 0
    assert source.read_text() == "scene A\n\nc = Circle(radius=1.0)\n"
    assert main(["fmt", str(source), "--check"]) == 0


def test_check_strict_turns_layout_warnings_into_errors(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    source = write(tmp_path, "scene A\na = Circle()\nb = Square()\nadd(a, b)\n")
    assert main(["check", str(source)]) == 0
    assert "warning:" in capsys.readouterr().err
    assert main(["check", str(source), "--strict"]) == 1
    assert "a overlaps b" in capsys.readouterr().err


def test_schema_is_json_of_the_scene_model(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["schema"]) == 0
    schema = json.loads(capsys.readouterr().out)
    assert schema["title"] == "Scene" and "Circle" in schema["$defs"]


@pytest.mark.parametrize("suffix", [".png", ".gif", ".mp4"])
def test_render_writes_each_format(tmp_path: Path, suffix: str) -> None:
    source = write(tmp_path, GOOD)
    out = tmp_path / f"clip{suffix}"
    assert main(["render", str(source), "-o", str(out), "--width", "64", "--height", "36", "--fps", "10"]) == 0
    data = out.read_bytes()
    magic = {".png": b"\x89PNG", ".gif": b"GIF8", ".mp4": b"ftyp"}[suffix]
    assert magic in data[:16]
    assert not list(tmp_path.glob(".clip*")), "no temporary file may be left behind"


def test_render_rejects_an_unknown_suffix(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    source = write(tmp_path, GOOD)
    assert main(["render", str(source), "-o", str(tmp_path / "clip.avi")]) == 1
    assert "unsupported output type" in capsys.readouterr().err


def test_installed_entry_point_runs_without_traceback(tmp_path: Path) -> None:
    source = write(tmp_path, b"scene A\nc = Circle(\n")
    result = subprocess.run(
        [sys.executable, "-m", "codegen.cli", "compile", str(source)], capture_output=True, text=True, check=False
    )
    assert result.returncode == 1
    assert "syntax error" in result.stderr and "Traceback" not in result.stderr
    assert result.stdout == ""


def test_check_typesets_formulas_unless_told_not_to(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    source = write(tmp_path, 'scene A\nm = MathTex(r"\\frac{1}")\nadd(m)\n')
    assert main(["check", str(source)]) == 1
    assert f"{source}:2:13: latex error: the formula does not typeset: Missing {{ inserted." in capsys.readouterr().err
    assert main(["compile", str(source), "--no-latex"]) == 0, "the fast mode compiles without LaTeX"
    good = write(tmp_path, 'scene A\nm = MathTex(r"\\frac{1}{2}")\nadd(m)\n', "good.mscene")
    capsys.readouterr()
    assert main(["check", str(good), "--no-latex"]) == 0
    assert "--no-latex: the checks do not typeset formulas" in capsys.readouterr().err


def test_json_scenes_are_checked_compiled_and_rendered_like_dsl(tmp_path: Path) -> None:
    dsl_file = write(tmp_path, GOOD)
    json_file = tmp_path / "scene.json"
    assert main(["fmt", str(dsl_file), "--to", "json", "-o", str(json_file)]) == 0
    assert json.loads(json_file.read_text())["objects"][0] == {
        "kind": "Circle",
        "name": "c",
        "color": "BLUE",
        "radius": 1.0,
    }
    assert main(["check", str(json_file)]) == 0
    assert main(["compile", str(json_file), "-o", str(tmp_path / "a.py")]) == 0
    assert main(["compile", str(dsl_file), "-o", str(tmp_path / "b.py")]) == 0
    assert (tmp_path / "a.py").read_text() == (tmp_path / "b.py").read_text()
    assert main(["render", str(json_file), "-o", str(tmp_path / "a.png"), "--width", "32", "--height", "18"]) == 0
    back = tmp_path / "back.mscene"
    assert main(["fmt", str(json_file), "--to", "dsl", "-o", str(back)]) == 0
    assert back.read_text() == "scene Demo\n\nc = Circle(radius=1.0, color=BLUE)\n\nplay(Create(c), run_time=0.4)\n"
    renamed = write(tmp_path, json_file.read_text(), "scene.txt")
    assert main(["check", str(renamed), "--from", "json"]) == 0
    assert main(["fmt", str(json_file), "--check"]) == 0, "fmt --to json writes the canonical JSON"


def test_json_check_errors_name_the_json_path(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    document = {
        "name": "A",
        "objects": [{"kind": "Circle", "name": "c"}],
        "timeline": [{"kind": "play", "animations": [{"kind": "FadeOut", "target": "c"}]}],
    }
    source = write(tmp_path, json.dumps(document), "scene.json")
    assert main(["check", str(source)]) == 1
    assert f"{source}: $.timeline[0].animations[0]: timeline error: FadeOut removes c" in capsys.readouterr().err


def test_schema_is_written_to_a_file_only_with_force(tmp_path: Path) -> None:
    out = tmp_path / "scene.schema.json"
    assert main(["schema", "-o", str(out)]) == 0
    assert json.loads(out.read_text())["$id"].startswith("urn:jepa-planner:scene:")
    assert main(["schema", "-o", str(out)]) == 1
    assert main(["schema", "-o", str(out), "--force"]) == 0
