"""Weights files: save a module's tensors as safetensors, read them back safely, and what a run's file says.

A leaf of ``jepa_planner.systems``: the systems, the export callback and the planner files all import it, and it
imports none of them. ``load_weights`` checks that a file's tensors match a module before loading it; every
missing, damaged or mismatched file is a ``CheckpointError``.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import lightning as L
import torch
from safetensors import SafetensorError, safe_open
from safetensors.torch import load_file, save_file

from codegen.media import atomic_path
from jepa_planner.errors import PlannerError


class CheckpointError(PlannerError):
    """A weights file is missing, damaged, or belongs to another model."""

    code = "checkpoint error"


def save_weights(module: torch.nn.Module, path: Path, metadata: dict[str, str] | None = None) -> Path:
    """Save a module's state dict as safetensors (contiguous, shared tensors cloned)."""
    state = {name: tensor.detach().contiguous().clone() for name, tensor in module.state_dict().items()}
    with atomic_path(path) as temp:
        save_file(state, str(temp), metadata=metadata or {})
    return path


@contextmanager
def reading_weights(path: str | Path) -> Iterator[None]:
    """Turn a missing or unreadable safetensors file, met while reading ``path``, into a ``CheckpointError``."""
    try:
        yield
    except FileNotFoundError:
        raise CheckpointError("no such weights file", filename=str(path)) from None
    except (SafetensorError, OSError, ValueError) as exc:
        raise CheckpointError(
            f"the weights file is damaged: {exc}", filename=str(path), hint="export it again from the run's checkpoint"
        ) from None


def read_run_metadata(path: str | Path) -> tuple[str | None, dict[str, Any]]:
    """What ``run_metadata`` wrote into a weights file: the system's class name (None if absent) and its
    hyperparameters, without the keys LightningCLI adds (``_class_path`` ...)."""
    with reading_weights(path), safe_open(str(path), framework="pt") as handle:
        metadata = handle.metadata() or {}
    try:
        hparams = json.loads(metadata.get("hparams", "{}"))
    except ValueError as exc:
        raise CheckpointError(f"the stored hyperparameters are not JSON ({exc})", filename=str(path)) from None
    return metadata.get("system"), {key: value for key, value in hparams.items() if not key.startswith("_")}


def load_weights(module: torch.nn.Module, path: str | Path) -> torch.nn.Module:
    """Load safetensors weights into ``module``; a missing, damaged or mismatched file is a ``CheckpointError``."""
    path = Path(path)
    with reading_weights(path):
        state = load_file(str(path))
    load_state(
        module,
        state,
        filename=str(path),
        problem="the weights do not fit this model",
        hint="check that the config (preset, resolution, tubelet) matches the one trained",
    )
    return module


def load_state(
    module: torch.nn.Module, state: dict[str, torch.Tensor], *, filename: str, problem: str, hint: str | None = None
) -> None:
    """Load ``state`` into ``module`` (casting dtypes), or raise a ``CheckpointError`` saying ``problem`` and
    which tensor is missing, unexpected or of the wrong shape."""
    expected = module.state_dict()
    missing = sorted(set(expected) - set(state))
    unexpected = sorted(set(state) - set(expected))
    wrong = sorted(k for k in set(expected) & set(state) if expected[k].shape != state[k].shape)
    if missing or unexpected or wrong:
        detail = (
            f"missing {missing[:3]}"
            if missing
            else f"unexpected {unexpected[:3]}"
            if unexpected
            else f"shape of {wrong[0]} is {tuple(state[wrong[0]].shape)}, expected {tuple(expected[wrong[0]].shape)}"
        )
        raise CheckpointError(f"{problem} ({detail})", filename=filename, hint=hint)
    module.load_state_dict(state)


def run_metadata(system: L.LightningModule) -> dict[str, str]:
    """What a run's weights file says about itself: the system's class and its hyperparameters (JSON)."""
    return {"system": type(system).__name__, "hparams": json.dumps(dict(system.hparams), default=str)}
