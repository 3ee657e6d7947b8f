"""The action-conditioned world model: step encoding, transitions from real clips, and a predictor that learns."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch

from dsl.parser import parse
from jepa_planner.data.actions import COLORS, KINDS, VERBS, encode_step, transitions
from jepa_planner.data.clips import render_clip
from jepa_planner.data.generate import GenerateRequest, generate
from jepa_planner.data.sampler import SceneSampler
from jepa_planner.data.shards import clip_metadata
from jepa_planner.data.transitions import TransitionDataModule
from jepa_planner.models.action import ActionConditionedPredictor
from jepa_planner.systems.action import ActionConditionedTraining

SMALL = {"frames": 8, "height": 18, "width": 32, "tubelet": (2, 6, 8), "pred_dim": 32, "depth": 1, "heads": 2}


def test_encode_step_reads_verbs_targets_and_parameters() -> None:
    scene = parse(
        "scene A\nc = Circle(color=RED)\nsq = Square()\nplay(Create(c), FadeIn(sq, shift=UP))\n"
        "play(Shift(c, (1, 0)), SetColor(sq, BLUE))\nwait(0.5)\n"
    )
    boxes = np.full((3, 2, 4), np.nan, dtype=np.float32)
    boxes[:, 0] = (-1.0, -1.0, 1.0, 1.0)
    labels = {"boxes": boxes, "active_step": np.array([0, 1, 2]), "object_names": ["c", "sq"]}
    first = encode_step(scene, 0, labels)
    assert [VERBS[v] for v in first.verb] == ["Create", "FadeIn"]
    assert [KINDS[k] for k in first.kind] == ["Circle", "Square"]
    assert [COLORS[c] for c in first.color] == ["RED", "none"]
    assert first.slots[0, :5].tolist() == pytest.approx([0.0, 0.0, 1 / 7.111, 0.25, 1.0], rel=1e-3)
    assert first.slots[1, 4] == 0.0, "sq is never on screen in these labels"
    assert first.slots[1, 5:].tolist() == [0.0, 1.0], "FadeIn's shift direction"
    second = encode_step(scene, 1, labels)
    assert second.slots[0, 5:].tolist() == [0.5, 0.0] and COLORS[second.to_color[1]] == "BLUE"
    wait = encode_step(scene, 2, labels)
    assert VERBS[wait.verb[0]] == "wait" and wait.step[0] == pytest.approx(0.5 / 3)


def test_transitions_of_a_rendered_clip() -> None:
    clip = render_clip(SceneSampler(), level=2, seed=0, index=3, width=32, height=18)
    arrays = {name: getattr(clip, name) for name in ("frames", "boxes", "active_step", "keyframes", "keyframe_steps")}
    out = transitions(clip.scene, arrays, clip_metadata(clip)["object_names"])
    played = int((clip.keyframe_steps >= 0).sum())
    assert out["states"].shape == (played + 1, 18, 32, 3)
    assert out["states"][0].max() == 0, "the scene starts empty"
    assert out["verb"].shape == (played, 2) and out["slots"].shape == (played, 2, 7)


def test_predictor_starts_as_the_copy_last_baseline() -> None:
    predictor = ActionConditionedPredictor(dim=16, grid=(2, 3, 4), pred_dim=16, depth=1, heads=2)
    state = torch.randn(3, 12, 16)
    action = {
        "verb": torch.zeros(3, 2, dtype=torch.long),
        "kind": torch.zeros(3, 2, dtype=torch.long),
        "color": torch.zeros(3, 2, dtype=torch.long),
        "to_color": torch.zeros(3, 2, dtype=torch.long),
        "slots": torch.zeros(3, 2, 7),
        "step": torch.zeros(3, 2),
    }
    assert torch.equal(predictor(state, action), state)


@pytest.fixture(scope="module")
def transition_data(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("transitions")
    generate(GenerateRequest(out=out, level=2, n=24, shard_size=12, width=32, height=18, length=8), progress=False)
    return out


def test_splits_are_disjoint_and_complete(transition_data: Path) -> None:
    module = TransitionDataModule(data_dirs=[str(transition_data)], batch_size=4, val_fraction=0.3, test_fraction=0.3)
    module.setup()
    sizes = {split: len(dataset) for split, dataset in module.datasets.items()}
    assert sum(sizes.values()) == 24 and min(sizes.values()) > 0
    batch = next(iter(module.train_dataloader()))
    assert batch["states"].shape[1:] == (9, 3, 18, 32) and batch["mask"].shape[1] == 8


def test_predictor_learns_to_beat_copy_last_on_a_fixed_batch(transition_data: Path) -> None:
    torch.manual_seed(0)
    module = TransitionDataModule(data_dirs=[str(transition_data)], batch_size=4, val_fraction=0.0, test_fraction=0.0)
    module.setup()
    batch = next(iter(module.train_dataloader()))
    system = ActionConditionedTraining(**SMALL, lr=1e-3)  # type: ignore[arg-type]
    optimizer = system.configure_optimizers()
    first = system.losses(batch)
    for _ in range(100):
        loss = system.losses(batch)["loss"]
        optimizer.zero_grad()
        torch.autograd.backward(loss)
        optimizer.step()
    last = system.losses(batch)
    start, baseline = first["loss_teacher"].item(), first["baseline_teacher"].item()
    assert start == pytest.approx(baseline, rel=1e-5), "starts at copy-last"
    assert last["loss_teacher"] < 0.97 * last["baseline_teacher"], "learns some of what each step changes"


def test_eval_action_model_script_writes_its_table(transition_data: Path, tmp_path: Path) -> None:
    from experiments.eval_action_model import main

    out = tmp_path / "action_model"
    report = main(
        ["--data", str(transition_data), "--epochs", "1", "--test-fraction", "0.4", "--threads", "1", "--out", str(out)]
    )
    row = report["results"]["random encoder"]
    assert set(row) == {"loss_teacher", "baseline_teacher", "loss_rollout", "baseline_rollout"}
    assert all(value > 0 for value in row.values())
    assert "copy-last" in out.with_suffix(".md").read_text()
