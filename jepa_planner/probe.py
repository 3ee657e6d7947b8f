"""A frozen-feature attentive probe: how much of a scene can a small head read from an encoder's tokens?

The probe answers three questions about a clip from the frozen tokens ``[B, N, D]`` of an encoder:

========  ==============================================  =================================================
head      label                                           loss
========  ==============================================  =================================================
count     number of leaf objects (groups excluded), 1..8  cross-entropy over ``MAX_OBJECTS`` classes
kinds     which object kinds appear (``KIND_NAMES``)      binary cross-entropy, summed over kinds
verb      the verb played at the middle frame             cross-entropy over ``VERB_NAMES``
========  ==============================================  =================================================

The verb is the first animation's kind of the step ``active_step[T // 2]``; a frame in which no ``play`` step runs
(a ``wait``, or no step at all) is ``"wait"``: nothing animates.

Learned queries cross-attend once over the tokens, centred per position on the train set (``AttentiveProbe``
says why), an MLP refines them, and the concatenated queries feed one linear layer per head. Features are
extracted once (``extract_features``) and the probe trains on the stored tensors, so comparing encoders costs one
forward pass each. Plain torch; no Lightning.

Axis key: b batch, s samples, t time, h height, w width, c channels, n tokens, q queries, d features.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final

import numpy as np
import torch
import torch.nn.functional as F
from einops import rearrange
from torch import nn

from dsl import ir
from jepa_planner.data.shards import Sample
from jepa_planner.models.video import to_video

#: Classes of the count head: 1 .. MAX_OBJECTS leaf objects (class ``i`` is ``i + 1`` objects).
MAX_OBJECTS: Final = 8
#: Object kinds, in ``dsl.ir.OBJECT_KINDS`` order: the multi-label kinds head.
KIND_NAMES: Final[tuple[str, ...]] = tuple(ir.OBJECT_KINDS)
#: Verbs of the middle frame: every animation kind (``dsl.ir.ANIMATION_KINDS`` order), then ``"wait"``.
VERB_NAMES: Final[tuple[str, ...]] = (*ir.ANIMATION_KINDS, "wait")
#: How much faster than the other parameters the probe's attention bias per token position learns.
POSITION_GAIN: Final = 30.0
#: Metrics that ``train_and_evaluate_probe`` also reports on the train set, as ``train_<key>``.
FIT_METRICS: Final[tuple[str, ...]] = ("count_acc", "kinds_f1", "verb_acc")
#: The label and output keys, in head order.
TASKS: Final[tuple[str, ...]] = ("count", "kinds", "verb")

_KIND_IDS: Final = {name: i for i, name in enumerate(KIND_NAMES)}
_VERB_IDS: Final = {name: i for i, name in enumerate(VERB_NAMES)}


def probe_labels(sample: Sample) -> dict[str, torch.Tensor]:
    """The probe's labels for one shard sample.

    Parameters
    ----------
    sample
        A sample read back with ``read_shard``.

    Returns
    -------
    dict
        ``count`` int64 ``[]`` (leaf objects minus one), ``kinds`` float32 ``[len(KIND_NAMES)]`` (1 where the
        kind appears among the leaf objects), ``verb`` int64 ``[]`` (index into ``VERB_NAMES``).

    Raises
    ------
    ValueError
        When the scene has no leaf object or more than ``MAX_OBJECTS``.
    """
    scene = sample.meta["scene"]
    names: list[str] = sample.meta["object_names"]
    if not 1 <= len(names) <= MAX_OBJECTS:
        raise ValueError(f"sample {sample.key} has {len(names)} leaf objects; the count head covers 1..{MAX_OBJECTS}")
    kind_of = {obj["name"]: obj["kind"] for obj in scene["objects"]}
    kinds = torch.zeros(len(KIND_NAMES))
    for name in names:
        kinds[_KIND_IDS[kind_of[name]]] = 1.0
    active = sample.arrays["active_step"]  # [T]
    step_index = int(active[len(active) // 2])
    verb = "wait"
    if step_index >= 0:
        step = scene["timeline"][step_index]
        if step["kind"] == "play":
            verb = step["animations"][0]["kind"]
    return {
        "count": torch.tensor(len(names) - 1),
        "kinds": kinds,
        "verb": torch.tensor(_VERB_IDS[verb]),
    }


def stack_labels(labels: Sequence[dict[str, torch.Tensor]]) -> dict[str, torch.Tensor]:
    """Stack per-sample labels (``probe_labels``) into batched tensors with a leading sample axis."""
    return {task: torch.stack([label[task] for label in labels]) for task in TASKS}


def extract_features(encoder: nn.Module, samples: Sequence[Sample], batch_size: int = 32) -> torch.Tensor:
    """Run a frozen encoder once over the samples' frames.

    Parameters
    ----------
    encoder
        Maps a clip batch ``[B, T, 3, H, W]`` in [0, 1] to tokens ``[B, N, D]`` (``VideoViT``, or
        ``JEPAPretraining.target_encoder``). It runs in eval mode and is put back in its former mode afterwards.
    samples
        Shard samples; their ``frames`` arrays ``[T, H, W, 3]`` uint8 must all have the encoder's size.
    batch_size
        Clips per forward pass.

    Returns
    -------
    torch.Tensor
        ``[S, N, D]`` float32 on the CPU.
    """
    was_training = encoder.training
    encoder.eval()
    device = next(iter(encoder.parameters()), torch.empty(0)).device  # a parameterless encoder runs on the CPU
    chunks = []
    try:
        with torch.no_grad():
            for start in range(0, len(samples), batch_size):
                frames = np.stack([s.arrays["frames"] for s in samples[start : start + batch_size]])  # [B,T,H,W,3]
                tokens = encoder(to_video(frames).to(device))  # [B, N, D]
                chunks.append(tokens.float().cpu())
    finally:
        encoder.train(was_training)
    return torch.cat(chunks)


class TubeletPixels(nn.Module):
    """A reference "encoder" with nothing learned: each token is the raw pixels of its tubelet, ``[B, N, t*h*w*3]``.

    Probing it says how much a probe of this size reads from the input itself, in the encoders' token layout.
    """

    def __init__(self, tubelet: tuple[int, int, int]) -> None:
        super().__init__()
        self.tubelet = tuple(tubelet)

    def forward(self, video: torch.Tensor) -> torch.Tensor:
        t, h, w = self.tubelet
        return rearrange(video, "b (nt t) c (nh h) (nw w) -> b (nt nh nw) (t c h w)", t=t, h=h, w=w)


class AttentiveProbe(nn.Module):
    """Learned queries cross-attend over frozen tokens; linear heads read the pooled queries.

    Tokens are first centred on the train set's mean token at each position and divided by one global scale
    (``fit_normaliser``). Frozen video tokens are mostly what every clip shares (background, position): for a
    random tiny ViT on level-2 clips, the centred tokens keep about 2% of the raw tokens' RMS, most of it in the
    few tokens that cover an object, and a probe on the raw (layer-normed) tokens never left the majority answer.
    Centring keeps what tells clips apart; one global scale keeps the relative size of dimensions, so a collapsed
    dimension stays small rather than being blown up to unit variance. A learned bias per query, head and token
    position lets the
    queries look at a place or a time (the verb head needs the middle frame).

    The cross-attention is multi-head attention whose queries are constants, written so that nothing is projected
    per token: a query's score for a token is ``q·(W_k x)``, which is ``(W_kᵀ q)·x``, so each (query, head) learns
    its key-space vector directly; values are linear in the tokens, so their projection runs after the pooling.
    A training step then costs two ``[B, N, D]`` contractions instead of a ``[B, N, D] × [D, 2D]`` projection.

    Parameters
    ----------
    dim, num_tokens
        The encoder's token width ``D`` and tokens per clip ``N``.
    queries
        Learned queries; the pooled feature is their concatenation, ``queries * dim`` wide.
    heads
        Attention heads per query, each with its own attention over the tokens.
    max_objects, num_kinds, num_verbs
        Classes of the count, kinds and verb heads.

    Examples
    --------
    >>> probe = AttentiveProbe(dim=128, num_tokens=192)
    >>> {k: tuple(v.shape) for k, v in probe(torch.randn(2, 192, 128)).items()}
    {'count': (2, 8), 'kinds': (2, 18), 'verb': (2, 17)}
    """

    token_mean: torch.Tensor
    token_scale: torch.Tensor

    def __init__(
        self,
        *,
        dim: int,
        num_tokens: int,
        queries: int = 4,
        heads: int = 4,
        max_objects: int = MAX_OBJECTS,
        num_kinds: int = len(KIND_NAMES),
        num_verbs: int = len(VERB_NAMES),
    ) -> None:
        super().__init__()
        self.register_buffer("token_mean", torch.zeros(num_tokens, dim))  # [N, D]
        self.register_buffer("token_scale", torch.ones(()))
        self.keys = nn.Parameter(torch.randn(queries, heads, dim) * 0.1)  # [Q, E, D]
        self.position_bias = nn.Parameter(torch.zeros(queries, heads, num_tokens))  # [Q, E, N], / POSITION_GAIN
        self.scale = dim**-0.5
        self.values = nn.Linear(heads * dim, dim)  # value and output projections of every head, merged
        self.query_embed = nn.Parameter(torch.zeros(queries, dim))  # [Q, D]: the residual stream of each query
        self.mlp_norm = nn.LayerNorm(dim)
        self.mlp = nn.Sequential(nn.Linear(dim, 2 * dim), nn.GELU(), nn.Linear(2 * dim, dim))
        self.out_norm = nn.LayerNorm(dim)
        pooled = queries * dim
        self.classifiers = nn.ModuleDict(
            {
                "count": nn.Linear(pooled, max_objects),
                "kinds": nn.Linear(pooled, num_kinds),
                "verb": nn.Linear(pooled, num_verbs),
            }
        )

    @torch.no_grad()
    def fit_normaliser(self, tokens: torch.Tensor) -> None:
        """Set the per-position mean token and the global scale from train tokens ``[S, N, D]``."""
        self.token_mean.copy_(tokens.mean(dim=0))
        self.token_scale.copy_((tokens - self.token_mean).pow(2).mean().sqrt().clamp_min(1e-8))

    def pool(self, tokens: torch.Tensor) -> torch.Tensor:
        """``[B, N, D]`` tokens → ``[B, Q * D]`` pooled features."""
        x = (tokens - self.token_mean) / self.token_scale
        scores = torch.einsum("bnd,qed->bqen", x, self.keys * self.scale) + POSITION_GAIN * self.position_bias
        mixed = torch.einsum("bqen,bnd->bqed", scores.softmax(dim=-1), x)  # [B, Q, E, D]
        q = self.query_embed + self.values(rearrange(mixed, "b q e d -> b q (e d)"))  # [B, Q, D]
        q = q + self.mlp(self.mlp_norm(q))
        return rearrange(self.out_norm(q), "b q d -> b (q d)")  # type: ignore[no-any-return]

    def forward(self, tokens: torch.Tensor) -> dict[str, torch.Tensor]:
        """Logits of every head for tokens ``[B, N, D]``: ``count [B, 8]``, ``kinds [B, K]``, ``verb [B, V]``."""
        pooled = self.pool(tokens)
        return {task: head(pooled) for task, head in self.classifiers.items()}


def probe_loss(logits: dict[str, torch.Tensor], labels: dict[str, torch.Tensor]) -> torch.Tensor:
    """The sum of the three heads' losses (cross-entropy, binary cross-entropy, cross-entropy)."""
    return (
        F.cross_entropy(logits["count"], labels["count"])
        + F.binary_cross_entropy_with_logits(logits["kinds"], labels["kinds"], reduction="sum") / len(labels["kinds"])
        + F.cross_entropy(logits["verb"], labels["verb"])
    )


