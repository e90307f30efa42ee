"""Pair losses. Pair label convention: **1 = same, 0 = different** unless an argument says otherwise.

Each loss declares the head output it needs in ``expects`` (``"distance"`` or ``"similarity"``),
so a mismatched model/loss combination fails before training instead of training to nonsense.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from siamkit.conventions import check_pair_labels
from siamkit.errors import ConfigError

REDUCTIONS = ("mean", "half_mean", "sum")


class ContrastiveLoss(nn.Module):
    """Contrastive loss (Hadsell, Chopra & LeCun 2006) over pair distances.

    With ``s`` = 1 for similar pairs and 0 for dissimilar ones, and ``d`` the pair distance::

        squared=True :  L_i = s·d²  + (1−s)·max(0, margin − d)²
        squared=False:  L_i = s·d   + (1−s)·max(0, margin − d)

    ``reduction``: ``"mean"`` (1/N Σ), ``"half_mean"`` (1/2N Σ, the Caffe/DrLIM form) or ``"sum"``.

    Args:
        margin: dissimilar pairs closer than this are pushed apart (same units as ``d``).
        similar_label: the label value that means "similar". siamkit's convention is ``1``;
            pass ``similar_label=0`` for data written in Hadsell's DrLIM convention (Y=0 similar).
        squared: square the distance terms (the paper's form).
        reduction: see above.

    Shapes: ``distances [B]``, ``labels [B]`` of 0/1 → scalar.

    Example:
        >>> loss = ContrastiveLoss(margin=1.0)
        >>> float(loss(torch.tensor([0.5, 0.5]), torch.tensor([1, 0])))
        0.25
    """

    expects = "distance"

    def __init__(
        self,
        margin: float = 1.0,
        similar_label: int = 1,
        squared: bool = True,
        reduction: str = "mean",
    ) -> None:
        super().__init__()
        if margin <= 0:
            raise ConfigError(f"margin must be > 0, got {margin}")
        if similar_label not in (0, 1):
            raise ConfigError(f"similar_label must be 0 or 1, got {similar_label}")
        if reduction not in REDUCTIONS:
            raise ConfigError(f"reduction must be one of {REDUCTIONS}, got '{reduction}'")
        self.margin = float(margin)
        self.similar_label = int(similar_label)
        self.squared = squared
        self.reduction = reduction

    def forward(self, distances: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
        check_pair_labels(labels)
        similar = (labels == self.similar_label).to(distances.dtype)
        pull = distances
        push = (self.margin - distances).clamp_min(0)
        if self.squared:
            pull, push = pull.pow(2), push.pow(2)
        per_pair = similar * pull + (1 - similar) * push
        if self.reduction == "sum":
            return per_pair.sum()
        scale = 0.5 if self.reduction == "half_mean" else 1.0
        return scale * per_pair.mean()


class PairBCEWithLogitsLoss(nn.Module):
    """Binary cross-entropy on logits of "same" (label 1 = same), for classifier heads.

    Shapes: ``logits [B]``, ``labels [B]`` of 0/1 → scalar mean.
    """

    expects = "similarity"

    def forward(self, logits: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
        check_pair_labels(labels)
        return F.binary_cross_entropy_with_logits(logits, labels.to(logits.dtype))


def check_loss_fits_model(loss: nn.Module, score_kind: str) -> None:
    """Raise :class:`ConfigError` if ``loss`` needs another kind of score than the model gives."""
    expects = getattr(loss, "expects", None)
    if expects is not None and expects != score_kind:
        raise ConfigError(
            f"{type(loss).__name__} needs a head that outputs a {expects}, but the model's head "
            f"outputs a {score_kind}; use a {'distance' if expects == 'distance' else 'classifier'} "
            "head or another loss"
        )
