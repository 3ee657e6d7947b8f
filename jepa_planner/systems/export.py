"""Export a run's weights as safetensors with a model card, and rebuild a system from a Lightning checkpoint.

At the end of ``fit`` (on rank zero) ``ExportWeights`` writes, into the run's log directory:

- ``weights.safetensors``: the LightningModule's state dict (tensors only; nothing that can run code);
- ``MODEL_CARD.md``: the system, its hyperparameters, the data module's settings and the last logged metrics.

Both are written atomically. Reading weights files back is ``jepa_planner.systems.weights``.
"""

from __future__ import annotations

import json
from pathlib import Path

import lightning as L
import torch

from codegen.media import write_text
from jepa_planner.systems.action import ActionConditionedTraining
from jepa_planner.systems.decoder import DecoderTraining
from jepa_planner.systems.jepa import JEPAPretraining
from jepa_planner.systems.weights import CheckpointError, load_state, run_metadata, save_weights

WEIGHTS_NAME = "weights.safetensors"
CARD_NAME = "MODEL_CARD.md"


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
        f"- weights: `{WEIGHTS_NAME}` (safetensors; load with `jepa_planner.systems.weights.load_weights`)",
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


#: The systems ``system_from_checkpoint`` rebuilds, by class name: no other class is ever imported.
SYSTEMS: dict[str, type[L.LightningModule]] = {
    cls.__name__: cls for cls in (JEPAPretraining, ActionConditionedTraining, DecoderTraining)
}


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
    systems = SYSTEMS
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