def probe_metrics(logits: dict[str, torch.Tensor], labels: dict[str, torch.Tensor]) -> dict[str, float]:
    """Accuracy of count and verb; exact match, micro-F1, mean per-kind accuracy and per-kind F1 of the kinds.

    Per-kind F1 (``kinds_f1.<Kind>``) is reported for the kinds that appear in ``labels``.
    """
    predicted = logits["kinds"] > 0  # [S, K]
    truth = labels["kinds"] > 0.5
    true_pos = (predicted & truth).sum(dim=0).float()  # [K]
    false_pos = (predicted & ~truth).sum(dim=0).float()
    false_neg = (~predicted & truth).sum(dim=0).float()
    micro = 2 * true_pos.sum() / (2 * true_pos.sum() + false_pos.sum() + false_neg.sum()).clamp_min(1.0)
    metrics = {
        "count_acc": (logits["count"].argmax(dim=1) == labels["count"]).float().mean().item(),
        "verb_acc": (logits["verb"].argmax(dim=1) == labels["verb"]).float().mean().item(),
        "kinds_exact": (predicted == truth).all(dim=1).float().mean().item(),
        "kinds_f1": micro.item(),
        "kinds_acc": (predicted == truth).float().mean().item(),
    }
    per_kind = 2 * true_pos / (2 * true_pos + false_pos + false_neg).clamp_min(1.0)
    for k, name in enumerate(KIND_NAMES):
        if truth[:, k].any():
            metrics[f"kinds_f1.{name}"] = per_kind[k].item()
    return metrics


