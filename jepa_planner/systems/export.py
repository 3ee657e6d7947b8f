"""Export trained weights as safetensors with a model card, and load them back safely.

At the end of ``fit`` (on rank zero) ``ExportWeights`` writes, into the run's log directory:

- ``weights.safetensors``: the LightningModule's state dict (tensors only; nothing that can run code);
- ``MODEL_CARD.md``: the system, its hyperparameters, the data module's settings and the last logged metrics.

Both are written atomically. ``load_weights`` checks that a file's tensors match a module before loading it.
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

from codegen.media import atomic_path, write_text
from jepa_planner.errors import PlannerError

WEIGHTS_NAME = "weights.safetensors"
CARD_NAME = "MODEL_CARD.md"


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


def model_card(system: L.LightningModule, trainer: L.Trainer) -> str:
    """A Markdown card: what was trained, with which settings and data, and the last metrics."""
    data = getattr(trainer, "datamodule", None)
    data_settings = dict(getattr(data, "hparams", {})) if data is not None else {}
    metrics = {k: round(float(v), 5) for k, v in sorted(trainer.callback_metrics.items())}
    lines = [
        f"# {type(system).__name__}",
        "",
        f"- steps: {trainer.global_step}",
        f"- parameters: {sum(p.numel() for p in system.parameters()):,}",
        f"- weights: `{WEIGHTS_NAME}` (safetensors; load with `jepa_planner.systems.export.load_weights`)",
        "",
        "## Hyperparameters",
        "```json",
        json.dumps(dict(system.hparams), indent=2, sort_keys=True, default=str),
        "```",
        "",
        "## Data",
        "```json",
        json.dumps(data_settings, indent=2, sort_keys=True, default=str),
        "```",
        "",
        "## Last metrics",
        "```json",
        json.dumps(metrics, indent=2, sort_keys=True),
        "```",
        "",
    ]
    return "\n".join(lines)


def run_metadata(system: L.LightningModule) -> dict[str, str]:
    """What a run's weights file says about itself: the system's class and its hyperparameters (JSON)."""
    return {"system": type(system).__name__, "hparams": json.dumps(dict(system.hparams), default=str)}


def _systems() -> dict[str, type[L.LightningModule]]:
    """The systems ``system_from_checkpoint`` rebuilds, by class name: no other class is ever imported."""
    from jepa_planner.systems.action import ActionConditionedTraining
    from jepa_planner.systems.decoder import DecoderTraining
    from jepa_planner.systems.jepa import JEPAPretraining

    return {cls.__name__: cls for cls in (JEPAPretraining, ActionConditionedTraining, DecoderTraining)}


def system_from_checkpoint(path: str | Path) -> tuple[L.LightningModule, int]:
    """The system a Lightning checkpoint of one of our runs holds, with its weights, and the step it was saved at.

    The file is read with ``torch.load(weights_only=True)``, so nothing in it runs; the class comes from the
    hyperparameters LightningCLI stored (``_class_path``) and must be one of this package's systems. Use it to
    probe a run's intermediate checkpoints (``jepa-planner weights``).

    Raises
    ------
    CheckpointError
        The file is missing or not a checkpoint, names no system of ours, or its tensors do not fit that system.
    """
    name = str(path)
    try:
        checkpoint = torch.load(path, map_location="cpu", weights_only=True)
    except FileNotFoundError:
        raise CheckpointError("no such checkpoint", filename=name) from None
    except Exception as exc:  # unpickling, zip and safety errors all say one thing: not a checkpoint we can read
        raise CheckpointError(
            f"not a readable Lightning checkpoint ({type(exc).__name__})",
            filename=name,
            hint="pass a .ckpt from a run's checkpoints/ folder",
        ) from None
    hparams = checkpoint.get("hyper_parameters") if isinstance(checkpoint, dict) else None
    if not isinstance(hparams, dict) or "state_dict" not in checkpoint:
        raise CheckpointError("not a Lightning checkpoint with hyperparameters", filename=name)
    system_name = str(hparams.get("_class_path", "")).rsplit(".", 1)[-1]
    systems = _systems()
    if system_name not in systems:
        raise CheckpointError(
            f"the checkpoint's system {system_name or 'is not named'!s} is not one of {sorted(systems)}",
            filename=name,
            hint="checkpoints of `jepa-planner fit` runs name their system; others cannot be rebuilt here",
        )
    try:
        system = systems[system_name](**{k: v for k, v in hparams.items() if not k.startswith("_")})
    except (TypeError, ValueError) as exc:
        raise CheckpointError(
            f"the stored hyperparameters do not build a {system_name} ({exc})", filename=name
        ) from None
    load_state(system, checkpoint["state_dict"], filename=name, problem=f"the tensors do not fit a {system_name}")
    return system, int(checkpoint.get("global_step", 0))


class ExportWeights(L.Callback):
    """Write ``weights.safetensors`` and ``MODEL_CARD.md`` into the run directory when ``fit`` ends."""

    def on_fit_end(self, trainer: L.Trainer, pl_module: L.LightningModule) -> None:
        # log_dir is a collective under DDP (rank zero broadcasts it): every rank must ask for it.
        directory = Path(trainer.log_dir or trainer.default_root_dir)
        if not trainer.is_global_zero:
            return
        save_weights(pl_module, directory / WEIGHTS_NAME, run_metadata(pl_module))
        write_text(directory / CARD_NAME, model_card(pl_module, trainer))
