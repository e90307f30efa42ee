"""A pair model with its decision threshold calibrated on validation pairs, applied unchanged elsewhere."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import torch
from torch import nn

from siamkit.core.conventions import to_similarity
from siamkit.evaluation.inference import pair_scores
from siamkit.evaluation.metrics import calibrate_threshold, verification_report


@dataclass
class Calibrated:
    """A trained pair model with its threshold (model units) calibrated on validation pairs.

    ``val_scores`` / ``val_labels`` ``[P]``: the validation pairs' raw scores and labels (1 = same).
    """

    model: nn.Module
    threshold: float
    val_scores: torch.Tensor
    val_labels: torch.Tensor
    history: list[dict[str, float]] = field(default_factory=list)
    train_seconds: float = 0.0

    @property
    def score_kind(self) -> str:
        return self.model.score_kind

    def report(self, pairs) -> tuple[dict[str, Any], torch.Tensor]:
        """Verification metrics of ``pairs`` at the calibrated threshold, and their raw scores ``[P]``."""
        scores, labels = pair_scores(self.model, pairs)
        return verification_report(scores, labels, self.score_kind, self.threshold).as_dict(), scores

    def val_report(self) -> dict[str, Any]:
        return verification_report(self.val_scores, self.val_labels, self.score_kind, self.threshold).as_dict()

    def val_curve(self) -> tuple[torch.Tensor, torch.Tensor]:
        """``(similarity, labels)`` of the validation pairs, for ROC plots."""
        return to_similarity(self.val_scores, self.score_kind), self.val_labels


def calibrate(model: nn.Module, val_pairs, history: list | None = None, train_seconds: float = 0.0) -> Calibrated:
    """Score ``val_pairs`` with ``model`` and calibrate its threshold on them (best validation accuracy)."""
    scores, labels = pair_scores(model, val_pairs)
    threshold = calibrate_threshold(scores, labels, model.score_kind)
    return Calibrated(model, threshold, scores, labels, list(history or []), train_seconds)
