"""The HF V-JEPA 2 backbone: shapes, equivalence with HF's own forward, a true context path, freezing, loading.

Every model here is a tiny random ``VJEPA2Config``; nothing is downloaded. ``initializer_range=0.2`` (HF's default
is 0.02) makes attention peaked enough that positions and hidden tokens visibly change the output; at 0.02 the
attention is almost uniform and the tests below that expect a difference would be too weak to mean anything.
"""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path

import pytest
import torch
from torch import nn
from transformers import VJEPA2Config

from jepa_planner.masks import apply_masks
from jepa_planner.models.hf_backbone import BackboneLoadError, VJEPA2Backbone


def tiny_config() -> VJEPA2Config:
    """A 2-layer, 32-wide V-JEPA 2 on 32 x 32 crops: a 4 x 4 token grid per tubelet of 2 frames."""
    return VJEPA2Config(
        hidden_size=32,
        num_hidden_layers=2,
        num_attention_heads=2,
        crop_size=32,
        patch_size=8,
        tubelet_size=2,
        frames_per_clip=4,
        pred_hidden_size=16,
        pred_num_hidden_layers=1,
        pred_num_attention_heads=2,
        num_pooler_layers=1,
        initializer_range=0.2,
    )


def make_backbone(**kwargs: object) -> VJEPA2Backbone:
    torch.manual_seed(0)
    return VJEPA2Backbone(config=tiny_config(), **kwargs)  # type: ignore[arg-type]


def clip(*shape: int, seed: int = 0) -> torch.Tensor:
    """A random clip ``[B, T, C, H, W]`` in [0, 1]."""
    return torch.rand(*shape, generator=torch.Generator().manual_seed(seed))


def random_index(batch: int, n_tokens: int, kept: int, seed: int = 0) -> torch.Tensor:
    """A different random subset of ``kept`` token indices per clip, ``[B, K]``."""
    generator = torch.Generator().manual_seed(seed)
    return torch.stack([torch.randperm(n_tokens, generator=generator)[:kept] for _ in range(batch)])


def every_index(batch: int, n_tokens: int) -> torch.Tensor:
    return torch.arange(n_tokens).expand(batch, n_tokens).contiguous()


