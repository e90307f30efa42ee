"""Verification metrics for pair scores.

Functions here take **similarity-oriented** scores (larger = more alike; use
:func:`siamkit.core.conventions.to_similarity` on distances) and pair labels (1 = same, 0 = different).
A pair is called "same" when its similarity is ``>= threshold``. Functions that take raw model
``scores`` also take the model's ``score_kind`` and return thresholds in the model's own units.

Retrieval metrics (Recall@K, MAP@R) live in :mod:`siamkit.evaluation.retrieval`, N-way K-shot accuracy in
:mod:`siamkit.evaluation.fewshot`.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

import numpy as np
import torch

from siamkit.core.conventions import check_pair_labels, to_similarity
from siamkit.core.errors import ConfigError, DataError

FAR_TARGETS = (1e-1, 1e-2, 1e-3)


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


def roc_curve(similarity, labels) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Every ROC point: ``(fpr, tpr, thresholds)``; point ``i`` accepts pairs with similarity ``>= thresholds[i]``.

    ``fpr`` is the false accept rate (FAR), ``tpr`` the true accept rate (TAR); point 0 accepts nothing.
    """
    return _roc(similarity, labels)


def _check_far(far: float) -> float:
    if not 0.0 < far <= 1.0:
        raise ConfigError(f"a target false accept rate must be in (0, 1], got {far}")
    return float(far)


def _last_point_within(fpr: np.ndarray, far: float) -> int:
    """Index of the ROC point with the highest TAR whose FAR is at most ``far``."""
    return int(np.nonzero(fpr <= _check_far(far))[0][-1])


def far_threshold(similarity, labels, far: float) -> float:
    """The similarity threshold with the highest TAR among those whose FAR on these pairs is ``<= far``.

    For calibration on validation pairs; like :func:`best_accuracy_threshold` it sits in the gap
    below the last accepted score.
    """
    fpr, _, thresholds = _roc(similarity, labels)
    s, _ = _as_numpy(similarity, labels)
    return _threshold_between(thresholds, _last_point_within(fpr, far), s)


def tar_at_far(similarity, labels, far: float) -> float:
    """True accept rate at the best operating point of these pairs whose FAR is ``<= far``.

    With ``n`` different pairs, FAR can only be resolved in steps of ``1/n``: a target below it
    reads TAR at FAR = 0.
    """
    fpr, tpr, _ = _roc(similarity, labels)
    return float(tpr[_last_point_within(fpr, far)])


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
    return _threshold_between(thresholds, int(np.argmax(correct)), s)


def _threshold_between(thresholds: np.ndarray, i: int, s: np.ndarray) -> float:
    """A threshold that accepts exactly what ROC point ``i`` accepts, placed in the gap below it.

    Point 0 accepts nothing (``s.max() + 1``); the last point accepts everything (its own score).
    """
    if i == 0:
        return float(s.max() + 1.0)
    if i == len(thresholds) - 1:
        return float(thresholds[i])
    return float((thresholds[i] + thresholds[i + 1]) / 2.0)


def accuracy_at(similarity, labels, threshold: float) -> float:
    """Share of pairs decided correctly when "same" means ``similarity >= threshold``."""
    s, y = _as_numpy(similarity, labels)
    return float(np.mean((s >= threshold) == (y == 1)))


@dataclass
class ConfusionCounts:
    """Decisions at one threshold: true/false accepts (tp/fp) and true/false rejects (tn/fn)."""

    tp: int
    fp: int
    tn: int
    fn: int

    @property
    def accuracy(self) -> float:
        return (self.tp + self.tn) / max(self.tp + self.fp + self.tn + self.fn, 1)

    @property
    def precision(self) -> float:
        """Share of accepted pairs that are same pairs (0 when nothing is accepted)."""
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 0.0

    @property
    def recall(self) -> float:
        """Share of same pairs accepted (the TAR)."""
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 0.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0


