"""Untrained references that every trained result stands beside.

A trained Siamese model earns its keep only if it separates pairs better than comparing the inputs
themselves. Each baseline here is an *untrained* pair model — a fixed encoder under a
:class:`~siamkit.nn.heads.DistanceHead` — so it is scored by exactly the code that scores the trained
model: the same pairs, the same retrieval queries, the same few-shot episodes, a threshold calibrated
on the same validation pairs.

- ``raw_l2`` / ``raw_cosine``: the flattened inputs ``[N, C·H·W]`` (images in [0, 1]) compared by
  Euclidean / cosine distance.
- ``pca_l2``: the inputs projected on the first principal components of the **training** items only
  (never validation, test or unseen items), compared by Euclidean distance.

Example:
    >>> from siamkit.data import digits
    >>> data = digits()
    >>> models = baseline_models(data)
    >>> sorted(models)
    ['pca_l2', 'raw_cosine', 'raw_l2']
"""

from __future__ import annotations

import torch
from torch import nn

from siamkit.core.errors import DataError
from siamkit.data.labeled import LabeledData, as_float
from siamkit.nn.heads import DistanceHead
from siamkit.nn.models import SiameseNet

PCA_COMPONENTS = 32
BASELINE_TITLES = {
    "raw_l2": "raw inputs, L2 (no training)",
    "raw_cosine": "raw inputs, cosine (no training)",
    "pca_l2": "PCA of training items, L2",
}


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
    def fit(self, x: torch.Tensor, batch_size: int = 4096) -> "PCAProjection":
        flat = FlattenInputs()
        n = x.shape[0]
        if n < 2:
            raise DataError("PCA needs at least two training items")
        features = flat(x[:1]).shape[1]
        k = min(self.components, features, n - 1)
        total = torch.zeros(features, dtype=torch.float64)
        gram = torch.zeros(features, features, dtype=torch.float64)
        for start in range(0, n, batch_size):
            block = flat(x[start : start + batch_size]).double()
            total += block.sum(0)
            gram += block.T @ block
        mean = total / n
        covariance = (gram - n * torch.outer(mean, mean)) / (n - 1)
        _, vectors = torch.linalg.eigh(covariance)  # ascending eigenvalues
        self.mean = mean.float()
        self.axes = vectors[:, -k:].flip(1).float().contiguous()  # [features, k], largest variance first
        return self

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.axes.numel() == 0:
            raise DataError("PCAProjection is not fitted; call .fit(training_items) first")
        return (FlattenInputs()(x) - self.mean) @ self.axes


def baseline_models(train: LabeledData, components: int = PCA_COMPONENTS) -> dict[str, SiameseNet]:
    """The untrained baseline pair models (see the module docstring), PCA fitted on ``train`` items only.

    Each model scores pairs ``x1, x2`` ``[B, ...]`` with distances ``[B]`` (``score_kind == "distance"``).
    """
    models = {
        "raw_l2": SiameseNet(FlattenInputs(), DistanceHead("euclidean")),
        "raw_cosine": SiameseNet(FlattenInputs(), DistanceHead("cosine")),
        "pca_l2": SiameseNet(PCAProjection(components).fit(train.x), DistanceHead("euclidean")),
    }
    return {name: model.eval() for name, model in models.items()}
