"""The pretraining system: EMA update, fast_dev_run through the CLI, resume, DDP on CPU, and safe weights."""

from __future__ import annotations

import copy
import subprocess
import sys
from pathlib import Path

import lightning as L
import pytest
import torch
from lightning.pytorch.callbacks import ModelCheckpoint
from safetensors.torch import load_file

from jepa_planner.cli import main
from jepa_planner.systems.jepa import (
    JEPAPretraining,
    centred_targets,
    effective_rank,
    energy_shares,
    random_resized_crop,
    regularised_features,
    sigreg,
)
from jepa_planner.systems.runs import add_shape_arguments, resolve_shape_arguments, shape_config
from jepa_planner.systems.weights import CheckpointError, load_weights, save_weights
from tests.jepa_planner.helpers import RandomClipData, save_jepa_run

SMALL = {"frames": 8, "height": 18, "width": 32, "tubelet": (2, 6, 8), "pred_dim": 32, "pred_depth": 1}


def trainer(tmp_path: Path, **kwargs: object) -> L.Trainer:
    options: dict[str, object] = {
        "accelerator": "cpu",
        "devices": 1,
        "logger": False,
        "enable_progress_bar": False,
        "enable_model_summary": False,
        "default_root_dir": str(tmp_path),
    }
    options.update(kwargs)
    return L.Trainer(**options)  # type: ignore[arg-type]


def test_ema_update_is_the_written_out_average(tmp_path: Path) -> None:
    torch.manual_seed(0)
    system = JEPAPretraining(**SMALL, ema=(0.9, 0.9))  # type: ignore[arg-type]
    data = RandomClipData(count=4, frames=8, height=18, width=32, batch_size=4)
    before = copy.deepcopy(system.target_encoder.state_dict())
    trainer(tmp_path, max_steps=1, enable_checkpointing=False).fit(system, data)
    online, target = system.encoder.state_dict(), system.target_encoder.state_dict()
    for name, old in before.items():
        if old.is_floating_point():
            torch.testing.assert_close(target[name], 0.9 * old + 0.1 * online[name])
    assert not torch.equal(online["embed.weight"], before["embed.weight"]), "the online encoder did learn"


def test_effective_rank_counts_directions() -> None:
    assert effective_rank(torch.randn(256, 8)).item() > 7.0
    line = torch.randn(256, 1) * torch.ones(1, 8)
    assert effective_rank(line).item() < 1.1


def test_sigreg_is_small_for_normal_features_and_large_for_collapsed_ones() -> None:
    generator = torch.Generator().manual_seed(0)
    normal = sigreg(torch.randn(4000, 32, generator=generator), generator=generator).item()
    narrow = sigreg(0.2 * torch.randn(4000, 32, generator=generator), generator=generator).item()
    line = sigreg(torch.randn(4000, 1, generator=generator) * torch.ones(1, 32), generator=generator).item()
    assert normal < 0.005 and narrow > 0.1 and line > 0.05
    assert sigreg(torch.zeros(4000, 32)).item() == pytest.approx(0.4, abs=0.02), "the value of a point mass"


def test_sigreg_runs_in_float32_under_bf16_autocast() -> None:
    features = torch.randn(2000, 16, generator=torch.Generator().manual_seed(1))
    expected = sigreg(features, generator=torch.Generator().manual_seed(2))
    with torch.autocast("cpu", dtype=torch.bfloat16):
        got = sigreg(features.bfloat16(), generator=torch.Generator().manual_seed(2))
    assert got.dtype == torch.float32
    torch.testing.assert_close(got, expected, atol=2e-4, rtol=0.1)


def test_centred_features_take_away_the_mean_token_of_each_position() -> None:
    context = torch.randn(3, 4, 5)
    index = torch.tensor([[0, 1, 2, 3], [0, 1, 2, 5], [1, 2, 3, 4]])
    seen = regularised_features(context, index, 6, "centred").view(3, 4, 5)
    torch.testing.assert_close(seen[0, 0], (context[0, 0] - context[1, 0]) / 2)  # position 0: clips 0 and 1
    torch.testing.assert_close(seen[1, 3], torch.zeros(5))  # position 5: clip 1 alone
    torch.testing.assert_close(seen.sum(dim=(0, 1)), torch.zeros(5), atol=1e-5, rtol=0)  # centred overall too
    # A positional code alone (the same token at a position in every clip) leaves nothing to spread.
    code = torch.randn(6, 5)[index]  # [3, 4, 5]
    torch.testing.assert_close(regularised_features(code, index, 6, "centred"), torch.zeros(12, 5))
    assert regularised_features(code, index, 6, "tokens").std() > 0.1
    assert regularised_features(context, index, 6, "clip").shape == (3, 5)