def majority_metrics(train_labels: dict[str, torch.Tensor], test_labels: dict[str, torch.Tensor]) -> dict[str, float]:
    """The metrics of always answering the train set's most common count, verb and per-kind presence."""
    size = len(test_labels["count"])

    def constant(label: torch.Tensor, classes: int) -> torch.Tensor:
        most = torch.bincount(label, minlength=classes).argmax()
        return F.one_hot(most, classes).float().expand(size, -1)

    present = (train_labels["kinds"].mean(dim=0) > 0.5).float() * 2 - 1  # [K]: +1 if most clips have the kind
    logits = {
        "count": constant(train_labels["count"], MAX_OBJECTS),
        "kinds": present.expand(size, -1),
        "verb": constant(train_labels["verb"], len(VERB_NAMES)),
    }
    return probe_metrics(logits, test_labels)


def fit_probe(
    feats: torch.Tensor,
    labels: dict[str, torch.Tensor],
    *,
    epochs: int = 40,
    lr: float = 3e-3,
    seed: int = 0,
    batch_size: int = 64,
    weight_decay: float = 0.05,
    queries: int = 4,
) -> AttentiveProbe:
    """Train an ``AttentiveProbe`` on frozen tokens ``[S, N, D]`` and their stacked labels; returns it in eval mode.

    AdamW with a cosine decay of the learning rate over all steps. ``seed`` fixes the initialisation and the batch
    order, and the global torch RNG is left as it was.
    """
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        probe = AttentiveProbe(dim=feats.shape[-1], num_tokens=feats.shape[1], queries=queries)
    probe.fit_normaliser(feats)
    generator = torch.Generator().manual_seed(seed)
    optimizer = torch.optim.AdamW(probe.parameters(), lr=lr, weight_decay=weight_decay)
    steps_per_epoch = -(-len(feats) // batch_size)
    schedule = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=max(epochs * steps_per_epoch, 1))
    probe.train()
    for _ in range(epochs):
        order = torch.randperm(len(feats), generator=generator)
        for start in range(0, len(order), batch_size):
            batch = order[start : start + batch_size]
            loss = probe_loss(probe(feats[batch]), {task: label[batch] for task, label in labels.items()})
            optimizer.zero_grad(set_to_none=True)
            loss.backward()  # type: ignore[no-untyped-call]
            optimizer.step()
            schedule.step()
    return probe.eval()


