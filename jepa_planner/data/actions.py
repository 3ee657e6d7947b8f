"""Actions for the action-conditioned world model: a timeline step as ids and numbers, and keyframe transitions.

A step becomes ``ACTION_SLOTS`` slots (one per animation played together). Each slot holds a verb id, the target's
kind and colour ids, where the target is (its box centre and size, from the clip's labels, in units of the half
frame), and two parameters of the verb (a shift's vector, a rotation's angle, a scale's factor, ...). The step's
run time and whether it is lagged are shared.

A clip gives a sequence of transitions: the picture before each played step, the step, and the picture after.
The first "before" picture is the empty frame; the later ones are the keyframes of the previous steps.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from codegen.runtime import FRAME_HEIGHT, FRAME_WIDTH
from dsl import ir
from dsl.order import leaves
from dsl.vocabulary import COLOR_NAMES, DIRECTIONS

ACTION_SLOTS = 2
#: Verb vocabulary: every animation kind, then wait, then an empty slot.
VERBS: tuple[str, ...] = (*ir.ANIMATION_KINDS, "wait", "none")
KINDS: tuple[str, ...] = (*ir.OBJECT_KINDS, "none")
#: Palette colours, then "other" (hex) and "none".
COLORS: tuple[str, ...] = (*COLOR_NAMES, "other", "none")
#: Continuous features per slot: x, y, width, height (half-frame units), visible, two verb parameters.
SLOT_FEATURES = 7
HALF_WIDTH, HALF_HEIGHT = FRAME_WIDTH / 2, FRAME_HEIGHT / 2


@dataclass(frozen=True)
class ActionArrays:
    """One step as arrays: ``verb``, ``kind``, ``color``, ``to_color`` ``[S]`` int64; ``slots`` ``[S, F]``;
    ``step`` ``[2]`` float32 (run time / 3, lagged)."""

    verb: np.ndarray
    kind: np.ndarray
    color: np.ndarray
    to_color: np.ndarray
    slots: np.ndarray
    step: np.ndarray


def _color_id(color: str | None) -> int:
    if color is None:
        return COLORS.index("none")
    return COLORS.index(color) if color in COLORS else COLORS.index("other")


def _target_box(name: str, scene: ir.Scene, labels: dict[str, Any], step: int) -> tuple[float, ...]:
    """Centre and size of ``name`` (a group: the union of its members) when the step plays, else zeros."""
    names = list(labels["object_names"])
    boxes, active = labels["boxes"], labels["active_step"]  # [T, N, 4], [T]
    members = [names.index(leaf) for leaf in leaves(name, scene.object_map()) if leaf in names]
    if not members:
        return (0.0, 0.0, 0.0, 0.0, 0.0)
    frames = list(np.flatnonzero(active == step)) + list(range(len(active)))
    for t in frames:
        region = boxes[t, members]  # [M, 4]
        shown = region[~np.isnan(region[:, 0])]
        if len(shown):
            left, bottom = shown[:, 0].min(), shown[:, 1].min()
            right, top = shown[:, 2].max(), shown[:, 3].max()
            return (
                (left + right) / 2 / HALF_WIDTH,
                (bottom + top) / 2 / HALF_HEIGHT,
                (right - left) / 2 / HALF_WIDTH,
                (top - bottom) / 2 / HALF_HEIGHT,
                1.0,
            )
    return (0.0, 0.0, 0.0, 0.0, 0.0)


def _parameters(animation: ir.AnimationBase) -> tuple[float, float]:
    if isinstance(animation, ir.Shift):
        return (animation.vector[0] / 2, animation.vector[1] / 2)
    if isinstance(animation, ir.MoveTo):
        return (animation.point[0] / HALF_WIDTH, animation.point[1] / HALF_HEIGHT)
    if isinstance(animation, ir.Rotate):
        return (math.sin(math.radians(animation.angle)), math.cos(math.radians(animation.angle)))
    if isinstance(animation, ir.Scale):
        return (animation.factor - 1.0, 0.0)
    if isinstance(animation, ir.FadeIn | ir.FadeOut) and animation.shift is not None:
        return DIRECTIONS[animation.shift]
    return (0.0, 0.0)


def encode_step(scene: ir.Scene, step_index: int, labels: dict[str, Any]) -> ActionArrays:
    """The action arrays of ``scene.timeline[step_index]``; ``labels`` holds ``boxes``, ``active_step`` and
    ``object_names`` as stored in a shard."""
    step = scene.timeline[step_index]
    verb = np.full(ACTION_SLOTS, VERBS.index("none"), dtype=np.int64)
    kind = np.full(ACTION_SLOTS, KINDS.index("none"), dtype=np.int64)
    color = np.full(ACTION_SLOTS, COLORS.index("none"), dtype=np.int64)
    to_color = np.full(ACTION_SLOTS, COLORS.index("none"), dtype=np.int64)
    slots = np.zeros((ACTION_SLOTS, SLOT_FEATURES), dtype=np.float32)
    shared = np.zeros(2, dtype=np.float32)
    if isinstance(step, ir.Wait):
        verb[0] = VERBS.index("wait")
        shared[0] = step.duration / 3
    elif isinstance(step, ir.Play):
        shared[:] = ((step.run_time or 1.0) / 3, float(step.lag_ratio is not None))
        objects = scene.object_map()
        for slot, animation in enumerate(step.animations[:ACTION_SLOTS]):
            target = objects[animation.target]
            verb[slot] = VERBS.index(animation.kind)
            kind[slot] = KINDS.index(target.kind)
            color[slot] = _color_id(target.color)
            if isinstance(animation, ir.SetColor):
                to_color[slot] = _color_id(animation.color)
            elif isinstance(animation, ir.Transform | ir.ReplacementTransform):
                to_color[slot] = _color_id(objects[animation.into].color)
            slots[slot, :5] = _target_box(animation.target, scene, labels, step_index)
            slots[slot, 5:] = _parameters(animation)
    return ActionArrays(verb, kind, color, to_color, slots, shared)


def transitions(scene: ir.Scene, arrays: dict[str, np.ndarray], object_names: list[str]) -> dict[str, np.ndarray]:
    """A clip's transitions: ``states`` ``[L+1, H, W, 3]`` (empty frame, then keyframes) and stacked actions
    ``[L, ...]`` for its ``L`` played steps."""
    keyframes, keyframe_steps = arrays["keyframes"], arrays["keyframe_steps"]
    played = [i for i, step in enumerate(keyframe_steps) if step >= 0]
    labels = {"boxes": arrays["boxes"], "active_step": arrays["active_step"], "object_names": object_names}
    actions = [encode_step(scene, int(keyframe_steps[i]), labels) for i in played]
    states = np.concatenate([np.zeros_like(keyframes[:1]), keyframes[played]], axis=0)
    return {
        "states": states,
        **{name: np.stack([getattr(a, name) for a in actions]) for name in ActionArrays.__dataclass_fields__},
    }
