"""Verification metrics for pair scores.

Functions here take **similarity-oriented** scores (larger = more alike; use
:func:`siamkit.conventions.to_similarity` on distances) and pair labels (1 = same, 0 = different).
A pair is called "same" when its similarity is ``>= threshold``.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np
import torch
from torch import nn

from siamkit.conventions import check_pair_labels, to_similarity
from siamkit.errors import DataError


@torch.no_grad()
def pair_scores(
    model: nn.Module, pairs, batch_size: int = 512
) -> tuple[torch.Tensor, torch.Tensor]:
    """Run ``model`` over every pair of ``pairs`` (a :class:`~siamkit.data.PairDataset`) in batches.

    Returns the model's raw scores ``[P]`` (in its own ``score_kind``) and the pair labels ``[P]``.
    """
    was_training = model.training
    model.eval()
    scores = []
    for start in range(0, len(pairs), batch_size):
        x1, x2, _ = pairs[torch.arange(start, min(start + batch_size, len(pairs)))]
        scores.append(model(x1, x2).float())
    model.train(was_training)
    return torch.cat(scores), pairs.labels.clone()


def _as_numpy(similarity, labels) -> tuple[np.ndarray, np.ndarray]:
    labels_t = torch.as_tensor(labels)
    check_pair_labels(labels_t)
    s = np.asarray(torch.as_tensor(similarity, dtype=torch.float64))
    y = np.asarray(labels_t.long())
    if s.shape != y.shape or s.ndim != 1:
        raise DataError(f"scores {s.shape} and labels {y.shape} must be 1-D of one length")
    if y.min(initial=1) == y.max(initial=0):
        raise DataError("ROC metrics need both same (1) and different (0) pairs among the labels")
    return s, y


def _roc(similarity, labels) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    from sklearn.metrics import roc_curve

    s, y = _as_numpy(similarity, labels)
    fpr, tpr, thresholds = roc_curve(y, s, drop_intermediate=False)
    return fpr, tpr, thresholds


def roc_auc(similarity, labels) -> float:
    """Area under the ROC curve (scikit-learn's ``roc_auc_score``)."""
    from sklearn.metrics import roc_auc_score

    s, y = _as_numpy(similarity, labels)
    return float(roc_auc_score(y, s))


def equal_error_rate(similarity, labels) -> tuple[float, float]:
    """EER and the similarity threshold where it occurs.

    The EER is where the false accept rate (FPR) equals the false reject rate (1 − TPR); between two
    ROC points both rates are interpolated linearly, and so is the threshold.

    Returns: ``(eer, threshold)``.
    """
    fpr, tpr, thresholds = _roc(similarity, labels)
    fnr = 1.0 - tpr
    gap = fpr - fnr  # rises from -1 (accept nothing) to +1 (accept everything)
    i = int(np.nonzero(gap >= 0)[0][0])
    if gap[i] == 0 or i == 0:
        return float(fpr[i]), float(thresholds[i])
    w = -gap[i - 1] / (gap[i] - gap[i - 1])  # fraction of the way from point i-1 to point i
    eer = fpr[i - 1] + w * (fpr[i] - fpr[i - 1])
    upper = thresholds[i - 1] if np.isfinite(thresholds[i - 1]) else thresholds[i]
    threshold = upper + w * (thresholds[i] - upper)
    return float(eer), float(threshold)


def best_accuracy_threshold(similarity, labels) -> float:
    """The similarity threshold with the highest accuracy on these pairs (for calibration).

    The threshold lies halfway between the last score accepted and the next one, so that a new
    score equal to neither is decided by the gap, not by a tie.
    """
    fpr, tpr, thresholds = _roc(similarity, labels)
    s, y = _as_numpy(similarity, labels)
    positives, negatives = int(y.sum()), int(len(y) - y.sum())
    correct = tpr * positives + (1.0 - fpr) * negatives
    i = int(np.argmax(correct))
    if i == 0:  # rejecting everything is best
        return float(s.max() + 1.0)
    if i == len(thresholds) - 1:  # accepting everything is best
        return float(thresholds[i])
    return float((thresholds[i] + thresholds[i + 1]) / 2.0)


def accuracy_at(similarity, labels, threshold: float) -> float:
    """Share of pairs decided correctly when "same" means ``similarity >= threshold``."""
    s, y = _as_numpy(similarity, labels)
    return float(np.mean((s >= threshold) == (y == 1)))


@dataclass
class VerificationReport:
    """Metrics of one pair set at a given threshold (``threshold`` in the model's own units)."""

    roc_auc: float
    eer: float
    threshold: float
    accuracy: float
    num_pairs: int

    def as_dict(self) -> dict[str, float]:
        return asdict(self)


def verification_report(
    scores: torch.Tensor, labels: torch.Tensor, score_kind: str, threshold: float
) -> VerificationReport:
    """ROC AUC, EER and accuracy of raw model ``scores`` at ``threshold`` (both in the model's units)."""
    similarity = to_similarity(scores, score_kind)
    sim_threshold = float(to_similarity(torch.tensor(threshold), score_kind))
    return VerificationReport(
        roc_auc=roc_auc(similarity, labels),
        eer=equal_error_rate(similarity, labels)[0],
        threshold=float(threshold),
        accuracy=accuracy_at(similarity, labels, sim_threshold),
        num_pairs=int(len(labels)),
    )


def calibrate_threshold(scores: torch.Tensor, labels: torch.Tensor, score_kind: str) -> float:
    """The max-accuracy threshold on validation pairs, in the model's own units.

    Call it on a validation split only; apply the result unchanged to test pairs.
    """
    similarity = to_similarity(scores, score_kind)
    return float(to_similarity(torch.tensor(best_accuracy_threshold(similarity, labels)), score_kind))
