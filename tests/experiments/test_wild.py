"""Tests of the wild test set (``experiments/wild``): its scene files and its render script."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from manim import Scene, tempconfig

from dsl.errors import DSLInputError
from experiments.wild import render

SCENES = render.discover()
#: A short scene with no LaTeX, so the render test stays well under a few seconds.
SMALL = "06_square_to_circle"


def test_the_set_is_large_enough() -> None:
    assert len(SCENES) >= 30, f"only {len(SCENES)} scenes in {render.SCENES_DIR}"
    assert len({scene.name[:2] for scene in SCENES}) == len(SCENES), "two scene files share a number"


@pytest.mark.parametrize("scene", SCENES, ids=[scene.name for scene in SCENES])
def test_scene_file_defines_exactly_one_scene(scene: render.SceneFile) -> None:
    # tempconfig: a module-level `config.background_color = ...` must not leak into other tests.
    with tempconfig({}):
        cls = render.load_scene_class(scene.path)
    assert issubclass(cls, Scene) and cls is not Scene
    assert f"class {cls.__name__}(" in scene.path.read_text(encoding="utf-8")


def test_readme_describes_every_scene() -> None:
    readme = (render.HERE / "README.md").read_text(encoding="utf-8")
    missing = [scene.name for scene in SCENES if f"`{scene.name}`" not in readme]
    assert not missing, f"README.md has no row for {missing}"


def test_a_file_with_two_scenes_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "99_two.py"
    path.write_text("from manim import Scene\n\nclass A(Scene):\n    pass\n\nclass B(Scene):\n    pass\n")
    with tempconfig({}), pytest.raises(DSLInputError, match="exactly one Scene subclass"):
        render.load_scene_class(path)


def test_renders_a_small_clip_lists_it_and_keeps_it_without_force(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    args = ["--only", SMALL, "--sizes", "128x72", "--fps", "5", "--clips", str(tmp_path)]
    assert render.main(args) == 0
    clip = tmp_path / "128x72" / f"{SMALL}.mp4"
    found = render.probe(clip)
    assert (found.width, found.height, found.fps) == (128, 72, 5.0) and found.frames > 10
    manifest = json.loads((tmp_path / "manifest.json").read_text(encoding="utf-8"))
    [entry] = manifest["clips"]
    assert entry["file"] == f"128x72/{SMALL}.mp4" and entry["scene"] == SMALL
    assert entry["scene_class"] == "SquareToCircle"
    assert (entry["width"], entry["height"], entry["fps"]) == (128, 72, 5.0)
    assert entry["frames"] == found.frames
    assert entry["duration_s"] == pytest.approx(entry["frames"] / 5)
    assert entry["source_sha256"] == render.SceneFile(SMALL, render.SCENES_DIR / f"{SMALL}.py").sha256
    assert not list(tmp_path.rglob(".*.mp4")), "a temporary file was left beside the clip"

    before = clip.stat()
    capsys.readouterr()
    assert render.main(args) == 0
    assert "0 rendered, 1 kept" in capsys.readouterr().out
    after = clip.stat()
    assert (after.st_ino, after.st_mtime_ns) == (before.st_ino, before.st_mtime_ns), "overwritten without --force"
    assert json.loads((tmp_path / "manifest.json").read_text(encoding="utf-8")) == manifest

    assert render.main([*args, "--force"]) == 0
    assert clip.stat().st_ino != before.st_ino, "--force did not replace the clip"

    # A clip whose manifest was lost is kept and described from the file, with its source hash unknown.
    (tmp_path / "manifest.json").unlink()
    capsys.readouterr()
    assert render.main(args) == 0
    assert "is not in the manifest" in capsys.readouterr().out
    [entry] = json.loads((tmp_path / "manifest.json").read_text(encoding="utf-8"))["clips"]
    assert entry["source_sha256"] is None and entry["frames"] == render.probe(clip).frames and entry["fps"] == 5.0


def test_a_failing_scene_is_named_and_the_rest_still_render(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    scenes = tmp_path / "scenes"
    scenes.mkdir()
    (scenes / "01_broken.py").write_text(
        "from manim import *\n\n\nclass Broken(Scene):\n    def construct(self):\n        self.play(Circle())\n",
        encoding="utf-8",
    )
    (scenes / "02_fine.py").write_text(
        "from manim import *\n\n\nclass Fine(Scene):\n    def construct(self):\n"
        "        self.play(FadeIn(Square()), run_time=1)\n",
        encoding="utf-8",
    )
    clips = tmp_path / "clips"
    status = render.main(["--scenes", str(scenes), "--sizes", "64x36", "--fps", "5", "--clips", str(clips)])
    assert status == 1
    out = capsys.readouterr().out
    assert "1 rendered, 0 kept (use --force to re-render), 1 failed" in out
    assert "failed: 01_broken at 64x36: TypeError" in out
    assert "FAILED 01_broken at 64x36" in out and "Unexpected argument" in out, "Manim's own message is not shown"
    assert (clips / "64x36" / "02_fine.mp4").is_file() and not (clips / "64x36" / "01_broken.mp4").exists()
    assert [e["scene"] for e in json.loads((clips / "manifest.json").read_text(encoding="utf-8"))["clips"]] == [
        "02_fine"
    ]


def test_unknown_scene_is_a_user_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    status = render.main(["--only", "06_square_to_circel", "--clips", str(tmp_path)])
    assert status == 2
    assert "did you mean '06_square_to_circle'?" in capsys.readouterr().err
    assert not any(tmp_path.iterdir())


def test_bad_size_is_a_user_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert render.main(["--only", SMALL, "--sizes", "720", "--clips", str(tmp_path)]) == 2
    assert "unknown size '720'" in capsys.readouterr().err


def test_unreadable_manifest_is_a_user_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "manifest.json").write_text("{not json", encoding="utf-8")
    assert render.main(["--only", SMALL, "--sizes", "128x72", "--clips", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert "manifest.json: input error: the manifest cannot be read" in err and "hint: delete it" in err
