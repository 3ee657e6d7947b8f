"""The attentive probe: it learns a planted signal, its labels match the scene graph, and the encoder comparison
script runs end to end on a tiny dataset."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch

from dsl import ir
from experiments.probe_encoders import disjoint_split, main
from jepa_planner.data.datamodule import VERB_NAMES as STEP_VERB_NAMES
from jepa_planner.data.datamodule import label_tensors
from jepa_planner.data.generate import GenerateRequest, generate
from jepa_planner.data.shards import Sample, dataset_shards, read_shard, stream_samples
from jepa_planner.models.vit import VideoViT
from jepa_planner.probe import (
    KIND_NAMES,
    MAX_OBJECTS,
    VERB_NAMES,
    AttentiveProbe,
    TubeletPixels,
    extract_features,
    probe_labels,
    train_and_evaluate_probe,
)
from jepa_planner.systems.jepa import JEPAPretraining
from jepa_planner.systems.weights import save_weights
from tests.jepa_planner.helpers import save_jepa_run


@pytest.fixture(scope="module")
def l2_data(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Twelve level-2 clips in one shard (64x36, 16 frames)."""
    out = tmp_path_factory.mktemp("probe") / "l2"
    generate(GenerateRequest(out=out, level=2, n=12, shard_size=12), progress=False)
    return out


def samples_of(directory: Path) -> list[Sample]:
    return [sample for shard in dataset_shards(directory) for sample in read_shard(shard)]


def planted(count: int, seed: int) -> tuple[torch.Tensor, dict[str, torch.Tensor]]:
    """Noise tokens ``[S, 12, 48]`` whose token 5 spells the labels out as one-hot and multi-hot codes."""
    generator = torch.Generator().manual_seed(seed)
    labels = {
        "count": torch.randint(0, MAX_OBJECTS, (count,), generator=generator),
        "kinds": (torch.rand(count, len(KIND_NAMES), generator=generator) < 0.2).float(),
        "verb": torch.randint(0, len(VERB_NAMES), (count,), generator=generator),
    }
    code = torch.cat(
        [
            torch.nn.functional.one_hot(labels["count"], MAX_OBJECTS).float(),
            labels["kinds"],
            torch.nn.functional.one_hot(labels["verb"], len(VERB_NAMES)).float(),
        ],
        dim=1,
    )  # [S, 43]
    tokens = 0.1 * torch.randn(count, 12, 48, generator=generator)
    tokens[:, 5, : code.shape[1]] += 2.0 * code
    return tokens, labels


def test_probe_shapes() -> None:
    logits = AttentiveProbe(dim=48, num_tokens=12)(torch.randn(3, 12, 48))
    assert {k: tuple(v.shape) for k, v in logits.items()} == {
        "count": (3, MAX_OBJECTS),
        "kinds": (3, len(KIND_NAMES)),
        "verb": (3, len(VERB_NAMES)),
    }


def test_probe_learns_a_planted_signal_deterministically() -> None:
    train_feats, train_labels = planted(256, seed=0)
    test_feats, test_labels = planted(128, seed=1)
    rng_before = torch.get_rng_state()
    first = train_and_evaluate_probe(train_feats, train_labels, test_feats, test_labels, epochs=60, lr=3e-3, seed=0)
    assert torch.equal(torch.get_rng_state(), rng_before), "the probe must not move the global RNG"
    assert first["count_acc"] > 0.9 and first["verb_acc"] > 0.9, first
    assert first["kinds_f1"] > 0.9 and first["kinds_acc"] > 0.95, first
    again = train_and_evaluate_probe(train_feats, train_labels, test_feats, test_labels, epochs=60, lr=3e-3, seed=0)
    assert again == first, "the same seed must give the same numbers"