def confusion_at(similarity, labels, threshold: float) -> ConfusionCounts:
    """Confusion counts when "same" means ``similarity >= threshold`` (label 1 = same)."""
    s, y = _as_numpy(similarity, labels)
    accept, same = s >= threshold, y == 1
    return ConfusionCounts(
        tp=int(np.sum(accept & same)),
        fp=int(np.sum(accept & ~same)),
        tn=int(np.sum(~accept & ~same)),
        fn=int(np.sum(~accept & same)),
    )


def far_key(far: float) -> str:
    """The key a FAR target has in reports: ``1e-02``."""
    return f"{far:.0e}"


@dataclass
class VerificationReport:
    """Metrics of one pair set at a given threshold (``threshold`` and ``eer_threshold`` in the
    model's own units). ``tar_at_far`` maps :func:`far_key` of each FAR target to its TAR."""

    roc_auc: float
    eer: float
    threshold: float
    accuracy: float
    num_pairs: int
    eer_threshold: float = float("nan")
    precision: float = float("nan")
    recall: float = float("nan")
    f1: float = float("nan")
    tp: int = 0
    fp: int = 0
    tn: int = 0
    fn: int = 0
    tar_at_far: dict[str, float] = field(default_factory=dict)

    def as_dict(self) -> dict[str, float]:
        return asdict(self)


def verification_report(
    scores: torch.Tensor, labels: torch.Tensor, score_kind: str, threshold: float
) -> VerificationReport:
    """ROC AUC, EER and accuracy of raw model ``scores`` at ``threshold`` (both in the model's units)."""
    similarity = to_similarity(scores, score_kind)
    sim_threshold = _to_units(threshold, score_kind)
    eer, eer_threshold = equal_error_rate(similarity, labels)
    counts = confusion_at(similarity, labels, sim_threshold)
    return VerificationReport(
        roc_auc=roc_auc(similarity, labels),
        eer=eer,
        threshold=float(threshold),
        accuracy=accuracy_at(similarity, labels, sim_threshold),
        num_pairs=int(len(labels)),
        eer_threshold=_to_units(eer_threshold, score_kind),
        precision=counts.precision,
        recall=counts.recall,
        f1=counts.f1,
        **asdict(counts),
        tar_at_far={far_key(far): tar_at_far(similarity, labels, far) for far in FAR_TARGETS},
    )


def _to_units(threshold: float, score_kind: str) -> float:
    """Convert a threshold between similarity and the model's units (negation is its own inverse)."""
    return float(to_similarity(torch.tensor(float(threshold), dtype=torch.float64), score_kind))


def calibrate_threshold(
    scores: torch.Tensor, labels: torch.Tensor, score_kind: str, target_far: float | None = None
) -> float:
    """The threshold chosen on validation pairs, in the model's own units.

    ``target_far=None``: the max-accuracy threshold; else the threshold with the highest TAR whose
    FAR on these pairs is ``<= target_far``. Call it on a validation split only; apply the result
    unchanged to test pairs (:func:`calibrate_and_test` does both).
    """
    similarity = to_similarity(scores, score_kind)
    if target_far is None:
        chosen = best_accuracy_threshold(similarity, labels)
    else:
        chosen = far_threshold(similarity, labels, target_far)
    return _to_units(chosen, score_kind)


def calibrate_and_test(
    val_scores: torch.Tensor,
    val_labels: torch.Tensor,
    test_scores: torch.Tensor,
    test_labels: torch.Tensor,
    score_kind: str,
    target_far: float | None = None,
) -> tuple[float, VerificationReport]:
    """Choose the threshold on validation pairs only, then report the test pairs at it, unchanged.

    Returns ``(threshold, report)`` with the threshold in the model's own units.
    """
    threshold = calibrate_threshold(val_scores, val_labels, score_kind, target_far)
    return threshold, verification_report(test_scores, test_labels, score_kind, threshold)