@pytest.mark.parametrize("regularise", ["clip", "tokens", "centred"])
def test_anti_collapse_terms_join_the_loss_and_reach_the_encoder(regularise: str) -> None:
    torch.manual_seed(0)
    system = JEPAPretraining(**SMALL, vicreg_weight=1.0, sigreg_weight=1.0, regularise=regularise)  # type: ignore[arg-type]
    out = system.jepa_loss(torch.rand(4, 8, 3, 18, 32))
    terms = out["loss_jepa"] + out["loss_variance"] + 0.04 * out["loss_covariance"] + out["loss_sigreg"]
    torch.testing.assert_close(out["loss"], terms)
    torch.autograd.backward(out["loss_sigreg"])
    assert system.encoder.embed.weight.grad is not None and system.encoder.embed.weight.grad.abs().sum() > 0


def test_online_targets_send_gradient_through_the_whole_clip() -> None:
    # At initialisation the EMA encoder is a copy of the online one, so both target kinds give the same loss; only
    # the online targets add the gradient of the full-clip pass.
    video = torch.rand(2, 8, 3, 18, 32, generator=torch.Generator().manual_seed(0))
    losses, grads = {}, {}
    for targets in ("ema", "online"):
        torch.manual_seed(0)
        system = JEPAPretraining(**SMALL, targets=targets)  # type: ignore[arg-type]
        torch.manual_seed(1)  # the same masks for both
        loss = system.jepa_loss(video)["loss_jepa"]
        torch.autograd.backward(loss)
        losses[targets], grads[targets] = loss.detach(), system.encoder.embed.weight.grad
        assert all(p.grad is None for p in system.target_encoder.parameters())
    torch.testing.assert_close(losses["ema"], losses["online"])
    assert grads["ema"] is not None and grads["online"] is not None
    assert not torch.allclose(grads["ema"], grads["online"])
    with pytest.raises(ValueError, match="targets"):
        JEPAPretraining(**SMALL, targets="pixels")  # type: ignore[arg-type]


def test_unknown_regularise_target_is_refused() -> None:
    with pytest.raises(ValueError, match="regularise"):
        JEPAPretraining(**SMALL, regularise="pixels")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="target_norm"):
        JEPAPretraining(**SMALL, target_norm="batch")  # type: ignore[arg-type]


def test_centred_targets_keep_only_what_is_specific_to_a_token() -> None:
    generator = torch.Generator().manual_seed(0)
    position = torch.randn(1, 6, 5, generator=generator)  # [1, N, D]: a code per position, shared by every clip
    clip = torch.randn(4, 1, 5, generator=generator)  # [B, 1, D]: a code per clip, shared by its tokens
    specific = 0.01 * torch.randn(4, 6, 5, generator=generator)
    got = centred_targets(position + clip + specific)
    # Position and clip codes are gone; the small token-specific part is all that is left, rescaled to unit RMS.
    expected = specific - specific.mean(dim=0, keepdim=True)
    expected = expected - expected.mean(dim=1, keepdim=True)
    torch.testing.assert_close(got, expected / expected.pow(2).mean().sqrt(), atol=1e-4, rtol=1e-4)
    assert got.pow(2).mean().item() == pytest.approx(1.0)
    torch.testing.assert_close(centred_targets(position + clip), torch.zeros(4, 6, 5), atol=1e-3, rtol=0)


def test_energy_shares_add_up_and_find_the_part_that_dominates() -> None:
    generator = torch.Generator().manual_seed(0)
    position = torch.randn(1, 6, 32, generator=generator)
    clip = torch.randn(8, 1, 32, generator=generator)
    specific = torch.randn(8, 6, 32, generator=generator)
    for tokens, biggest in ((position + 0.1 * specific, "position"), (clip, "clip"), (specific, "specific")):
        shares = energy_shares(tokens.expand(8, 6, 32))
        assert sum(shares.values()) == pytest.approx(1.0, abs=1e-4)
        assert max(shares, key=shares.__getitem__) == biggest and shares[biggest] > 0.6


