"""Untrained references that every trained result stands beside.

A trained Siamese model earns its keep only if it separates pairs better than comparing the inputs
themselves. Each baseline here is an *untrained* pair model — a fixed encoder under a
:class:`~siamkit.nn.heads.DistanceHead` — so it is scored by exactly the code that scores the trained
model: the same pairs, the same retrieval queries, the same few-shot episodes, a threshold calibrated
on the same validation pairs.

- ``raw_l2`` / ``raw_cosine``: the flattened inputs ``[N, C·H·W]`` (images in [0, 1]) compared by
  Euclidean / cosine distance.
- ``pca_l2``: the inputs projected on the first principal components of the **training** items only
  (never validation, test or unseen items; at most :data:`PCA_MAX_ITEMS` of them, evenly spaced), compared by
  Euclidean distance.
- ``pretrained_zero_shot`` (when the model starts from pretrained weights): the pretrained backbone's pooled
  features before any fine-tuning (:func:`~siamkit.nn.encoders.pretrained.pooled_features`), compared by cosine
  distance — what the weights give with no training at all.

Example:
    >>> from siamkit.data import digits
    >>> data = digits()
    >>> models = baseline_models(data)
    >>> sorted(models)
    ['pca_l2', 'raw_cosine', 'raw_l2']
"""

from __future__ import annotations

from typing import Any

import torch
from torch import nn

from siamkit.core.errors import DataError
from siamkit.data.labeled import LabeledData, as_float
from siamkit.evaluation.calibrated import calibrate
from siamkit.evaluation.parts import PartResult, evaluate_parts
from siamkit.evaluation.text_baselines import TEXT_BASELINE_TITLES
from siamkit.nn.heads import DistanceHead
from siamkit.nn.models import SiameseNet

PCA_COMPONENTS = 32
PCA_MAX_ITEMS = 2000  # training items a PCA baseline is fitted on
BASELINE_TITLES = {
    "raw_l2": "raw inputs, L2 (no training)",
    "raw_cosine": "raw inputs, cosine (no training)",
    "pca_l2": "PCA of training items, L2",
    **TEXT_BASELINE_TITLES,
}
# the pretrained_zero_shot title (TEXT_BASELINE_TITLES) fits images too: the encoder's weights before fine-tuning


