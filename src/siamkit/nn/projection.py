"""A training-only projection head: the loss trains ``projection(embedding)``, the model keeps ``embedding``.

A metric loss on a handful of training classes pulls the last layer's output towards what tells *those*
classes apart and throws the rest away, and the rest is what a class never seen in training needs.
SimCLR's answer (Chen et al., 2020) works here too: put one more layer between the embedding and the
loss during training, then drop it. The embedding under it is shaped by the loss but not collapsed by it.
What it measured on Fashion-MNIST's held-out classes is in the README ("Fashion-MNIST").
The price: the unprojected embedding separates the
*training* classes less sharply.

:func:`siamkit.training.trainer.fit` and :func:`~siamkit.training.trainer.fit_triplets` take a ``projection``; the
model they return (and every checkpoint made from it) embeds without it; Lightning's resume
checkpoints keep its weights, so a resumed run continues it.
"""

from __future__ import annotations

import torch
from torch import nn

from siamkit.core.errors import ConfigError
from siamkit.nn.interfaces import EmbeddingPairModel

__all__ = ["ProjectionHead", "check_projectable", "project_pair"]


class ProjectionHead(nn.Module):
    """``Linear(embedding_dim → projection_dim)``, applied to embeddings before the loss in training only.

    Shapes: ``[B, embedding_dim]`` → ``[B, projection_dim]``.

    Example:
        >>> head = ProjectionHead(576, 64)
        >>> head(torch.zeros(2, 576)).shape
        torch.Size([2, 64])
    """

    def __init__(self, embedding_dim: int, projection_dim: int) -> None:
        super().__init__()
        if embedding_dim < 1 or projection_dim < 1:
            raise ConfigError(
                f"a projection head needs sizes ≥ 1, got embedding {embedding_dim} → projection {projection_dim}"
            )
        self.linear = nn.Linear(embedding_dim, projection_dim)

    def forward(self, embeddings: torch.Tensor) -> torch.Tensor:
        return self.linear(embeddings)


def check_projectable(model: nn.Module) -> None:
    """Raise :class:`ConfigError` unless ``model`` is a shared-weight pair model with a distance head
    (an :class:`~siamkit.nn.interfaces.EmbeddingPairModel`), the kind whose embeddings a projection head
    can stand between."""
    if not isinstance(model, EmbeddingPairModel) or model.score_kind != "distance":
        raise ConfigError(
            f"a projection head trains embeddings compared by distance; {type(model).__name__} "
            "is not a shared-weight model with a distance head (use --head distance, or drop --projection-dim)"
        )


def project_pair(model: nn.Module, projection: nn.Module, x1: torch.Tensor, x2: torch.Tensor) -> torch.Tensor:
    """A distance-head pair model's scores ``[B]`` for ``x1``, ``x2`` ``[B, ...]``, with both embeddings
    projected first: ``model.head(projection(embed(x1)), projection(embed(x2)))``, both sides in one pass."""
    a, b = projection(model.embed(torch.cat([x1, x2]))).chunk(2)
    return model.head(a, b)
