"""Planning from storyboard keyframes: the action-conditioned world model fills in the steps between them.

Keyframe ``i`` is the picture after step ``i`` (the picture before the first step is the empty canvas), as in the
transitions the predictor was trained on (``jepa_planner.data.actions``). For each gap, every step the scene
could take next is a candidate: each intro verb on each object not yet shown, and each motion verb, with each of
its parameter choices, on each object on screen. The predictor maps the latent of the picture before the gap and
a candidate to a predicted latent after it. The candidate's energy is the L1 distance from that prediction to
the next keyframe's latent (V-JEPA 2-AC's planning objective). A beam search keeps the ``beam`` cheapest
partial timelines, because which objects are on screen depends on the steps chosen before.

Axis key: c candidates, s spatial tokens, d features.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import torch

from dsl import ir
from jepa_planner.data.actions import ActionArrays, encode_step
from jepa_planner.decoder.decode import DecodedObject
from jepa_planner.decoder.vocab import PALETTE, SHIFT_DIRECTIONS
from jepa_planner.models.action import ActionConditionedPredictor, encode_states
from jepa_planner.models.video import to_video
from jepa_planner.models.vit import VideoViT

_ANGLES = (45.0, 90.0, 180.0, -90.0)
_SHIFTS = ((0.0, 0.5), (0.0, -0.5), (0.5, 0.0), (-0.5, 0.0))
_FACTORS = (0.6, 0.8, 1.2)


@dataclass(frozen=True)
class SearchStep:
    """The step chosen for one gap, and its energy."""

    animation: ir.AnimationBase
    energy: float


def candidate_animations(objects: Mapping[str, ir.ObjectBase], state: dict[str, str]) -> list[ir.AnimationBase]:
    """Every single animation the scene could play next, given which objects are hidden, visible or removed.

    Which candidates apply to an object is read from the IR's table of what each animation needs on screen
    (``dsl.ir.AnimationBase.screen``) and which kinds it takes (``target_kinds``).
    """
    out: list[ir.AnimationBase] = []
    for name, obj in objects.items():
        out += [
            animation
            for animation in _animations(name, obj)
            if animation.screen["target"][0] == state[name]
            and (animation.target_kinds is None or obj.kind in animation.target_kinds)
        ]
    return out


def _animations(name: str, obj: ir.ObjectBase) -> list[ir.AnimationBase]:
    """Every animation of ``name`` the search tries, with each of its parameter choices, whatever is on screen."""
    out = [
        ir.ANIMATION_KINDS[v].model_validate({"target": name})
        for v in ("Create", "Write", "FadeIn", "GrowFromCenter", "DrawBorderThenFill")
    ]
    out += [ir.FadeIn(target=name, shift=d) for d in SHIFT_DIRECTIONS]
    out.append(ir.GrowArrow(target=name))
    out += [ir.Indicate(target=name), ir.Circumscribe(target=name), ir.FadeOut(target=name)]
    out += [ir.Rotate(target=name, angle=a) for a in _ANGLES]
    out += [ir.Shift(target=name, vector=v) for v in _SHIFTS]
    out += [ir.Scale(target=name, factor=f) for f in _FACTORS]
    out += [ir.SetColor(target=name, color=c) for c in PALETTE if c != obj.color]
    return out


def _after(animation: ir.AnimationBase, state: dict[str, str]) -> dict[str, str]:
    new = dict(state)
    for field, (_, after) in animation.screen.items():
        new[getattr(animation, field)] = after
    return new


def _actions(
    scene: ir.Scene, animations: Sequence[ir.AnimationBase], boxes: np.ndarray, names: list[str], run_time: float
) -> dict[str, torch.Tensor]:
    """Action arrays for one-animation steps, encoded exactly as in training (``encode_step``)."""
    labels = {"boxes": boxes[None], "active_step": np.zeros(1, dtype=np.int16), "object_names": names}
    arrays = []
    for animation in animations:
        step = ir.Play(animations=(animation,), run_time=run_time)
        arrays.append(encode_step(scene.model_copy(update={"timeline": (step,)}), 0, labels))
    return {
        key: torch.from_numpy(np.stack([getattr(a, key) for a in arrays])) for key in ActionArrays.__dataclass_fields__
    }


def search_steps(
    encoder: VideoViT,
    predictor: ActionConditionedPredictor,
    scene: ir.Scene,
    decoded: Sequence[DecodedObject],
    keyframes: np.ndarray,
    run_times: Sequence[float],
    *,
    beam: int = 4,
) -> list[SearchStep]:
    """One animation per keyframe that best explains it, by beam search on the predicted latents.

    ``scene`` declares the objects (named in ``decoded`` order), ``keyframes`` is ``[K, H, W, 3]`` uint8 and
    ``run_times`` gives each step's run time.
    """
    objects = {obj.name: obj for obj in scene.objects}
    names = [obj.name for obj in scene.objects]
    boxes = np.array(
        [
            [
                o.center[0] - o.size[0] / 2,
                o.center[1] - o.size[1] / 2,
                o.center[0] + o.size[0] / 2,
                o.center[1] + o.size[1] / 2,
            ]
            for o in decoded
        ],
        dtype=np.float32,
    )
    pictures = np.concatenate([np.zeros_like(keyframes[:1]), keyframes])  # the empty canvas comes first
    with torch.no_grad():
        states = to_video(pictures)
        latents = encode_states(encoder, states)  # [K+1, S, D]
    beams: list[tuple[float, list[SearchStep], dict[str, str]]] = [(0.0, [], {n: "hidden" for n in names})]
    for gap in range(len(keyframes)):
        grown: list[tuple[float, list[SearchStep], dict[str, str]]] = []
        for total, steps, state in beams:
            candidates = candidate_animations(objects, state)
            if not candidates:
                grown.append((total, steps, state))
                continue
            actions = _actions(scene, candidates, boxes, names, run_times[gap])
            with torch.no_grad():
                before = latents[gap].expand(len(candidates), -1, -1)
                predicted = predictor(before, actions)  # [C, S, D]
                energy = (predicted - latents[gap + 1]).abs().mean(dim=(1, 2))  # [C]
            for c in energy.argsort()[:beam].tolist():
                step = SearchStep(candidates[c], float(energy[c]))
                grown.append((total + step.energy, [*steps, step], _after(candidates[c], state)))
        beams = sorted(grown, key=lambda b: b[0])[:beam]
    return beams[0][1]
