"""The scene decoder: shapes, matched targets, a training step that learns, and decoding that is always valid."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

from codegen.compiler import compile_scene
from dsl.checks import check
from dsl.parser import parse
from dsl.printer import to_text
from jepa_planner.decoder.decode import decode_scene
from jepa_planner.decoder.model import SceneDecoder, migrate_state
from jepa_planner.decoder.targets import batch_targets
from jepa_planner.decoder.vocab import KINDS, NO_OBJECT, ObjectHead
from jepa_planner.systems.decoder import DecoderTraining, match
from tests.jepa_planner.helpers import fit_batch


def test_shapes() -> None:
    decoder = SceneDecoder(dim=32, slots=4, width=32, depth=1, heads=2)
    memory, predicted = decoder.objects(torch.randn(2, 10, 32))
    assert memory.shape == (2, 10, 32)
    assert predicted["kind"].shape == (2, 4, len(KINDS) + 1)
    assert predicted["box"].shape == (2, 4, 4) and predicted["appear"].shape == (2, 4)
    targets = torch.tensor([[decoder.vocab.id("play"), decoder.vocab.pointer(3), -1]])
    inputs = decoder.input_ids(targets)
    assert inputs.tolist() == [[decoder.start, decoder.vocab.id("play"), decoder.vocab.pointer(3) + 1]]
    logits = decoder.steps(memory[:1], predicted["state"][:1], inputs)
    assert logits.shape == (1, 3, len(decoder.vocab))


def test_targets_follow_the_labels(labelled_batch: dict[str, object]) -> None:
    decoder = SceneDecoder(dim=128)
    targets = batch_targets(labelled_batch, decoder.vocab)
    texts = labelled_batch["dsl"]
    assert isinstance(texts, list)
    for text, target in zip(texts, targets, strict=True):
        scene = parse(text)
        assert [KINDS[k] for k in target.kind.tolist()] == [o.kind for o in scene.objects]  # L2: all decodable
        assert target.box[:, 2:].gt(0).all() and target.appear.le(1).all()
        assert target.tokens[-1] == decoder.vocab.id("$END")


def test_matching_is_a_permutation() -> None:
    decoder = SceneDecoder(dim=16, slots=5, width=16, depth=1, heads=2)
    _, predicted = decoder.objects(torch.randn(1, 6, 16))
    from jepa_planner.decoder.targets import SceneTargets

    target = SceneTargets(
        kind=torch.tensor([0, 3]),
        color=torch.tensor([1, -100]),
        fill=torch.tensor([0, 1]),
        box=torch.rand(2, 4),
        appear=torch.rand(2),
        tokens=[],
        settled=torch.tensor([3, 9]),
    )
    slots = match(predicted, target, 0)
    assert len(set(slots.tolist())) == 2 and all(0 <= s < 5 for s in slots.tolist())


def test_a_few_steps_fit_a_small_batch(labelled_batch: dict[str, object]) -> None:
    torch.manual_seed(0)
    system = DecoderTraining(decoder_width=64, decoder_depth=1)
    first, last = fit_batch(system, labelled_batch, steps=40)
    assert float(last["loss"]) < 0.5 * float(first["loss"])
    assert float(last["token_accuracy"]) > 0.6


@pytest.mark.parametrize("seed", range(6))
def test_decoding_is_valid_even_for_a_random_model(seed: int) -> None:
    torch.manual_seed(seed)
    decoder = SceneDecoder(dim=32, slots=6, width=32, depth=1, heads=2).eval()
    with torch.no_grad():
        memory, predicted = decoder.objects(torch.randn(1, 12, 32))
    generator = torch.Generator().manual_seed(seed)
    decoded = decode_scene(decoder, memory, predicted, temperature=1.0 if seed % 2 else 0.0, generator=generator)
    assert not decoded.repaired
    assert check(decoded.scene) == []
    assert parse(to_text(decoded.scene)) == decoded.scene
    compile(compile_scene(decoded.scene), "<planned>", "exec")
    kinds = {o.kind for o in decoded.scene.objects}
    assert kinds <= set(KINDS) and NO_OBJECT == len(KINDS)


def test_without_masks_a_failed_decode_is_repaired_not_raised() -> None:
    torch.manual_seed(0)
    decoder = SceneDecoder(dim=32, slots=6, width=32, depth=1, heads=2, max_tokens=40).eval()
    with torch.no_grad():
        memory, predicted = decoder.objects(torch.randn(1, 12, 32))
    repaired = 0
    for seed in range(6):
        decoded = decode_scene(
            decoder,
            memory,
            predicted,
            temperature=1.0,
            grammar_mask=False,
            semantic_mask=False,
            generator=torch.Generator().manual_seed(seed),
        )
        assert check(decoded.scene) == []
        repaired += decoded.repaired
    assert repaired > 0  # random unmasked tokens do not make a valid timeline


def test_decoder_weights_round_trip(tmp_path: Path) -> None:
    system = DecoderTraining(decoder_width=32, decoder_depth=1)
    from jepa_planner.systems.weights import load_weights, save_weights

    save_weights(system, tmp_path / "w.safetensors")
    other = DecoderTraining(decoder_width=32, decoder_depth=1)
    load_weights(other, tmp_path / "w.safetensors")
    for (name, a), (_, b) in zip(system.state_dict().items(), other.state_dict().items(), strict=True):
        assert torch.equal(a, b), name


def test_objectness_targets_point_at_the_token_of_each_object(labelled_batch: dict[str, object]) -> None:
    from jepa_planner.decoder.targets import object_tokens

    decoder = SceneDecoder(dim=128)
    grid, frames = (4, 6, 8), 16
    boxes = labelled_batch["boxes"]
    assert isinstance(boxes, torch.Tensor)
    for i, target in enumerate(batch_targets(labelled_batch, decoder.vocab)):
        found = object_tokens(target, grid, frames)
        assert found.shape == target.kind.shape and found.max() < 4 * 6 * 8
        slot, rest = found // 48, found % 48
        row, col = rest // 8, rest % 8
        for m in range(len(found)):
            left, bottom, right, top = boxes[i, int(target.settled[m]), m].tolist()
            x, y = (left + right) / 2, (bottom + top) / 2  # Manim units: 64 px span 14.22 units, 36 px 8
            assert int((x + 64 / 9) / (128 / 9) * 8) == int(col[m])
            assert int((4 - y) / 8 * 6) == int(row[m])
            assert int(slot[m]) == int(target.settled[m]) // 4


def test_the_pixel_pathway_needs_the_clip() -> None:
    decoder = SceneDecoder(dim=32, slots=3, width=32, depth=1, heads=2, pixels=(4, 6, 8))
    with pytest.raises(ValueError, match="pass the clip"):
        decoder.objects(torch.randn(1, 192, 32))
    memory, predicted = decoder.objects(torch.randn(1, 192, 32), torch.rand(1, 16, 3, 36, 64))
    assert memory.shape == (1, 192, 32) and predicted["proposals"].shape == (1, 3)


@pytest.mark.parametrize("object_head", ["set", "sequence"])
def test_weights_saved_before_the_heads_were_split_still_load(object_head: ObjectHead) -> None:
    torch.manual_seed(0)
    decoder = SceneDecoder(dim=16, slots=3, width=16, depth=1, heads=2, object_head=object_head)
    state = {f"decoder.{k}": v for k, v in decoder.state_dict().items()}
    old_name = "sequence." if object_head == "sequence" else ""
    old = {k.replace("decoder.head.", f"decoder.{old_name}"): v for k, v in state.items()}
    assert old.keys() != state.keys(), "the old layout names the head's tensors differently"
    assert migrate_state(old).keys() == state.keys()
    assert migrate_state(state).keys() == state.keys(), "a state in the new layout is left alone"
    assert migrate_state({"encoder.queries": state["decoder.word.weight"]}).keys() == {"encoder.queries"}
