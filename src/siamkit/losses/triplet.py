"""Triplet losses on embeddings ``[B, D]``: explicit (anchor, positive, negative) triplets, or
online triplets mined inside a labelled batch (:mod:`siamkit.losses.mining`).
"""

from __future__ import annotations

import torch
from torch import nn

from siamkit.core.errors import ConfigError, LabelError
from siamkit.losses.mining import TripletMiner, pairwise_distances
from siamkit.nn.distances import Distance, EuclideanDistance, SquaredEuclideanDistance, get_distance

TRIPLET_REDUCTIONS = ("mean", "mean_nonzero", "sum")


class TripletLoss(nn.Module):
    """Triplet margin loss on explicit triplets (Weinberger & Saul 2009; Schroff et al. 2015)::

        L_i = max(0, d(a_i, p_i) − d(a_i, n_i) + margin)

    Args:
        margin: required gap between the negative and the positive distance (distance units).
        squared: use squared Euclidean distances (FaceNet's form); Euclidean only.
        distance: a :class:`~siamkit.nn.distances.Distance` or its name: ``"euclidean"``, ``"cosine"``
            (``1 − cos``) or ``"squared_euclidean"`` (the same as ``squared=True``).
        reduction: ``"mean"`` over triplets, ``"mean_nonzero"`` (over triplets with loss > 0, as
            pytorch-metric-learning's default reducer) or ``"sum"``.

    Shapes: ``anchor, positive, negative`` ``[B, D]`` each → scalar. :attr:`pair_distance` is the
    :class:`~siamkit.nn.distances.Distance` trained; :attr:`metric` names it (a
    :class:`~siamkit.nn.heads.DistanceHead` metric) for the model trained with it to score with.
    """

    expects = "distance"

    def __init__(
        self,
        margin: float = 0.2,
        squared: bool = False,
        distance: str | Distance = "euclidean",
        reduction: str = "mean",
    ) -> None:
        super().__init__()
        if margin < 0:
            raise ConfigError(f"margin must be ≥ 0, got {margin}")
        pair_distance = get_distance(distance, "triplet distance")
        if squared:
            if not isinstance(pair_distance, EuclideanDistance):
                raise ConfigError("squared=True applies to the Euclidean distance only; use distance='euclidean'")
            pair_distance = SquaredEuclideanDistance()
        if reduction not in TRIPLET_REDUCTIONS:
            raise ConfigError(f"reduction must be one of {TRIPLET_REDUCTIONS}, got '{reduction}'")
        self.margin = float(margin)
        self.squared = isinstance(pair_distance, SquaredEuclideanDistance)
        self.reduction = reduction
        self.pair_distance = pair_distance
        self.metric = pair_distance.name

    def from_distances(self, d_ap: torch.Tensor, d_an: torch.Tensor) -> torch.Tensor:
        """The loss from anchor–positive and anchor–negative distances ``[T]`` each."""
        losses = (d_ap - d_an + self.margin).clamp_min(0)
        if self.reduction == "sum":
            return losses.sum()
        if self.reduction == "mean_nonzero":
            losses = losses[losses > 0]
        # An empty selection gives 0 (still attached to the graph), not NaN.
        return losses.sum() / max(len(losses), 1)

    def forward(self, anchor: torch.Tensor, positive: torch.Tensor, negative: torch.Tensor) -> torch.Tensor:
        if not anchor.shape == positive.shape == negative.shape or anchor.ndim != 2:
            raise LabelError(
                "TripletLoss takes three aligned embedding batches [B, D]; got "
                f"{tuple(anchor.shape)}, {tuple(positive.shape)}, {tuple(negative.shape)}. For class-labelled "
                "batches use OnlineTripletLoss(embeddings, class_ids)"
            )
        return self.from_distances(
            self.pair_distance.paired(anchor, positive), self.pair_distance.paired(anchor, negative)
        )


class OnlineTripletLoss(TripletLoss):
    """Triplet loss over triplets mined inside a batch of class-labelled embeddings.

    Args:
        margin, squared, distance, reduction: as in :class:`TripletLoss`.
        strategy: ``"batch_hard"`` (default), ``"batch_all"`` or ``"semi_hard"``; see :mod:`siamkit.losses.mining`.

    Shapes: ``embeddings`` ``[B, D]``, ``labels`` ``[B]`` integer **class ids** (not pair labels) → scalar.
    After a call, ``last_num_triplets`` holds how many triplets were mined.

    Example:
        >>> loss = OnlineTripletLoss(margin=0.2, strategy="batch_hard")
        >>> value = loss(torch.randn(8, 4), torch.tensor([0, 0, 1, 1, 2, 2, 3, 3]))
    """

    takes_labelled_batch = True

    def __init__(
        self,
        margin: float = 0.2,
        strategy: str = "batch_hard",
        squared: bool = False,
        distance: str = "euclidean",
        reduction: str = "mean",
    ) -> None:
        super().__init__(margin, squared, distance, reduction)
        self.miner = TripletMiner(strategy, margin, self.pair_distance)
        self.last_num_triplets = 0

    def forward(self, embeddings: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
        if embeddings.ndim != 2:
            raise LabelError(f"embeddings must be [B, D], got {tuple(embeddings.shape)}")
        distances = pairwise_distances(embeddings, self.pair_distance)
        a, p, n = self.miner.mine(distances, labels)
        self.last_num_triplets = len(a)
        return self.from_distances(distances[a, p], distances[a, n])