@pytest.fixture(scope="module", autouse=True)
def one_thread() -> Iterator[None]:
    """Run this module on one intra-op thread: the tensors are tiny, and on a busy 2-core machine two spinning
    OpenMP threads made each test about 30x slower (1.4 s against 0.05 s)."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


@pytest.fixture(scope="module")
def backbone() -> VJEPA2Backbone:
    return make_backbone(num_frames=8)


def test_forward_shape_for_a_16_9_clip(backbone: VJEPA2Backbone) -> None:
    features = backbone(clip(2, 8, 3, 36, 64))
    assert backbone.token_grid == (4, 4, 4) and backbone.embed_dim == 32
    assert features.shape == (2, 4 * 4 * 4, 32)
    assert torch.isfinite(features).all()


def test_time_is_padded_by_repeating_the_last_frame(backbone: VJEPA2Backbone) -> None:
    video = clip(2, 7, 3, 36, 64)
    padded = torch.cat([video, video[:, -1:]], dim=1)
    assert backbone.token_grid_for(7) == (4, 4, 4)
    torch.testing.assert_close(backbone(video), backbone(padded), rtol=0, atol=0)
    assert backbone(clip(2, 1, 3, 36, 64)).shape == (2, 16, 32)  # shorter than a tubelet: one tubelet


def test_preprocess_resizes_and_normalises_with_imagenet_statistics(backbone: VJEPA2Backbone) -> None:
    mean = torch.tensor([0.485, 0.456, 0.406]).view(1, 1, 3, 1, 1)
    pixels = backbone.preprocess(mean.expand(1, 3, 3, 36, 64))
    assert pixels.shape == (1, 4, 3, 32, 32)
    torch.testing.assert_close(pixels, torch.zeros_like(pixels), rtol=0, atol=1e-6)


def test_forward_is_hf_encoder_output(backbone: VJEPA2Backbone) -> None:
    video = clip(2, 8, 3, 36, 64)
    with torch.no_grad():
        hf = backbone.model(pixel_values_videos=backbone.preprocess(video), skip_predictor=True)
    torch.testing.assert_close(backbone(video), hf.last_hidden_state, rtol=1e-6, atol=1e-6)


def test_context_path_with_every_token_equals_hf_forward(backbone: VJEPA2Backbone) -> None:
    video = clip(2, 8, 3, 36, 64)
    index = every_index(2, 64)
    with torch.no_grad():
        hf = backbone.model(pixel_values_videos=backbone.preprocess(video), context_mask=[index], skip_predictor=True)
    torch.testing.assert_close(backbone.encode_context(video, index), hf.last_hidden_state, rtol=1e-6, atol=1e-6)
    # Shuffled, it is HF's forward shuffled: every token kept its own position, not its place in the sequence.
    shuffled = index[:, torch.randperm(64, generator=torch.Generator().manual_seed(1))]
    torch.testing.assert_close(
        backbone.encode_context(video, shuffled), apply_masks(hf.last_hidden_state, shuffled), rtol=1e-5, atol=1e-5
    )


def test_context_subset_is_not_the_gathered_full_forward(backbone: VJEPA2Backbone) -> None:
    video = clip(2, 8, 3, 36, 64)
    index = random_index(2, 64, kept=20)
    with torch.no_grad():
        hf = backbone.model(pixel_values_videos=backbone.preprocess(video), context_mask=[index], skip_predictor=True)
    context = backbone.encode_context(video, index)
    assert context.shape == (2, 20, 32)
    assert hf.masked_hidden_state.shape == context.shape  # HF's own masking: the full forward, gathered
    assert (context - hf.masked_hidden_state).abs().max() > 0.1


def test_hidden_tokens_do_not_reach_the_context(backbone: VJEPA2Backbone) -> None:
    video = clip(1, 8, 3, 32, 32)
    changed = video.clone()
    changed[:, 4:] = clip(1, 4, 3, 32, 32, seed=1)  # frames 4..7 are tubelets 2 and 3, tokens 32..63
    index = every_index(1, 32)  # the context is tubelets 0 and 1 only
    torch.testing.assert_close(backbone.encode_context(changed, index), backbone.encode_context(video, index))
    # The full forward attends over the changed tokens, so the same tokens do move there.
    assert (backbone(changed)[:, :32] - backbone(video)[:, :32]).abs().max() > 0.1


def test_gathered_tokens_keep_their_original_positions(backbone: VJEPA2Backbone) -> None:
    video = clip(2, 8, 3, 36, 64)
    index = random_index(2, 64, kept=24, seed=2)
    context = backbone.encode_context(video, index)
    perm = torch.randperm(24, generator=torch.Generator().manual_seed(3))
    torch.testing.assert_close(backbone.encode_context(video, index[:, perm]), context[:, perm], rtol=1e-5, atol=1e-5)
    # Not vacuous: numbering the same tokens 0..K-1, as HF's layers do without ids, gives other features.
    encoder = backbone.model.encoder
    with torch.no_grad():
        tokens = apply_masks(encoder.embeddings(backbone.preprocess(video)), index)
        for layer in encoder.layer:
            tokens = layer(tokens, None)[0]
        renumbered = encoder.layernorm(tokens)
    assert (renumbered - context).abs().max() > 0.1


def test_a_16_9_input_size_places_tokens_at_their_true_rows_and_columns(backbone: VJEPA2Backbone) -> None:
    wide = make_backbone(input_size=(16, 32), num_frames=4)
    wide.load_state_dict(backbone.state_dict())
    assert wide.token_grid == (2, 2, 4)
    video = clip(1, 4, 3, 16, 32)
    square_video = torch.cat([video, clip(1, 4, 3, 16, 32, seed=5)], dim=-2)  # the wide clip on the top rows
    top_rows = torch.tensor([[t * 16 + h * 4 + w for t in range(2) for h in range(2) for w in range(4)]])
    torch.testing.assert_close(wide(video), backbone.encode_context(square_video, top_rows), rtol=1e-5, atol=1e-5)
    with pytest.raises(ValueError, match="input_size"):
        make_backbone(input_size=(40, 32))
    with pytest.raises(ValueError, match="input_size"):
        make_backbone(input_size=(20, 32))


def test_frozen_backbone_has_no_gradients_and_stays_in_eval_mode() -> None:
    frozen = make_backbone()
    frozen.train()
    assert not frozen.training and not any(module.training for module in frozen.modules())
    assert not any(parameter.requires_grad for parameter in frozen.parameters())
    head = nn.Linear(32, 1)
    video = clip(2, 4, 3, 36, 64)
    features = frozen(video)
    context = frozen.encode_context(video, random_index(2, 32, kept=8))
    assert not features.requires_grad and not context.requires_grad
    torch.autograd.backward(head(features).sum() + head(context).sum())
    assert head.weight.grad is not None and head.weight.grad.abs().sum() > 0
    assert all(parameter.grad is None for parameter in frozen.parameters())


def test_unfrozen_backbone_trains() -> None:
    trainable = make_backbone(freeze=False)
    trainable.train()
    assert trainable.training and trainable.model.encoder.layer[0].training
    torch.autograd.backward(trainable.encode_context(clip(2, 4, 3, 36, 64), random_index(2, 32, kept=8)).sum())
    grad = trainable.model.encoder.embeddings.patch_embeddings.proj.weight.grad
    assert grad is not None and grad.abs().sum() > 0


def test_loads_from_a_local_directory(backbone: VJEPA2Backbone, tmp_path: Path) -> None:
    backbone.model.save_pretrained(tmp_path)  # transformers 5 always writes safetensors
    assert (tmp_path / "model.safetensors").is_file()
    loaded = VJEPA2Backbone(model_name_or_path=str(tmp_path), num_frames=8)
    assert loaded.frozen and not loaded.training
    video = clip(2, 8, 3, 36, 64)
    torch.testing.assert_close(loaded(video), backbone(video), rtol=0, atol=0)


def test_missing_weights_give_a_clear_error_offline(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    attempts: list[object] = []

    def no_network(self: socket.socket, address: object) -> None:
        attempts.append(address)
        raise OSError("the network is off in this test")

    monkeypatch.setattr(socket.socket, "connect", no_network)
    missing = tmp_path / "no_such_model"
    with pytest.raises(BackboneLoadError, match="no_such_model") as missing_error:
        VJEPA2Backbone(model_name_or_path=str(missing))
    assert isinstance(missing_error.value, ValueError)
    assert missing_error.value.hint is not None and "local directory" in missing_error.value.hint
    with pytest.raises(BackboneLoadError, match="local directory"):  # a directory without weights: HF, offline
        VJEPA2Backbone(model_name_or_path=str(tmp_path))
    assert attempts == [], "a local path must never reach for the network"


def test_bad_arguments_are_rejected(backbone: VJEPA2Backbone) -> None:
    with pytest.raises(ValueError, match="exactly one"):
        VJEPA2Backbone()
    with pytest.raises(ValueError, match="exactly one"):
        VJEPA2Backbone(model_name_or_path="x", config=tiny_config())
    video = clip(2, 4, 3, 36, 64)
    with pytest.raises(ValueError, match="int64"):
        backbone.encode_context(video, torch.zeros(2, 3))
    with pytest.raises(ValueError, match=r"\[0, 32\)"):
        backbone.encode_context(video, torch.full((2, 3), 32))
    with pytest.raises(ValueError, match="RGB video"):
        backbone(clip(2, 4, 36, 64))