def test_centred_targets_train_the_encoder_and_watch_the_layer_normed_features() -> None:
    video = torch.rand(4, 8, 3, 18, 32, generator=torch.Generator().manual_seed(0))
    outs = {}
    for norm in ("layer", "centred"):
        torch.manual_seed(0)
        system = JEPAPretraining(**SMALL, target_norm=norm)  # type: ignore[arg-type]
        torch.manual_seed(1)  # the same masks for both
        outs[norm] = system.jepa_loss(video)
        torch.autograd.backward(outs[norm]["loss"])
        assert system.encoder.embed.weight.grad is not None and system.encoder.embed.weight.grad.abs().sum() > 0
    # The loss sees other targets; the collapse monitors do not change with the loss's normalisation.
    assert not torch.allclose(outs["layer"]["loss_jepa"], outs["centred"]["loss_jepa"])
    torch.testing.assert_close(outs["layer"]["target_std"], outs["centred"]["target_std"])


def write_config(tmp_path: Path, extra: str = "") -> Path:
    config = tmp_path / "config.yaml"
    config.write_text(
        f"""
seed_everything: 0
trainer:
  accelerator: cpu
  devices: 1
  max_steps: 4
  logger: false
  enable_progress_bar: false
  default_root_dir: {tmp_path / "run"}
  callbacks:
    - class_path: lightning.pytorch.callbacks.ModelCheckpoint
      init_args: {{dirpath: {tmp_path / "ckpt"}, save_last: true, every_n_train_steps: 2}}
    - class_path: jepa_planner.systems.export.ExportWeights
model:
  class_path: jepa_planner.systems.jepa.JEPAPretraining
  init_args: {{frames: 8, height: 18, width: 32, tubelet: [2, 6, 8], pred_dim: 32, pred_depth: 1, vicreg_weight: 1.0}}
data:
  class_path: tests.jepa_planner.helpers.RandomClipData
  init_args: {{count: 16, frames: 8, height: 18, width: 32, batch_size: 4}}
{extra}"""
    )
    return config


def test_fit_through_the_cli_saves_config_weights_and_card(tmp_path: Path) -> None:
    config = write_config(tmp_path)
    assert main(["fit", "--config", str(config)]) == 0
    run = tmp_path / "run"
    assert (run / "config.yaml").exists(), "LightningCLI saves the resolved config"
    weights = load_file(str(run / "weights.safetensors"))
    assert "encoder.embed.weight" in weights and "target_encoder.embed.weight" in weights
    card = (run / "MODEL_CARD.md").read_text()
    assert "JEPAPretraining" in card and '"vicreg_weight": 1.0' in card and "train/loss" in card


def test_fast_dev_run(tmp_path: Path) -> None:
    config = write_config(tmp_path)
    assert main(["fit", "--config", str(config), "--trainer.fast_dev_run", "true"]) == 0


def _run_state(system: JEPAPretraining, run: L.Trainer) -> dict[str, object]:
    """What an interrupted run must get back: weights, learning rate, EMA momentum and the mask generator."""
    return {
        "weights": {name: tensor.clone() for name, tensor in system.state_dict().items()},
        "lr": [group["lr"] for group in run.optimizers[0].param_groups],
        "momentum": system.momentum(),
        "masks": system.mask_state(),
    }


def test_four_steps_then_a_resume_then_two_equal_six_uninterrupted_steps(tmp_path: Path) -> None:
    data = RandomClipData(count=16, frames=8, height=18, width=32, batch_size=4)
    hparams = {**SMALL, "vicreg_weight": 1.0, "warmup_steps": 3, "ema": (0.5, 1.0), "masks": ("short", "long")}
    # A checkpoint written part-way, as the shipped configs write them (ModelCheckpoint every_n_train_steps).
    every = ModelCheckpoint(dirpath=tmp_path / "ckpt", every_n_train_steps=4, save_top_k=-1, filename="{step}")
    torch.manual_seed(0)
    whole = JEPAPretraining(**hparams)  # type: ignore[arg-type]
    straight = trainer(tmp_path / "whole", max_steps=6, callbacks=[every])
    straight.fit(whole, data)
    expected = _run_state(whole, straight)
    (part,) = (tmp_path / "ckpt").glob("step=4*.ckpt")

    torch.manual_seed(1)  # a fresh process: nothing may depend on the global RNG
    resumed = JEPAPretraining(**hparams)  # type: ignore[arg-type]
    again = trainer(tmp_path / "again", max_steps=6, enable_checkpointing=False)
    again.fit(resumed, data, ckpt_path=str(part))
    assert again.global_step == 6
    got = _run_state(resumed, again)
    assert got["lr"] == pytest.approx(expected["lr"]), "the learning-rate schedule continues where it stopped"
    assert got["momentum"] == pytest.approx(expected["momentum"]), "the EMA momentum follows the step"
    assert got["masks"] == expected["masks"], "the mask generator continues its stream"
    weights, reference = got["weights"], expected["weights"]
    assert isinstance(weights, dict) and isinstance(reference, dict)
    for name, tensor in reference.items():
        torch.testing.assert_close(weights[name], tensor, msg=f"{name} differs from the uninterrupted run")


