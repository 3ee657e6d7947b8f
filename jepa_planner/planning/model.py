"""The planner's weights: encoders, scene decoder and action-conditioned predictor in one safetensors file.

A planner has two roles for an encoder. The decoder reads the tokens of ``encoder``, which a decoder run may
have fine-tuned. The world model (the action-conditioned predictor, and the JEPA energy that ranks candidates)
works in the latent space of ``world_encoder``, the frozen JEPA encoder the predictor was trained on. When the
two are the same weights, the file stores them once.

A planner file holds tensors under ``encoder.``, ``decoder.`` and optionally ``jepa_encoder.`` (the separate
world-model encoder) and ``predictor.``, stored as float16 to keep the shipped default small. Its architecture
is JSON in the safetensors metadata (``config``), with ``format`` set to ``FORMAT``. ``load_planner()`` with
no path loads the default shipped inside the package (``jepa_planner/weights/default.safetensors``, described by
``MODEL_CARD.md`` beside it).

``export_planner`` builds such a file from training runs: the ``weights.safetensors`` of a decoder run
(``DecoderTraining``: encoder and decoder) and, optionally, of an action-conditioned run
(``ActionConditionedTraining``: its frozen encoder and the predictor).
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from importlib.resources import files
from pathlib import Path
from typing import Any

import torch
from safetensors import SafetensorError, safe_open
from safetensors.torch import save_file
from torch import nn

from codegen.media import atomic_path
from jepa_planner import clip_format
from jepa_planner.decoder.model import SceneDecoder, migrate_state
from jepa_planner.decoder.vocab import ObjectHead
from jepa_planner.models.action import ActionConditionedPredictor
from jepa_planner.models.vit import VideoViT
from jepa_planner.systems.weights import CheckpointError, load_state, read_run_metadata, reading_weights

FORMAT = "jepa-planner/1"
DEFAULT_NAME = "default.safetensors"


@dataclass(frozen=True)
class PlannerConfig:
    """The architecture of a planner file (what its tensors need to load)."""

    frames: int = clip_format.FRAMES
    height: int = clip_format.HEIGHT
    width: int = clip_format.WIDTH
    tubelet: tuple[int, int, int] = (4, 6, 8)
    preset: str = "tiny"
    slots: int = 6
    decoder_width: int = 128
    decoder_depth: int = 2
    max_tokens: int = 160
    max_steps: int = 8
    predictor: dict[str, int] | None = field(default=None)
    world_encoder: bool = False
    pixel_pathway: bool = False
    object_head: ObjectHead = "set"

    @classmethod
    def from_json(cls, text: str, path: str) -> PlannerConfig:
        try:
            data = json.loads(text)
            data["tubelet"] = tuple(data["tubelet"])
            return cls(**data)
        except (ValueError, TypeError, KeyError) as exc:
            raise CheckpointError(f"the planner config is unreadable ({exc})", filename=path) from None


class Planner(nn.Module):
    """Encoder, decoder and optional action-conditioned predictor, in eval mode."""

    def __init__(self, config: PlannerConfig) -> None:
        super().__init__()
        self.config = config
        self.encoder = VideoViT(
            frames=config.frames,
            height=config.height,
            width=config.width,
            tubelet=config.tubelet,
            preset=config.preset,
        )
        self.decoder = SceneDecoder(
            dim=self.encoder.dim,
            slots=config.slots,
            width=config.decoder_width,
            depth=config.decoder_depth,
            max_tokens=config.max_tokens,
            pixels=config.tubelet if config.pixel_pathway else None,
            object_head=config.object_head,
        )
        self.predictor = (
            ActionConditionedPredictor(dim=self.encoder.dim, grid=self.encoder.grid, **config.predictor)
            if config.predictor is not None
            else None
        )
        self.jepa_encoder = (
            VideoViT(
                frames=config.frames,
                height=config.height,
                width=config.width,
                tubelet=config.tubelet,
                preset=config.preset,
            )
            if config.world_encoder
            else None
        )
        self.eval()

    @property
    def world_encoder(self) -> VideoViT:
        """The encoder of the world model's latent space (the decoder's own when no separate one is stored)."""
        return self.jepa_encoder if self.jepa_encoder is not None else self.encoder

    @property
    def size(self) -> tuple[int, int]:
        """The clip size the encoder takes, ``(width, height)``."""
        return self.config.width, self.config.height


def default_path() -> Path:
    """Where the shipped default planner lives inside the package."""
    return Path(str(files("jepa_planner").joinpath("weights", DEFAULT_NAME)))


def save_planner(planner: Planner, path: str | Path, *, card: str | None = None) -> Path:
    """Write ``planner`` as float16 safetensors (atomically), and ``card`` as ``MODEL_CARD.md`` beside it."""
    path = Path(path)
    state = {k: v.detach().to(torch.float16).contiguous().clone() for k, v in planner.state_dict().items()}
    metadata = {"format": FORMAT, "config": json.dumps(asdict(planner.config))}
    with atomic_path(path) as temp:
        save_file(state, str(temp), metadata=metadata)
    if card is not None:
        from codegen.media import write_text

        write_text(path.with_name("MODEL_CARD.md"), card)
    return path


def load_planner(path: str | Path | None = None) -> Planner:
    """Load a planner file (the shipped default when ``path`` is None).

    Raises
    ------
    CheckpointError
        The file is missing, damaged, not a planner file, or its tensors do not fit its config.
    """
    path = Path(path) if path is not None else default_path()
    name = str(path)
    if not path.is_file():
        hint = "reinstall the package, or rebuild it with scripts/train_default.sh" if path == default_path() else None
        raise CheckpointError("no such planner file", filename=name, hint=hint)
    try:
        with safe_open(name, framework="pt") as handle:
            metadata = handle.metadata() or {}
            state = {key: handle.get_tensor(key) for key in handle.keys()}
    except (SafetensorError, OSError, ValueError) as exc:
        raise CheckpointError(f"the planner file is damaged: {exc}", filename=name) from None
    if metadata.get("format") != FORMAT:
        raise CheckpointError(
            f"not a planner file (format {metadata.get('format')!r}, expected {FORMAT!r})",
            filename=name,
            hint="a weights.safetensors from a training run becomes a planner with `jepa-planner export`",
        )
    planner = Planner(PlannerConfig.from_json(metadata.get("config", ""), name))
    load_state(planner, migrate_state(state), filename=name, problem="the tensors do not fit the planner config")
    return planner


def _run_weights(path: str | Path) -> tuple[dict[str, torch.Tensor], dict[str, Any]]:
    from safetensors.torch import load_file

    with reading_weights(path):
        state = load_file(str(path))
    return migrate_state(state), read_run_metadata(path)[1]


def _part(state: dict[str, torch.Tensor], prefix: str) -> dict[str, torch.Tensor]:
    return {k[len(prefix) :]: v for k, v in state.items() if k.startswith(prefix)}


def _slots(state: dict[str, torch.Tensor], hparams: dict[str, Any]) -> int:
    """A decoder run's object slots: the set head's query count, or the stored setting for the sequence head."""
    queries = state.get("decoder.head.queries")
    return int(queries.shape[0]) if queries is not None else int(hparams.get("slots", 6))


def export_planner(decoder_run: str | Path, predictor_run: str | Path | None = None) -> Planner:
    """A planner from a decoder run's weights and, optionally, an action-conditioned run's."""
    state, hparams = _run_weights(decoder_run)
    if "decoder.word.weight" not in state:
        raise CheckpointError(
            "not a decoder run's weights (no decoder.* tensors)",
            filename=str(decoder_run),
            hint="pass the weights.safetensors of a DecoderTraining run",
        )
    keys = ("frames", "height", "width", "tubelet", "preset", "max_tokens")
    geometry: dict[str, Any] = {k: tuple(hparams[k]) if k == "tubelet" else hparams[k] for k in keys if k in hparams}
    config = PlannerConfig(
        **geometry,
        max_steps=int(hparams.get("timeline_steps", 8)),
        pixel_pathway=bool(hparams.get("pixel_pathway", False)),
        object_head=hparams.get("object_head", "set"),
        slots=_slots(state, hparams),
        decoder_width=int(state["decoder.word.weight"].shape[1]),
        decoder_depth=int(hparams.get("decoder_depth", 2)),
    )
    parts = {"encoder.": _part(state, "encoder."), "decoder.": _part(state, "decoder.")}
    if predictor_run is not None:
        action_state, action_hparams = _run_weights(predictor_run)
        world = _part(action_state, "encoder.")
        if world.keys() != parts["encoder."].keys() or any(
            w.shape != parts["encoder."][k].shape for k, w in world.items()
        ):
            raise CheckpointError(
                "the predictor run's encoder has another architecture than the decoder run's",
                filename=str(predictor_run),
                hint="train both from the same JEPA config",
            )
        separate = not all(torch.equal(w, parts["encoder."][k]) for k, w in world.items())
        predictor = {k: int(action_hparams[k]) for k in ("pred_dim", "depth", "heads") if k in action_hparams}
        config = PlannerConfig(**{**asdict(config), "predictor": predictor, "world_encoder": separate})
        parts["predictor."] = _part(action_state, "predictor.")
        if separate:  # the decoder fine-tuned its encoder; the world model keeps the frozen JEPA one
            parts["jepa_encoder."] = world
    planner = Planner(config)
    merged = {p + k: v for p, part in parts.items() for k, v in part.items()}
    load_state(planner, merged, filename=str(decoder_run), problem="the tensors do not fit the planner config")
    return planner


def planner_card(planner: Planner, decoder_run: str | Path, predictor_run: str | Path | None = None) -> str:
    """A Markdown model card for an exported planner: its config, then the cards of the runs it came from
    (the JEPA run behind the encoder, the decoder run, the predictor run), where they exist."""
    runs = [Path(decoder_run)] + ([Path(predictor_run)] if predictor_run is not None else [])
    _, hparams = _run_weights(decoder_run)
    if hparams.get("encoder_weights"):
        runs.insert(0, Path(hparams["encoder_weights"]))
    size = sum(t.numel() for t in planner.state_dict().values())
    lines = [
        "# jepa-planner default planner",
        "",
        "The planner `jepa_planner.plan()` and `jepa-planner plan` load when no other is given, stored as float16:",
        "the scene decoder over a video ViT that started from the JEPA weights"
        + (" and was fine-tuned with it;" if planner.config.world_encoder else ";"),
        "the JEPA world model's own frozen encoder" if planner.config.world_encoder else "the same encoder",
        "and the action-conditioned predictor" if planner.predictor is not None else "(no predictor)",
        "(keyframe planning and the energy that ranks refinement candidates).",
        "",
        "- Rebuild: `bash scripts/train_default.sh` (data, JEPA pretraining, decoder, predictor, export).",
        f"- Parameters: {size:,}",
        "- Config:",
        "```json",
        json.dumps(asdict(planner.config), indent=2),
        "```",
    ]
    for run in runs:
        card = run.with_name("MODEL_CARD.md")
        if card.is_file():
            body = card.read_text(encoding="utf-8").replace("\n# ", "\n### ").lstrip("# ")
            lines += ["", f"## From `{run.parent}`", "", "### " + body]
    return "\n".join(lines) + "\n"
