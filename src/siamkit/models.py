"""Pair models. A model maps a pair batch ``x1, x2`` (``[B, ...]`` each) to one score per pair ``[B]``
and says which way the score points through ``score_kind`` (see :mod:`siamkit.heads`).
"""

from __future__ import annotations

from typing import Any

import torch
from torch import nn

from siamkit.encoders import ENCODERS
from siamkit.heads import HEADS, DistanceHead
from siamkit.registry import Buildable, Registry, spec_of

MODELS = Registry("model")


@MODELS.register("siamese")
class SiameseNet(Buildable, nn.Module):
    """Shared-weight Siamese network: one ``encoder`` embeds both inputs, ``head`` scores the pair.

    Both branches run as **one** batched pass (``torch.cat`` of the two halves), so the weights are
    shared by construction and batch-norm statistics see both halves.

    Any encoder works for training; a checkpoint needs registered parts (see :mod:`siamkit.registry`).

    Args:
        encoder: maps ``[B, ...]`` to embeddings ``[B, D]``.
        head: maps two ``[B, D]`` embeddings to scores ``[B]`` and has a ``score_kind``.

    Example:
        >>> from siamkit.encoders import LeNet
        >>> from siamkit.heads import DistanceHead
        >>> net = SiameseNet(LeNet(in_channels=1, embedding_dim=16), DistanceHead())
        >>> net(torch.zeros(4, 1, 8, 8), torch.ones(4, 1, 8, 8)).shape
        torch.Size([4])
    """

    def __init__(self, encoder: nn.Module, head: nn.Module) -> None:
        super().__init__()
        self.encoder = encoder
        self.head = head

    @property
    def spec_args(self) -> dict[str, Any]:  # read at save time, so replaced parts are seen
        return {"encoder": spec_of(self.encoder), "head": spec_of(self.head)}

    @classmethod
    def from_spec_args(cls, encoder: dict[str, Any], head: dict[str, Any]) -> "SiameseNet":
        return cls(ENCODERS.build(encoder), HEADS.build(head))

    @property
    def score_kind(self) -> str:
        return self.head.score_kind

    def embed(self, x: torch.Tensor) -> torch.Tensor:
        """Embeddings ``[B, D]`` of single inputs ``x`` ``[B, ...]``."""
        return self.encoder(x)

    def forward(self, x1: torch.Tensor, x2: torch.Tensor) -> torch.Tensor:
        a, b = self.encoder(torch.cat([x1, x2], dim=0)).chunk(2, dim=0)
        return self.head(a, b)


@MODELS.register("triplet")
class TripletNet(SiameseNet):
    """Triplet network: one shared ``encoder`` embeds anchor, positive and negative in one batched pass.

    Trained with triplet losses on embeddings (:meth:`embed_triplets`, or :meth:`embed` on P×K
    batches for online mining). For evaluation it *is* a Siamese network with a
    :class:`~siamkit.heads.DistanceHead` of the same ``metric``: ``forward(x1, x2)`` returns pair
    distances ``[B]`` (``score_kind == "distance"``), so threshold calibration, ``siamkit eval`` and
    ``siamkit verify`` treat it like any pair model.

    Args:
        encoder: maps ``[B, ...]`` to embeddings ``[B, D]``.
        metric: the distance the triplet loss uses: ``"euclidean"``, ``"squared_euclidean"`` or ``"cosine"``.

    Example:
        >>> from siamkit.encoders import LeNet
        >>> net = TripletNet(LeNet(in_channels=1, embedding_dim=16))
        >>> a, p, n = net.embed_triplets(*torch.zeros(3, 4, 1, 8, 8))
        >>> a.shape
        torch.Size([4, 16])
    """

    def __init__(self, encoder: nn.Module, metric: str = "euclidean") -> None:
        super().__init__(encoder, DistanceHead(metric))

    @property
    def spec_args(self) -> dict[str, Any]:
        return {"encoder": spec_of(self.encoder), "metric": self.metric}

    @classmethod
    def from_spec_args(cls, encoder: dict[str, Any], metric: str = "euclidean") -> "TripletNet":
        return cls(ENCODERS.build(encoder), metric)

    @property
    def metric(self) -> str:
        return self.head.metric

    def embed_triplets(
        self, anchor: torch.Tensor, positive: torch.Tensor, negative: torch.Tensor
    ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """Embeddings ``[B, D]`` of anchors, positives and negatives (``[B, ...]`` each), one encoder pass."""
        a, p, n = self.encoder(torch.cat([anchor, positive, negative], dim=0)).chunk(3, dim=0)
        return a, p, n
