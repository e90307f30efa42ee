"""Losses from sentence-embedding practice that look across the whole batch of pairs.

- :class:`MultipleNegativesRankingLoss` (``--loss mnrl``; InfoNCE with in-batch negatives, van den Oord et
  al. 2018, Henderson et al. 2017): on the **embeddings** of a pair batch, each same pair's first text must
  pick its own second text out of every second text in the batch; :class:`MultipleNegativesSymmetricRankingLoss`
  (``--loss mnrl_symmetric``) also makes each second text pick its first text.
- :class:`OnlineContrastiveLoss` (``--loss online_contrastive``): the contrastive loss on the batch's hard
  pairs only, on **pair distances** like any pair loss.

Pair labels: 1 = same, 0 = different. Both train models scored by cosine distance (``--metric cosine``).
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from siamkit.core.errors import ConfigError
from siamkit.losses.pair import ContrastiveLoss, check_pair_batch

__all__ = ["MultipleNegativesRankingLoss", "MultipleNegativesSymmetricRankingLoss", "OnlineContrastiveLoss"]


class MultipleNegativesRankingLoss(nn.Module):
    """In-batch negatives ranking loss (InfoNCE) on pair embeddings ``a, b`` ``[B, D]`` with labels ``[B]``.

    With ``P`` the same pairs (label 1) and ``s_ij = scale · cos(a_i, b_j)`` for every ``i`` in ``P`` and every
    ``j`` in the batch::

        L = mean over i in P of  −log( exp(s_ii) / Σ_j exp(s_ij) )

    Each other pair's second text is a negative for ``a_i``: the other same pairs' (the usual in-batch
    negatives) and the different pairs' (hard negatives when the data pairs a text with a confusable one).
    A batch without a same pair adds nothing (loss 0). As in sentence-transformers' loss of the same name,
    the softmax runs over second texts only; ``symmetric=True`` adds the mirror term (each ``b_i`` picking its
    ``a_i`` among the first texts of the same pairs).

    ``takes_pair_embeddings``: the trainer feeds it ``(embed(x1), embed(x2), labels)`` instead of pair scores;
    ``in_batch_negatives``: the batch's other pairs are the negatives, so it trains on same pairs alone.

    Args:
        scale: inverse temperature on the cosine similarities (20, sentence-transformers' default).
        symmetric: add the b → a term.
    """

    expects = "distance"
    metric = "cosine"
    takes_pair_embeddings = True
    in_batch_negatives = True

    def __init__(self, scale: float = 20.0, symmetric: bool = False) -> None:
        super().__init__()
        if not scale > 0:
            raise ConfigError(f"scale must be > 0 (an inverse temperature; try 20), got {scale}")
        self.scale = float(scale)
        self.symmetric = bool(symmetric)

    def forward(self, a: torch.Tensor, b: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
        check_pair_batch(a, labels)
        same = torch.nonzero(labels == 1).flatten()
        if len(same) == 0:
            return (a.sum() + b.sum()) * 0.0
        a, b = F.normalize(a.float(), dim=1), F.normalize(b.float(), dim=1)
        logits = self.scale * a[same] @ b.T  # [P, B]
        loss = F.cross_entropy(logits, same)
        if self.symmetric:
            mirror = self.scale * b[same] @ a[same].T  # [P, P]
            loss = (loss + F.cross_entropy(mirror, torch.arange(len(same), device=a.device))) / 2
        return loss


class MultipleNegativesSymmetricRankingLoss(MultipleNegativesRankingLoss):
    """:class:`MultipleNegativesRankingLoss` with ``symmetric=True`` (sentence-transformers'
    ``MultipleNegativesSymmetricRankingLoss``): the mean of the a → b and b → a terms."""

    def __init__(self, scale: float = 20.0) -> None:
        super().__init__(scale, symmetric=True)


class OnlineContrastiveLoss(ContrastiveLoss):
    """The squared :class:`~siamkit.losses.pair.ContrastiveLoss` on a batch's hard pairs only
    (sentence-transformers' ``OnlineContrastiveLoss``).

    From pair distances ``d`` ``[B]``: the hard same pairs are those farther apart than the closest different
    pair, the hard different pairs those closer than the farthest same pair (all of a kind when the other is
    absent); then ``L = (Σ_hard-same d² + Σ_hard-different max(0, margin − d)²) / B``.

    Args:
        margin: different pairs closer than this are pushed apart (cosine distance units: 0.5).
    """

    def __init__(self, margin: float = 0.5) -> None:
        super().__init__(margin, squared=True, reduction="sum")

    def forward(self, distances: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
        check_pair_batch(distances, labels)
        same = labels == 1
        inf = distances.new_tensor(float("inf"))
        closest_different = distances[~same].min() if bool((~same).any()) else -inf  # none: every same pair is hard
        farthest_same = distances[same].max() if bool(same.any()) else inf
        hard = torch.where(same, distances > closest_different, distances < farthest_same)
        return super().forward(distances[hard], labels[hard]) / len(distances)
