"""The plain autoregressive object head: its tokens, a training step that learns, decoding into the set head's
format, and a planner file that carries it."""

from __future__ import annotations

import math
from pathlib import Path

import pytest
import torch

from dsl.checks import check
from jepa_planner.decoder.decode import decode_scene, pick_objects
from jepa_planner.decoder.model import SceneDecoder
from jepa_planner.decoder.sequence import APPEAR_BINS, FIELDS, POSITION_BINS, ObjectSequence
from jepa_planner.decoder.targets import SceneTargets, batch_targets
from jepa_planner.decoder.vocab import COLORS, FILLS, IGNORE, KINDS, NO_OBJECT
from jepa_planner.planning.model import export_planner, load_planner, save_planner
from jepa_planner.planning.plan import Spec, plan_with_decoder
from jepa_planner.systems.decoder import DecoderTraining
from jepa_planner.systems.weights import run_metadata, save_weights
from tests.jepa_planner.helpers import fit_batch


def head(slots: int = 3) -> ObjectSequence:
    return ObjectSequence(
        kinds=len(KINDS), colors=len(COLORS), fills=len(FILLS), slots=slots, width=32, depth=1, heads=2
    )


def one_target() -> SceneTargets:
    return SceneTargets(
        kind=torch.tensor([2, 10]),
        color=torch.tensor([4, IGNORE]),
        fill=torch.tensor([1, 0]),
        box=torch.tensor([[-0.5, 0.25, 0.09, 0.16], [0.99, -1.0, 0.0, 1.0]]),
        appear=torch.tensor([0.0, 0.6]),
        tokens=[0],
        settled=torch.tensor([0, 9]),
    )


def test_tokens_write_each_field_in_its_own_range() -> None:
    sequence = head()
    tokens = sequence.tokens(one_target())
    assert len(tokens) == 2 * len(FIELDS) + 1 and tokens[-1] == sequence.stop
    first, second = tokens[: len(FIELDS)], tokens[len(FIELDS) : -1]
    offsets = sequence.offsets
    assert first[0] - offsets[0] == 2 and first[1] - offsets[1] == 4 and first[2] - offsets[2] == 1
    assert first[3] - offsets[3] == POSITION_BINS // 4  # x = -0.5 in [-1, 1]
    assert first[5] - offsets[5] == int(math.sqrt(0.09) * POSITION_BINS)  # sizes are binned by their square root
    assert second[1] == IGNORE, "an unknown colour is left out of the loss"
    assert second[3] - offsets[3] == POSITION_BINS - 1 and second[4] - offsets[4] == 0
    assert second[7] - offsets[7] == int(0.6 * APPEAR_BINS)
    for position, token in enumerate(tokens[:-1]):
        if token != IGNORE:
            assert sequence.allowed[position % len(FIELDS), token], "every token lies in its field's range"


def test_inputs_shift_the_targets_and_feed_unknowns_as_a_token() -> None:
    sequence = head()
    targets = torch.tensor([sequence.tokens(one_target())])
    inputs = sequence.inputs(targets)
    assert inputs[0, 0] == sequence.start and torch.equal(inputs[0, 2:9], targets[0, 1:8])
    assert inputs[0, len(FIELDS) + 2] == sequence.offsets[1], "the unknown colour is fed as the first colour"
    padded = sequence.inputs(torch.tensor([[sequence.offsets[0], sequence.stop, -1]]))
    assert padded.tolist() == [[sequence.start, sequence.offsets[0], sequence.stop]]


def test_a_few_steps_fit_a_small_batch_and_decode_what_was_learned(labelled_batch: dict[str, object]) -> None:
    torch.manual_seed(0)
    system = DecoderTraining(decoder_width=64, decoder_depth=1, object_head="sequence")
    first, last = fit_batch(system, labelled_batch, steps=60)
    assert set(first) >= {"loss", "loss_objects", "loss_steps", "kind_accuracy", "token_accuracy"}
    assert last["loss"].item() < 0.5 * first["loss"].item()
    assert float(last["kind_accuracy"]) > 0.8 and float(last["token_accuracy"]) > 0.6
    targets = batch_targets(labelled_batch, system.decoder.vocab)
    frames = labelled_batch["frames"]
    assert isinstance(frames, torch.Tensor)
    system.eval()
    with torch.no_grad():
        memory, predicted = system.decoder.objects(system.encoder(frames[:2]), frames[:2])
    for index in range(2):
        decoded = [KINDS.index(o.kind) for o in pick_objects(predicted, index)]
        assert sorted(decoded) == sorted(targets[index].kind.tolist()), "greedy decoding writes the fitted objects"


def test_decoding_has_the_set_heads_format_and_is_valid() -> None:
    torch.manual_seed(0)
    decoder = SceneDecoder(dim=32, slots=4, width=32, depth=1, heads=2, object_head="sequence").eval()
    memory, predicted = decoder.objects(torch.randn(2, 12, 32))
    assert predicted["kind"].shape == (2, 4, len(KINDS) + 1) and predicted["state"].shape == (2, 4, 32)
    assert predicted["box"].shape == (2, 4, 4) and predicted["appear"].shape == (2, 4)
    probabilities = predicted["kind"].softmax(-1)
    assert torch.allclose(probabilities.sum(-1), torch.ones(2, 4))
    written = probabilities[..., NO_OBJECT] < 0.5
    assert torch.all(written[:, :-1] >= written[:, 1:]), "objects fill the first slots; the rest are empty"
    decoded = decode_scene(decoder, memory[:1], {k: v[:1] for k, v in predicted.items()})
    assert not decoded.repaired and check(decoded.scene) == []
    with pytest.raises(ValueError, match="object_head"):
        SceneDecoder(dim=32, object_head="tree")  # type: ignore[arg-type]


def test_a_planner_carries_the_sequence_head(tmp_path: Path) -> None:
    torch.manual_seed(0)
    system = DecoderTraining(decoder_width=32, decoder_depth=1, slots=4, max_tokens=48, object_head="sequence")
    weights = save_weights(system, tmp_path / "weights.safetensors", run_metadata(system))
    planner = load_planner(save_planner(export_planner(weights), tmp_path / "planner.safetensors"))
    assert planner.config.object_head == "sequence" and planner.config.slots == 4
    assert planner.decoder.object_head == "sequence" and isinstance(planner.decoder.head, ObjectSequence)
    clip = torch.randint(0, 256, (16, 36, 64, 3), dtype=torch.uint8).numpy()
    result = plan_with_decoder(Spec(clip=clip, name="Sequenced"), planner=planner)
    assert check(result.scene) == [] and result.scene.name == "Sequenced"


@pytest.mark.parametrize(("stop_bias", "objects"), [(50.0, 0), (-50.0, 3)])
def test_decoding_stops_at_stop_or_when_every_slot_is_written(stop_bias: float, objects: int) -> None:
    torch.manual_seed(0)
    sequence = head(slots=3).eval()
    with torch.no_grad():
        sequence.out.bias[sequence.stop] = stop_bias
    predicted = sequence.decode(torch.randn(1, 12, 32), NO_OBJECT)
    written = predicted["kind"][0].softmax(-1)[:, NO_OBJECT] < 0.5
    assert int(written.sum()) == objects and bool(written[:objects].all())
    assert (predicted["state"][0, :objects].abs().sum(-1) > 0).all(), "each written object hands on its state"
    assert (predicted["state"][0, objects:] == 0).all()
