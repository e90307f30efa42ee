"""Pair losses: one score per pair ``[B]`` and pair labels ``[B]`` (**1 = same, 0 = different**
unless an argument says otherwise). Losses written for ±1 labels (cosine embedding, hinge) map our
0/1 labels explicitly. Each declares the head output it needs in ``expects`` (``"distance"`` or
``"similarity"``), so a mismatched model/loss combination fails before training; docs/losses.md
gives each formula.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from siamkit.core.conventions import check_pair_labels
from siamkit.core.errors import ConfigError, LabelError

REDUCTIONS = ("mean", "half_mean", "sum")


def check_pair_batch(scores: torch.Tensor, labels: torch.Tensor) -> None:
    """Raise :class:`LabelError` unless ``labels`` are 0/1 pair labels ``[B]`` aligned with ``scores`` ``[B, ...]``."""
    if labels.ndim != 1 or scores.ndim == 0 or labels.shape[0] != scores.shape[0]:
        raise LabelError(
            f"pair labels must have shape [B] with one label per pair; scores {tuple(scores.shape)}, "
            f"labels {tuple(labels.shape)}"
        )
    check_pair_labels(labels)


def plus_minus_labels(labels: torch.Tensor, dtype: torch.dtype) -> torch.Tensor:
    """Map siamkit pair labels (1 = same, 0 = different) to the ±1 labels of torch's embedding losses."""
    check_pair_labels(labels)
    return labels.to(dtype) * 2 - 1


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
        check_pair_batch(distances, labels)
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

    def from_embeddings(self, a: torch.Tensor, b: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
        """The same loss on Euclidean distances ``‖a − b‖`` (``a, b`` ``[B, D]``), through
        :class:`ContrastiveFunction` and its hand-written backward instead of autograd."""
        check_pair_batch(a, labels)
        similar = (labels == self.similar_label).to(a.dtype)
        scale = {"sum": 1.0, "mean": 1.0 / len(labels), "half_mean": 0.5 / len(labels)}[self.reduction]
        return ContrastiveFunction.apply(a, b, similar, self.margin, self.squared, scale)


class ContrastiveFunction(torch.autograd.Function):
    """Contrastive loss on two embeddings with a hand-written backward (the classic Caffe layer).

    Forward, with ``d = ‖a − b‖``, ``h = max(0, margin − d)`` and ``s`` = 1 for similar pairs::

        squared=True :  L = scale · Σ_i  s_i·d_i²  + (1 − s_i)·h_i²
        squared=False:  L = scale · Σ_i  s_i·d_i   + (1 − s_i)·h_i

    Backward (∂d/∂a = (a − b)/d, and ∂L/∂b = −∂L/∂a)::

        squared=True :  ∂L/∂a_i = scale · (2·s_i − 2·(1 − s_i)·h_i / d_i) · (a_i − b_i)
        squared=False:  ∂L/∂a_i = scale · (s_i − (1 − s_i)·[h_i > 0]) / d_i · (a_i − b_i)

    ``apply(a [B, D], b [B, D], similar [B] float 0/1, margin, squared, scale)`` → scalar.
    """

    @staticmethod
    def forward(ctx, a, b, similar, margin: float, squared: bool, scale: float):
        diff = a - b
        squared_distance = diff.pow(2).sum(dim=1)
        distance = squared_distance.clamp_min(1e-12).sqrt()
        hinge = (margin - distance).clamp_min(0)
        if squared:
            per_pair = similar * squared_distance + (1 - similar) * hinge.pow(2)
        else:
            per_pair = similar * distance + (1 - similar) * hinge
        ctx.save_for_backward(diff, distance, hinge, similar)
        ctx.squared, ctx.scale = squared, scale
        return scale * per_pair.sum()

    @staticmethod
    def backward(ctx, grad_output):
        diff, distance, hinge, similar = ctx.saved_tensors
        if ctx.squared:
            coef = 2 * similar - 2 * (1 - similar) * hinge / distance
        else:
            coef = (similar - (1 - similar) * (hinge > 0).to(diff.dtype)) / distance
        grad_a = (grad_output * ctx.scale * coef)[:, None] * diff
        return grad_a, -grad_a, None, None, None, None


class PairBCEWithLogitsLoss(nn.Module):
    """Binary cross-entropy on logits of "same" (label 1 = same), for classifier heads.

    Shapes: ``logits [B]``, ``labels [B]`` of 0/1 → scalar mean.
    """

    expects = "similarity"

    def forward(self, logits: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
        check_pair_batch(logits, labels)
        return F.binary_cross_entropy_with_logits(logits, labels.to(logits.dtype))


class PairCrossEntropyLoss(nn.Module):
    """Softmax cross-entropy over two logits ``(l0 = different, l1 = same)``; label 1 = same.

    Accepts either the logits ``[B, 2]`` or the log-odds ``l1 − l0`` ``[B]`` that a two-logit head's
    ``forward`` returns; both give ``−log softmax(l)_y`` (on log-odds that equals BCE-with-logits).
    """

    expects = "similarity"

    def forward(self, logits: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
        check_pair_batch(logits, labels)
        if logits.ndim == 2 and logits.shape[1] == 2:
            return F.cross_entropy(logits, labels.long())
        if logits.ndim == 1:
            return F.binary_cross_entropy_with_logits(logits, labels.to(logits.dtype))
        raise LabelError(f"cross-entropy needs logits [B, 2] or log-odds [B], got {tuple(logits.shape)}")


class CosineEmbeddingPairLoss(nn.Module):
    """``torch.nn.CosineEmbeddingLoss`` on a cosine distance head, with our 0/1 labels mapped to ±1.

    With ``d = 1 − cos(a, b)`` from ``DistanceHead(metric="cosine")``::

        same (1):       L_i = d_i                       (= 1 − cos)
        different (0):  L_i = max(0, 1 − d_i − margin)  (= max(0, cos − margin))

    Args: ``margin`` in [−1, 1] (torch suggests 0 to 0.5). Shapes: ``distances [B]``, ``labels [B]`` → mean.
    """

    expects = "distance"

    def __init__(self, margin: float = 0.0) -> None:
        super().__init__()
        if not -1.0 <= margin <= 1.0:
            raise ConfigError(f"cosine margin must be in [-1, 1], got {margin}")
        self.margin = float(margin)

    def forward(self, distances: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
        check_pair_batch(distances, labels)
        target = plus_minus_labels(labels, distances.dtype)
        cosine = 1.0 - distances
        per_pair = torch.where(target > 0, 1.0 - cosine, (cosine - self.margin).clamp_min(0))
        return per_pair.mean()


class HingeEmbeddingPairLoss(nn.Module):
    """``torch.nn.HingeEmbeddingLoss`` on pair distances, with our 0/1 labels mapped to ±1::

        same (1): L_i = d_i        different (0): L_i = max(0, margin − d_i)

    The unsquared contrastive loss. Shapes: ``distances [B]``, ``labels [B]`` → mean.
    """

    expects = "distance"

    def __init__(self, margin: float = 1.0) -> None:
        super().__init__()
        if margin <= 0:
            raise ConfigError(f"margin must be > 0, got {margin}")
        self.margin = float(margin)

    def forward(self, distances: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
        check_pair_batch(distances, labels)
        return F.hinge_embedding_loss(distances, plus_minus_labels(labels, distances.dtype), self.margin)


class PairMSELoss(nn.Module):
    """Mean squared error between ``sigmoid(logit)`` and the 0/1 label: ``L_i = (σ(l_i) − y_i)²``.

    Weak, kept for comparison: its gradient ``2(σ − y)·σ(1 − σ)`` vanishes when the sigmoid
    saturates, including on confidently *wrong* pairs, so it learns slower than BCE.
    Shapes: ``logits [B]``, ``labels [B]`` → mean.
    """

    expects = "similarity"

    def forward(self, logits: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
        check_pair_batch(logits, labels)
        return F.mse_loss(torch.sigmoid(logits), labels.to(logits.dtype))