class FlattenInputs(nn.Module):
    """The input itself as its embedding: ``[B, ...]`` → ``[B, prod(...)]`` floats (uint8 scaled to [0, 1])."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return as_float(x).flatten(1).float()


class PCAProjection(nn.Module):
    """Flattened inputs centred on the training mean and projected on its first ``k`` principal axes.

    Shapes: ``[B, ...]`` → ``[B, k]``. ``fit`` takes the training items ``[N, ...]``.
    """

    def __init__(self, components: int = PCA_COMPONENTS) -> None:
        super().__init__()
        self.components = components
        self.register_buffer("mean", torch.zeros(0))
        self.register_buffer("axes", torch.zeros(0, 0))

    @torch.no_grad()
    def fit(self, x: torch.Tensor, max_items: int = PCA_MAX_ITEMS) -> "PCAProjection":
        """Fit on the training items ``x`` ``[N, ...]`` (or streamed files): at most ``max_items`` of them, evenly
        spaced, so a large collection (100k images at 128×128) is never decoded whole for a baseline."""
        n = x.shape[0]
        if n < 2:
            raise DataError("PCA needs at least two training items")
        chosen = torch.linspace(0, n - 1, min(n, max_items)).round().long().unique()
        block = FlattenInputs()(x[chosen]).double()
        mean = block.mean(0)
        k = min(self.components, block.shape[1], len(chosen) - 1)
        _, _, vh = torch.linalg.svd(block - mean, full_matrices=False)  # rows: axes, largest variance first
        self.mean = mean.float()
        self.axes = vh[:k].T.float().contiguous()  # [features, k]
        return self

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.axes.numel() == 0:
            raise DataError("PCAProjection is not fitted; call .fit(training_items) first")
        return (FlattenInputs()(x) - self.mean) @ self.axes


def baseline_models(
    train: LabeledData, components: int = PCA_COMPONENTS, pretrained: nn.Module | None = None
) -> dict[str, SiameseNet]:
    """The untrained baseline pair models (see the module docstring), PCA fitted on ``train`` items only;
    ``pretrained``: a pretrained feature extractor ``[B, C, H, W]`` → ``[B, F]`` to add as ``pretrained_zero_shot``.

    Each model scores pairs ``x1, x2`` ``[B, ...]`` with distances ``[B]`` (``score_kind == "distance"``).
    """
    models = {
        "raw_l2": SiameseNet(FlattenInputs(), DistanceHead("euclidean")),
        "raw_cosine": SiameseNet(FlattenInputs(), DistanceHead("cosine")),
        "pca_l2": SiameseNet(PCAProjection(components).fit(train.x), DistanceHead("euclidean")),
    }
    if pretrained is not None:
        models["pretrained_zero_shot"] = SiameseNet(pretrained, DistanceHead("cosine"))
    return {name: model.eval() for name, model in models.items()}


def evaluate_baselines(
    train: LabeledData,
    val_pairs,
    parts: dict[str, LabeledData],
    num_pairs: int,
    seed: int,
    held_out: list[str] | None = None,
    pretrained: nn.Module | None = None,
) -> tuple[dict[str, dict[str, Any]], dict[str, list[PartResult]]]:
    """Every baseline scored like the model: threshold calibrated on ``val_pairs``, then
    :func:`~siamkit.evaluation.parts.evaluate_parts` on the same ``parts`` with the same ``seed`` (so the
    same pairs and few-shot episodes). ``pretrained``: see :func:`baseline_models`. Returns ``{name: metrics}``
    and ``{name: part results}``."""
    metrics, results = {}, {}
    for name, model in baseline_models(train, pretrained=pretrained).items():
        calibrated = calibrate(model, val_pairs)
        metrics[name], results[name] = evaluate_parts(
            model, parts, calibrated.threshold, model.score_kind, num_pairs, seed, held_out
        )
    return metrics, results


def lift_over_baselines(model_auc: float, baseline_aucs: dict[str, float]) -> dict[str, Any]:
    """How far the model's ROC AUC is above the best untrained baseline's (negative: below it)."""
    best = max(baseline_aucs, key=baseline_aucs.get)
    return {"best_baseline": best, "baseline_roc_auc": baseline_aucs[best], "lift": model_auc - baseline_aucs[best]}


def part_lifts(metrics: dict[str, Any], baselines: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """``lift_over_best_baseline`` per part of ``siamkit eval``-shaped ``metrics``: the first part (top level,
    under its name in ``metrics["parts"]``) and ``unseen_classes`` when present."""
    def auc(m: dict[str, Any], key: str | None) -> float:
        return (m if key is None else m[key])["roc_auc"]

    lifts = {}
    for part, key in ((metrics["parts"][0], None), ("unseen_classes", "unseen_classes")):
        if key is None or key in metrics:
            lifts[part] = lift_over_baselines(auc(metrics, key), {n: auc(b, key) for n, b in baselines.items()})
    return lifts


IMAGE_FIX = (
    "keep the best epoch on validation pairs (--keep-best, --patience), augment (--augment), try a loss that "
    "keeps more of the input (--loss ntxent, supcon) or a pretrained encoder (--pretrained imagenet)"
)
TEXT_FIX = (
    "keep the best epoch on validation pairs (--keep-best, --patience), use character trigrams "
    "(--tokenizer trigram --encoder text_pool) or a loss over the whole batch (--loss ntxent)"
)


def transfer_fix(input_kind: str | None) -> str:
    """The advice for a model below its baselines: :data:`TEXT_FIX` for ``"text"`` inputs, else :data:`IMAGE_FIX`."""
    return TEXT_FIX if input_kind == "text" else IMAGE_FIX


def is_below_baseline(lift: dict[str, Any]) -> bool:
    """Whether one part's :func:`lift_over_baselines` shows no gain: the model's ROC AUC is below the best
    baseline's, or only equal to it while the baseline is not already perfect."""
    return lift["lift"] < 0 or (lift["lift"] == 0 and lift["baseline_roc_auc"] < 1)


def below_baseline(lifts: dict[str, dict[str, Any]], fix: str = IMAGE_FIX) -> list[str]:
    """One ``transfer.below_baseline`` message per part where :func:`is_below_baseline`; ``fix`` is the advice
    the message ends with."""
    return [
        f"transfer.below_baseline: on {part.replace('_', ' ')} the model's ROC AUC is {lift['lift']:+.4f} against "
        f"{BASELINE_TITLES.get(lift['best_baseline'], lift['best_baseline'])} ({lift['baseline_roc_auc']:.4f}); "
        f"the training did not learn a similarity that transfers. Fix: {fix}"
        for part, lift in lifts.items()
        if is_below_baseline(lift)
    ]
