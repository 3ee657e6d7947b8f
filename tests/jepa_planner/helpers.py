"""Small in-test data for training tests: random clips as a LightningDataModule (importable by LightningCLI), and a
JEPA run's weights file."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import lightning as L
import torch
from torch.utils.data import DataLoader, Dataset

from jepa_planner.systems.jepa import JEPAPretraining
from jepa_planner.systems.weights import run_metadata, save_weights


class RandomClips(Dataset[dict[str, torch.Tensor]]):
    """``count`` clips of moving bright squares on black, seeded so every process sees the same data."""

    def __init__(self, *, count: int, frames: int, height: int, width: int, seed: int) -> None:
        generator = torch.Generator().manual_seed(seed)
        self.clips = torch.zeros(count, frames, 3, height, width)
        for clip in self.clips:
            x, y = (
                int(torch.randint(0, width - 8, (1,), generator=generator)),
                int(torch.randint(0, height - 8, (1,), generator=generator)),
            )
            colour = torch.rand(3, 1, 1, generator=generator)
            for t in range(frames):
                clip[t, :, y : y + 6, (x + t) % (width - 6) : (x + t) % (width - 6) + 6] = colour

    def __len__(self) -> int:
        return len(self.clips)

    def __getitem__(self, index: int) -> dict[str, torch.Tensor]:
        return {"frames": self.clips[index]}


class RandomClipData(L.LightningDataModule):
    """A DataModule over ``RandomClips`` with the same batch format as ``ClipDataModule``'s unlabeled mode."""

    def __init__(
        self,
        *,
        count: int = 32,
        frames: int = 16,
        height: int = 36,
        width: int = 64,
        batch_size: int = 8,
        seed: int = 0,
    ) -> None:
        super().__init__()
        self.save_hyperparameters()
        self.dataset = RandomClips(count=count, frames=frames, height=height, width=width, seed=seed)

    def train_dataloader(self) -> DataLoader[Any]:
        return DataLoader(self.dataset, batch_size=self.hparams["batch_size"], shuffle=False)

    def val_dataloader(self) -> DataLoader[Any]:
        return DataLoader(self.dataset, batch_size=self.hparams["batch_size"])


class RankChecksum(L.Callback):
    """Writes each rank's parameter checksum at the end of fit, so a test can compare the DDP replicas."""

    def __init__(self, *, path: str) -> None:
        self.path = path

    def on_fit_end(self, trainer: L.Trainer, pl_module: L.LightningModule) -> None:
        from pathlib import Path

        total = sum(float(p.detach().double().sum()) for p in pl_module.parameters())
        folder = Path(self.path)
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"rank{trainer.global_rank}.txt").write_text(repr(total))
        assert trainer.world_size == 2 or trainer.world_size == 1, "one or two processes in the tests"


def save_jepa_run(path: Path, seed: int = 0, **shape: Any) -> Path:
    """A ``JEPAPretraining`` of ``shape`` saved as ``ExportWeights`` saves a run (``run_metadata``), with the key
    LightningCLI adds to the hyperparameters."""
    torch.manual_seed(seed)
    system = JEPAPretraining(**shape)
    system.hparams["_class_path"] = "jepa_planner.systems.jepa.JEPAPretraining"
    return save_weights(system, path, run_metadata(system))


def fit_batch(
    system: L.LightningModule, batch: dict[str, Any], steps: int, lr: float = 3e-3
) -> tuple[dict[str, torch.Tensor], dict[str, torch.Tensor]]:
    """Train a system's ``decoder`` on one batch for ``steps`` AdamW steps; its ``losses`` before and after."""
    decoder: torch.nn.Module = system.decoder  # type: ignore[assignment]
    losses: Callable[[dict[str, Any]], dict[str, torch.Tensor]] = system.losses  # type: ignore[assignment]
    optimizer = torch.optim.AdamW(decoder.parameters(), lr=lr)
    first = losses(batch)
    for _ in range(steps):
        out = losses(batch)
        optimizer.zero_grad()
        torch.autograd.backward(out["loss"])
        optimizer.step()
    return first, losses(batch)
