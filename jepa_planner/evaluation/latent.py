"""JEPA-latent distance between a target clip and the render of a prediction: our own yardstick, never a headline.

``LatentDistance`` fits both clips to a frozen encoder and reports their ``models.video.latent_distance``: the mean
absolute difference of their layer-normed tokens, the L1 energy V-JEPA 2-AC minimises between a predicted latent
and a goal's, and the energy ``plan`` reports. It says how far
apart the world model *sees* the two clips. Since the planner was trained in that same space, a low figure is
weaker evidence than a high SSIM or render-log F1, which is why DESIGN.md keeps it out of the headline.

Which encoder measures it matters more than for any other metric: distances from two encoders are not comparable.
``jepa_target_encoder`` loads the EMA target encoder of a JEPA run's ``weights.safetensors`` (its shape comes from the
hyperparameters the run stored with the weights), so that every planner of one report is measured with the same
yardstick; without one, the harness measures each planner with its own ``Planner.world_encoder``.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from torch import nn

from jepa_planner.models.video import latent_distance
from jepa_planner.planning.inputs import fit_clip
from jepa_planner.systems.weights import CheckpointError, read_run_metadata


class LatentDistance:
    """Mean L1 distance between the layer-normed tokens of two clips under one frozen encoder.

    Parameters
    ----------
    encoder
        Maps ``[B, T, 3, H, W]`` in [0, 1] to tokens ``[B, N, D]``; it is used in eval mode, without gradients.
    frames, size
        The clip length and ``(width, height)`` the encoder takes; clips of another size or length are resampled
        and resized first, as ``plan`` does.

    Examples
    --------
    >>> distance = LatentDistance(planner.world_encoder, frames=16, size=(64, 36))   # doctest: +SKIP
    >>> distance(clip, clip)                                                          # doctest: +SKIP
    0.0
    """

    def __init__(self, encoder: nn.Module, *, frames: int, size: tuple[int, int]) -> None:
        self.encoder = encoder.eval()
        self.frames = frames
        self.size = size

    def fit(self, clip: np.ndarray) -> np.ndarray:
        """One clip ``[T, H, W, 3]`` uint8 resampled and resized to what the encoder takes."""
        fitted, _ = fit_clip(clip, length=self.frames, size=self.size)
        return fitted

    def __call__(self, target: np.ndarray, predicted: np.ndarray) -> float:
        """The distance between two clips ``[T, H, W, 3]`` uint8; 0 for the same clip."""
        return latent_distance(self.encoder, self.fit(target), self.fit(predicted))


def jepa_target_encoder(path: str | Path) -> tuple[nn.Module, int, tuple[int, int]]:
    """The EMA target encoder of a JEPA run's weights file, with the clip length and ``(width, height)`` it takes.

    Raises
    ------
    CheckpointError
        The file is missing, damaged, or not the weights of a ``JEPAPretraining`` run.
    """
    from jepa_planner.systems.jepa import JEPAPretraining
    from jepa_planner.systems.runs import trained_system

    system_name, hparams = read_run_metadata(path)
    if system_name != JEPAPretraining.__name__:
        raise CheckpointError(
            f"not the weights of a JEPA run (system {system_name!r})",
            filename=str(path),
            hint="pass the weights.safetensors of a `jepa-planner fit --config experiments/configs/tiny-cpu.yaml` run",
        )
    try:
        system = trained_system(hparams, path)
    except (TypeError, ValueError) as exc:
        raise CheckpointError(
            f"the stored JEPA hyperparameters do not build a model ({exc})", filename=str(path)
        ) from None
    shape = system.hparams
    return system.target_encoder, int(shape["frames"]), (int(shape["width"]), int(shape["height"]))