def test_labels_match_the_scene_graph(l2_data: Path) -> None:
    verbs = set()
    for sample in samples_of(l2_data):
        labels = probe_labels(sample)
        scene = sample.scene
        leaves = [obj for obj in scene.objects if not isinstance(obj, ir.Group)]
        assert int(labels["count"]) + 1 == len(leaves)
        assert {KIND_NAMES[k] for k in labels["kinds"].nonzero().flatten().tolist()} == {o.kind for o in leaves}
        middle = int(sample.arrays["active_step"][len(sample.arrays["active_step"]) // 2])
        step = scene.timeline[middle]
        expected = step.animations[0].kind if isinstance(step, ir.Play) else "wait"
        assert VERB_NAMES[int(labels["verb"])] == expected
        # The data module's step verbs are written independently; they must agree for play steps.
        step_verbs = label_tensors(sample, max_objects=8, max_steps=16)["step_verbs"]
        if isinstance(step, ir.Play):
            assert STEP_VERB_NAMES[int(step_verbs[middle])] == expected
        verbs.add(expected)
    assert len(verbs) > 1, "twelve level-2 clips should show more than one verb at their middle frame"


def test_extract_features_is_frozen_and_restores_the_mode(l2_data: Path) -> None:
    torch.manual_seed(0)
    encoder = VideoViT(frames=16, height=36, width=64, tubelet=(4, 6, 8), preset="tiny").train()
    samples = samples_of(l2_data)[:3]
    feats = extract_features(encoder, samples, batch_size=2)
    assert feats.shape == (3, encoder.num_tokens, encoder.dim) and not feats.requires_grad
    assert encoder.training, "the encoder's mode is put back"
    torch.testing.assert_close(extract_features(encoder, samples[1:2], batch_size=1), feats[1:2])


def test_tubelet_pixels_are_the_raw_tubelets() -> None:
    video = torch.rand(2, 8, 3, 12, 16)
    tokens = TubeletPixels((4, 6, 8))(video)
    assert tokens.shape == (2, 2 * 2 * 2, 4 * 3 * 6 * 8)
    # Token (t=1, h=0, w=1) is frames 4..7, rows 0..5, columns 8..15, flattened time, channel, row, column.
    torch.testing.assert_close(tokens[:, 5], video[:, 4:8, :, 0:6, 8:16].flatten(1))


def test_split_keeps_scenes_apart(l2_data: Path) -> None:
    train, test = disjoint_split(stream_samples([str(l2_data)]), 5, 4)
    assert (len(train), len(test)) == (5, 4)
    assert not {s.meta["scene_hash"] for s in train} & {s.meta["scene_hash"] for s in test}


def test_script_end_to_end(l2_data: Path, tmp_path: Path) -> None:
    torch.manual_seed(0)
    weights = save_weights(JEPAPretraining(), tmp_path / "run" / "weights.safetensors")
    out = tmp_path / "results" / "probe_encoders"
    argv = ["--data", str(l2_data), "--jepa", str(weights), "--train", "6", "--test", "6", "--seeds", "0"]
    results = main([*argv, "--epochs", "2", "--out", str(out)])

    written = json.loads(Path(f"{out}.json").read_text(encoding="utf-8"))
    assert written == json.loads(json.dumps(results)), "the JSON file is not the returned results"
    assert (written["n_train"], written["n_test"]) == (6, 6)
    assert set(written["encoders"]) == {"jepa", "random", "pixels", "majority"}
    for name in ("jepa", "random", "pixels"):
        summary = written["encoders"][name]["summary"]
        assert 0.0 <= summary["count_acc"]["mean"] <= 1.0 and summary["count_acc"]["std"] == 0.0
        assert written["encoders"][name]["features"]["effective_rank"]
    assert written["encoders"]["jepa"]["features"]["effective_rank"] > 1.0
    table = Path(f"{out}.md").read_text(encoding="utf-8")
    assert "| encoder | count acc |" in table and "random init" in table and "effective rank" in table
    assert "raw tubelet pixels" in table
    assert "fits its own train clips" in table and "- random init (same architecture): " in table
    assert 0.0 <= written["encoders"]["jepa"]["summary"]["train_count_acc"]["mean"] <= 1.0
    assert "--train 6 --test 6" in table


def test_token_energy_script_splits_the_targets_and_matches_its_random_start(l2_data: Path, tmp_path: Path) -> None:
    from experiments.token_energy import main as token_energy

    weights = save_jepa_run(tmp_path / "run" / "weights.safetensors", seed=0)  # an untrained run: its own start
    out = tmp_path / "energy"
    results = token_energy(["--data", str(l2_data), "--jepa", str(weights), "--clips", "6", "--out", str(out)])
    jepa, random = results["rows"]
    assert random["encoder"].startswith("random init, seed 0 (4x6x8 tubelets)")
    for part in ("position", "clip", "specific"):
        assert jepa[part] == pytest.approx(random[part], abs=1e-6), "seed 0 draws the run's starting point"
    assert sum(jepa[part] for part in ("position", "clip", "specific")) == pytest.approx(1.0, abs=1e-4)
    assert jepa["position"] > 0.9, "a random ViT's layer-normed tokens are mostly its positional code"
    assert "| token-specific |" in Path(f"{out}.md").read_text(encoding="utf-8")
    with pytest.raises(SystemExit, match="takes clips of"):
        wide = save_jepa_run(tmp_path / "wide" / "weights.safetensors", height=72, width=128, tubelet=(4, 12, 16))
        token_energy(["--data", str(l2_data), "--jepa", str(wide), "--clips", "6", "--out", str(out)])
