"""``plan`` and ``jepa-planner plan``/``export`` on a small random planner: valid output, constraints, errors."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import torch
from safetensors.torch import save_file

from codegen.media import write_frames
from dsl.checks import check
from dsl.parser import parse
from jepa_planner import SceneGraph, Spec, plan
from jepa_planner.cli import main
from jepa_planner.data.sampler import SceneSampler
from jepa_planner.planning.inputs import InputError
from jepa_planner.planning.model import Planner, PlannerConfig, load_planner, save_planner
from jepa_planner.planning.plan import plan_with_decoder, render_scene
from jepa_planner.systems.weights import CheckpointError

PREDICTOR = {"pred_dim": 32, "depth": 1, "heads": 2}


@pytest.fixture(scope="module")
def planner_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    torch.manual_seed(0)
    config = PlannerConfig(decoder_width=32, decoder_depth=1, max_tokens=64, predictor=PREDICTOR, pixel_pathway=True)
    planner = Planner(config)
    return save_planner(planner, tmp_path_factory.mktemp("planner") / "planner.safetensors", card="# test\n")


@pytest.fixture(scope="module")
def clip() -> tuple[np.ndarray, np.ndarray]:
    scene = SceneSampler().sample(level=2, seed=3, index=1)
    return render_scene(scene, length=16, size=(64, 36))


def _valid(graph: SceneGraph) -> None:
    assert check(graph.scene) == []
    assert parse(graph.dsl) == graph.scene
    compile(graph.manim(), "<plan>", "exec")
    assert graph.render().shape == (len(graph.target), graph.size[1], graph.size[0], 3)


def test_planner_files_round_trip_in_half_precision(planner_file: Path) -> None:
    planner = load_planner(planner_file)
    assert planner.config.predictor == PREDICTOR and planner.predictor is not None
    assert planner_file.with_name("MODEL_CARD.md").read_text() == "# test\n"
    assert planner_file.stat().st_size < 3_000_000


def test_plan_from_frames_is_valid_and_refinement_keeps_the_lowest_energy(
    planner_file: Path, clip: tuple[np.ndarray, np.ndarray]
) -> None:
    planner = load_planner(planner_file)
    frames, _ = clip
    perceived = plan(Spec(clip=frames, effort="fast"), planner=planner)
    _valid(perceived)
    assert perceived.target.shape == (len(frames), 36, 64, 3) and perceived.loss is None  # native size, not rendered
    greedy = plan_with_decoder(Spec(clip=frames), planner=planner)
    _valid(greedy)
    assert greedy.candidates == 1 and greedy.target.shape == (16, 36, 64, 3)
    refined = plan_with_decoder(Spec(clip=frames, refine=4, seed=1), planner=planner)
    _valid(refined)
    assert 1 <= refined.candidates <= 4
    assert refined.energy <= greedy.energy + 1e-6  # the greedy candidate is among those compared


def test_constraints_kinds_texts_and_duration(planner_file: Path, clip: tuple[np.ndarray, np.ndarray]) -> None:
    frames, _ = clip
    graph = plan(Spec(clip=frames, objects=["Text", "Circle"], texts=["hello"], duration=3.0), planner=planner_file)
    _valid(graph)
    assert {o.kind for o in graph.scene.objects} <= {"Text", "Circle"} and len(graph.scene.objects) <= 2
    texts = [o for o in graph.scene.objects if o.kind == "Text"]
    if texts:
        assert texts[0].text == "hello"
    from jepa_planner.data.clips import scene_duration

    assert scene_duration(graph.scene) == pytest.approx(3.0, abs=0.1)


def test_plan_from_keyframes(planner_file: Path, clip: tuple[np.ndarray, np.ndarray]) -> None:
    _, keyframes = clip
    stills = keyframes[:-1]  # the last keyframe is the final picture, the same as the last step's here
    times = [1.0 + 0.5 * i for i in range(len(stills))]
    graph = plan(Spec(keyframes=stills, keyframe_times=times), planner=planner_file)
    _valid(graph)
    assert any("keyframes" in note for note in graph.notes)
    assert len(graph.scene.timeline) == len(stills)
    with pytest.raises(InputError, match="keyframe times"):
        plan(Spec(keyframes=stills, keyframe_times=times[:1] if len(stills) > 1 else [1.0, 2.0]), planner=planner_file)


def test_spec_refuses_nonsense() -> None:
    with pytest.raises(ValueError, match="exactly one"):
        Spec()
    with pytest.raises(ValueError, match="cannot decode"):
        Spec(clip="x.mp4", objects=["Unicorn"])


def test_bad_inputs_and_checkpoints(tmp_path: Path, planner_file: Path) -> None:
    with pytest.raises(InputError, match="no such|does not exist|not found"):
        plan(Spec(clip=str(tmp_path / "missing.mp4")), planner=planner_file)
    broken = tmp_path / "broken.mp4"
    broken.write_bytes(b"\x00not a video" * 50)
    with pytest.raises(InputError):
        plan(Spec(clip=str(broken)), planner=planner_file)
    with pytest.raises(InputError):
        plan(Spec(clip=np.zeros((0, 36, 64, 3), dtype=np.uint8)), planner=planner_file)
    corrupt = tmp_path / "corrupt.safetensors"
    corrupt.write_bytes(b"garbage")
    with pytest.raises(CheckpointError, match="damaged"):
        load_planner(corrupt)
    foreign = tmp_path / "foreign.safetensors"
    save_file({"x": torch.zeros(2)}, str(foreign))
    with pytest.raises(CheckpointError, match="not a planner file"):
        load_planner(foreign)
    mismatched = tmp_path / "mismatched.safetensors"
    planner = load_planner(planner_file)
    state = {k: v.half() for k, v in planner.state_dict().items() if not k.startswith("decoder.head.queries")}
    save_file(
        state,
        str(mismatched),
        metadata={
            "format": "jepa-planner/1",
            "config": json.dumps({**planner.config.__dict__, "tubelet": list(planner.config.tubelet)}),
        },
    )
    with pytest.raises(CheckpointError, match="do not fit"):
        load_planner(mismatched)


def test_wrong_resolution_is_resized_with_a_note(planner_file: Path, clip: tuple[np.ndarray, np.ndarray]) -> None:
    frames, _ = clip
    big = np.repeat(np.repeat(frames, 3, axis=1), 3, axis=2)  # 192x108
    decoded = plan_with_decoder(Spec(clip=big), planner=planner_file)
    assert any("resized 192x108 to 64x36" in note for note in decoded.notes)
    perceived = plan(Spec(clip=big, effort="fast"), planner=planner_file)  # perception reads it as it is
    assert perceived.target.shape[1:3] == (108, 192) and not any("resized" in note for note in perceived.notes)


def test_cli_plan_writes_dsl_code_and_comparison(
    tmp_path: Path, planner_file: Path, clip: tuple[np.ndarray, np.ndarray], capsys: pytest.CaptureFixture[str]
) -> None:
    gif = write_frames(clip[0], tmp_path / "clip.gif", fps=8)
    out = tmp_path / "scene.mscene"
    args = [
        "plan",
        str(gif),
        "-o",
        str(out),
        "--manim",
        str(tmp_path / "scene.py"),
        "--compare",
        str(tmp_path / "compare.gif"),
        "--planner",
        str(planner_file),
    ]
    assert main(args) == 0
    assert check(parse(out.read_text())) == []
    compile((tmp_path / "scene.py").read_text(), "scene.py", "exec")
    assert (tmp_path / "compare.gif").stat().st_size > 0
    assert main(args) == 1  # nothing is overwritten without --force
    assert "exists already" in capsys.readouterr().err
    assert main([*args, "--force"]) == 0


def test_cli_errors_exit_one_without_traceback(
    tmp_path: Path, planner_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert (
        main(["plan", str(tmp_path / "none.gif"), "-o", str(tmp_path / "s.mscene"), "--planner", str(planner_file)])
        == 1
    )
    assert (
        main(
            [
                "plan",
                str(tmp_path / "none.gif"),
                "-o",
                str(tmp_path / "s.mscene"),
                "--planner",
                str(tmp_path / "nothing.safetensors"),
            ]
        )
        == 1
    )
    assert main(["plan", "x.gif", "-o", str(tmp_path / "s.mscene"), "--objects", "Unicorn"]) == 1
    err = capsys.readouterr().err
    assert "Traceback" not in err and "no such planner file" in err and "cannot decode" in err


def _run_weights(system: torch.nn.Module, path: Path) -> Path:
    """A run's weights.safetensors, with the metadata ``ExportWeights`` writes."""
    from jepa_planner.systems.weights import run_metadata, save_weights

    return save_weights(system, path, run_metadata(system))  # type: ignore[arg-type]