def test_cli_resumes_last_from_the_previous_logger_version(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # As in the shipped configs: the CSV logger picks the run directory, so a resumed run writes to version_1
    # while its last.ckpt lies in version_0.
    config = write_config(tmp_path)
    text = config.read_text().replace("  logger: false\n", "  log_every_n_steps: 1\n")
    config.write_text(text.replace(f"dirpath: {tmp_path / 'ckpt'}, ", ""))
    assert main(["fit", "--config", str(config), "--trainer.max_steps", "2"]) == 0
    first = tmp_path / "run" / "lightning_logs" / "version_0"
    assert torch.load(first / "checkpoints" / "last.ckpt", weights_only=True)["global_step"] == 2
    capsys.readouterr()

    assert main(["fit", "--config", str(config), "--trainer.max_steps", "3", "--ckpt_path", "last"]) == 0
    assert f"resuming from {first / 'checkpoints' / 'last.ckpt'}" in capsys.readouterr().err
    rows = (tmp_path / "run" / "lightning_logs" / "version_1" / "metrics.csv").read_text().splitlines()[1:]
    steps = sorted({int(row.split(",")[1]) for row in rows if row})  # columns: epoch, step, ...
    assert steps == [2], f"the resumed run trained steps {steps}, not only the third"


def test_cli_resume_without_a_checkpoint_starts_afresh_and_says_so(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = write_config(tmp_path)
    assert main(["fit", "--config", str(config), "--trainer.max_steps", "1", "--ckpt_path", "last"]) == 0
    assert "no last.ckpt under" in capsys.readouterr().err


def test_ddp_on_two_cpu_processes_keeps_ranks_in_step(tmp_path: Path) -> None:
    extra = ""
    config = write_config(tmp_path, extra)
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "jepa_planner.cli",
            "fit",
            "--config",
            str(config),
            "--trainer.devices",
            "2",
            "--trainer.strategy",
            "ddp",
            "--trainer.callbacks+",
            "tests.jepa_planner.helpers.RankChecksum",
            "--trainer.callbacks.path",
            str(tmp_path / "checksum"),
        ],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
        cwd=Path(__file__).parents[3],
    )
    assert result.returncode == 0, result.stderr[-3000:]
    sums = sorted((tmp_path / "checksum").glob("rank*.txt"))
    assert len(sums) == 2, "both ranks trained"
    values = [float(path.read_text()) for path in sums]
    assert values[0] == pytest.approx(values[1], rel=0, abs=0), "DDP keeps the replicas identical"


def test_weights_round_trip_and_mismatches_are_typed(tmp_path: Path) -> None:
    system = JEPAPretraining(**SMALL)  # type: ignore[arg-type]
    path = save_weights(system, tmp_path / "w.safetensors")
    other = JEPAPretraining(**SMALL)  # type: ignore[arg-type]
    load_weights(other, path)
    torch.testing.assert_close(other.encoder.embed.weight, system.encoder.embed.weight)
    with pytest.raises(CheckpointError, match="do not fit"):
        load_weights(JEPAPretraining(**{**SMALL, "pred_dim": 16}), path)  # type: ignore[arg-type]
    broken = tmp_path / "broken.safetensors"
    broken.write_bytes(path.read_bytes()[:100])
    with pytest.raises(CheckpointError, match="damaged"):
        load_weights(other, broken)
    with pytest.raises(CheckpointError, match="no such"):
        load_weights(other, tmp_path / "missing.safetensors")