def predict(probe: AttentiveProbe, feats: torch.Tensor, batch_size: int = 256) -> dict[str, torch.Tensor]:
    """The probe's logits for tokens ``[S, N, D]``, without gradients."""
    with torch.no_grad():
        chunks = [probe(feats[start : start + batch_size]) for start in range(0, len(feats), batch_size)]
    return {task: torch.cat([chunk[task] for chunk in chunks]) for task in TASKS}


def train_and_evaluate_probe(
    train_feats: torch.Tensor,
    train_labels: dict[str, torch.Tensor],
    test_feats: torch.Tensor,
    test_labels: dict[str, torch.Tensor],
    *,
    epochs: int = 40,
    lr: float = 3e-3,
    seed: int = 0,
    batch_size: int = 64,
    weight_decay: float = 0.05,
    queries: int = 4,
    threads: int | None = 1,
) -> dict[str, float]:
    """Train an ``AttentiveProbe`` on frozen features and return its test metrics (see ``probe_metrics``).

    Parameters
    ----------
    train_feats, test_feats
        Frozen tokens ``[S, N, D]``.
    train_labels, test_labels
        Stacked labels (``stack_labels``) of the same samples.
    epochs, lr, batch_size, weight_decay
        AdamW with a cosine decay of the learning rate over all steps.
    seed
        Seeds the probe's initialisation and the batch order; the same seed gives the same numbers. The global
        torch RNG is left as it was.
    queries
        Learned queries of the probe.
    threads
        Torch intra-op threads while the probe trains, restored afterwards; None keeps the current setting. One by
        default: the probe's operations are small, and on a busy 2-core machine two threads spent most of their
        time waiting on each other (a test run took 42 s instead of 0.5 s).

    Returns
    -------
    dict
        ``count_acc``, ``verb_acc``, ``kinds_exact``, ``kinds_f1``, ``kinds_acc`` and ``kinds_f1.<Kind>``, in [0, 1],
        on the test set; and ``train_<key>`` for each key of ``FIT_METRICS``, on the train set: how well the probe
        fits what it was trained on (a test score far under it is a probe that memorised).

    Examples
    --------
    >>> feats, labels = torch.randn(8, 12, 16), {"count": torch.zeros(8, dtype=torch.long),
    ...     "kinds": torch.zeros(8, len(KIND_NAMES)), "verb": torch.zeros(8, dtype=torch.long)}
    >>> metrics = train_and_evaluate_probe(feats, labels, feats, labels, epochs=1)
    >>> sorted(k for k in metrics if "." not in k and not k.startswith("train_"))
    ['count_acc', 'kinds_acc', 'kinds_exact', 'kinds_f1', 'verb_acc']
    >>> sorted(k for k in metrics if k.startswith("train_"))
    ['train_count_acc', 'train_kinds_f1', 'train_verb_acc']
    """
    previous = torch.get_num_threads()
    if threads is not None:
        torch.set_num_threads(threads)
    try:
        probe = fit_probe(
            train_feats, train_labels,
            epochs=epochs, lr=lr, seed=seed, batch_size=batch_size, weight_decay=weight_decay, queries=queries,
        )  # fmt: skip
        metrics = probe_metrics(predict(probe, test_feats), test_labels)
        fit = probe_metrics(predict(probe, train_feats), train_labels)
        return metrics | {f"train_{key}": fit[key] for key in FIT_METRICS}
    finally:
        torch.set_num_threads(previous)