def test_export_keeps_the_frozen_world_encoder_apart_from_a_fine_tuned_one(tmp_path: Path) -> None:
    from jepa_planner.planning.model import export_planner
    from jepa_planner.systems.action import ActionConditionedTraining
    from jepa_planner.systems.decoder import DecoderTraining
    from jepa_planner.systems.jepa import JEPAPretraining

    jepa = _run_weights(JEPAPretraining(), tmp_path / "jepa.safetensors")
    decoder = DecoderTraining(encoder_weights=str(jepa), decoder_width=32, decoder_depth=1)
    action = ActionConditionedTraining(encoder_weights=str(jepa), pred_dim=32, depth=1, heads=2)
    same = export_planner(
        _run_weights(decoder, tmp_path / "d.safetensors"), _run_weights(action, tmp_path / "a.safetensors")
    )
    assert not same.config.world_encoder and same.world_encoder is same.encoder
    with torch.no_grad():
        next(decoder.encoder.parameters()).add_(1.0)  # as fine-tuning would
    apart = export_planner(_run_weights(decoder, tmp_path / "d2.safetensors"), tmp_path / "a.safetensors")
    assert apart.config.world_encoder and apart.world_encoder is not apart.encoder
    reloaded = load_planner(save_planner(apart, tmp_path / "planner.safetensors"))
    first = next(reloaded.world_encoder.parameters())
    assert torch.allclose(first, next(action.encoder.parameters()).half().float())
    with pytest.raises(CheckpointError, match="not a decoder run"):
        export_planner(tmp_path / "a.safetensors")


def test_array_keyframes_get_the_same_time_checks_as_files(
    planner_file: Path, clip: tuple[np.ndarray, np.ndarray]
) -> None:
    _, keyframes = clip
    stills = keyframes[:2]
    with pytest.raises(InputError, match="not ordered"):
        plan(Spec(keyframes=stills, keyframe_times=[2.0, 1.0]), planner=planner_file)
    with pytest.raises(InputError, match="not ordered"):
        plan(Spec(keyframes=stills, keyframe_times=[-1.0, 1.0]), planner=planner_file)