def test_shape_flags_default_to_the_weights_file_then_to_tiny_cpu(tmp_path: Path) -> None:
    import argparse

    parser = argparse.ArgumentParser()
    add_shape_arguments(parser)
    wide = save_jepa_run(tmp_path / "wide.safetensors", height=72, width=128, tubelet=(4, 12, 16), pred_depth=1)
    config = shape_config(resolve_shape_arguments(parser.parse_args([]), wide))
    assert (config["height"], config["width"], config["tubelet"], config["pred_depth"]) == (72, 128, (4, 12, 16), 1)
    load_weights(JEPAPretraining(**config), wide)  # the resolved shape fits the file
    overridden = shape_config(resolve_shape_arguments(parser.parse_args(["--pred-depth", "3"]), wide))
    assert (overridden["height"], overridden["pred_depth"]) == (72, 3), "a flag given wins over the file"
    missing = shape_config(resolve_shape_arguments(parser.parse_args([]), tmp_path / "missing.safetensors"))
    assert (missing["height"], missing["width"], missing["tubelet"]) == (36, 64, (4, 6, 8)), "tiny-cpu's shape"


def test_weights_command_writes_a_checkpoint_as_safetensors(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config = write_config(tmp_path)
    assert main(["fit", "--config", str(config), "--trainer.max_steps", "2"]) == 0
    last = tmp_path / "ckpt" / "last.ckpt"
    out = tmp_path / "step2.safetensors"
    assert main(["weights", str(last), "-o", str(out)]) == 0
    assert "JEPAPretraining at step 2" in capsys.readouterr().err
    system = load_weights(JEPAPretraining(**SMALL, vicreg_weight=1.0), out)  # type: ignore[arg-type]
    saved = torch.load(last, map_location="cpu", weights_only=True)["state_dict"]
    for name, tensor in system.state_dict().items():
        torch.testing.assert_close(tensor, saved[name])

    assert main(["weights", str(last), "-o", str(out)]) == 1, "an existing file is not replaced without --force"
    assert "--force" in capsys.readouterr().err
    assert main(["weights", str(last), "-o", str(out), "--force"]) == 0
    assert main(["weights", str(last)]) == 0 and last.with_suffix(".safetensors").exists()
    junk = tmp_path / "junk.ckpt"
    junk.write_bytes(b"not a checkpoint")
    assert main(["weights", str(junk), "-o", str(tmp_path / "junk.safetensors")]) == 1
    err = capsys.readouterr().err
    assert "not a readable Lightning checkpoint" in err and "junk.ckpt" in err and "Traceback" not in err
    assert main(["weights", str(tmp_path / "missing.ckpt"), "-o", str(tmp_path / "m.safetensors")]) == 1
    assert "no such checkpoint" in capsys.readouterr().err


def test_random_resized_crop_is_one_crop_per_clip_resized_back() -> None:
    generator = torch.Generator().manual_seed(0)
    video = torch.rand(3, 4, 3, 18, 32, generator=generator)
    whole = random_resized_crop(video, (1.0, 1.0), ratio=(1.0, 1.0), generator=generator)
    torch.testing.assert_close(whole, video, atol=1e-5, rtol=0)  # the whole frame: nothing changes
    # A horizontal ramp from 0 to 1: a crop of a quarter of the area at the frame's aspect spans half of it.
    ramp = torch.linspace(0, 1, 32).expand(2, 4, 3, 18, 32)
    crop = random_resized_crop(ramp, (0.25, 0.25), ratio=(1.0, 1.0), generator=generator)
    assert crop.shape == ramp.shape
    span = crop[..., -1] - crop[..., 0]  # [B, T, C, H]
    torch.testing.assert_close(span, torch.full_like(span, 0.5 * 31 / 32), atol=0.02, rtol=0)
    # The same crop in every frame: a still clip stays still.
    still = torch.rand(2, 1, 3, 18, 32, generator=generator).expand(2, 4, 3, 18, 32)
    cropped = random_resized_crop(still, (0.3, 1.0), generator=generator)
    torch.testing.assert_close(cropped, cropped[:, :1].expand_as(cropped))
    assert not torch.allclose(cropped, still)


def test_training_crops_only_when_asked() -> None:
    with pytest.raises(ValueError, match="crop_scale"):
        JEPAPretraining(**SMALL, crop_scale=(0.5, 0.2))  # type: ignore[arg-type]
    batch = {"frames": torch.rand(2, 8, 3, 18, 32, generator=torch.Generator().manual_seed(0))}
    losses = {}
    for crop in (None, (0.3, 1.0)):
        torch.manual_seed(0)
        system = JEPAPretraining(**SMALL, crop_scale=crop)  # type: ignore[arg-type]
        torch.manual_seed(1)  # the same masks (the crop draws from torch's generator after them)
        losses[crop] = system.training_step(batch, 0)
    assert torch.isfinite(losses[(0.3, 1.0)]) and not torch.allclose(losses[None], losses[(0.3, 1.0)])
