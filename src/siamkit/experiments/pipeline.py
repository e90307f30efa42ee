"""The one path every experiment takes: train → calibrate the threshold on validation pairs → score
held-out pairs at that threshold, unchanged.

Image, text, architecture-comparison and cross-modal runs differ only in how they build their data,
model and loss, and in what they evaluate afterwards; the steps here are the same for all of them.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Callable

import torch
from torch import nn

from siamkit.core.conventions import to_similarity
from siamkit.evaluation.inference import pair_scores
from siamkit.evaluation.metrics import calibrate_threshold, verification_report
from siamkit.training.config import TrainConfig


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


def train_and_calibrate(model: nn.Module, train: Callable[[], Any], val_pairs) -> Calibrated:
    """Run ``train()`` (a call of :func:`~siamkit.training.trainer.fit` or ``fit_triplets`` on ``model``,
    returning its :class:`~siamkit.training.trainer.FitResult`), timed, then :func:`calibrate` on ``val_pairs``."""
    started = time.perf_counter()
    result = train()
    seconds = round(time.perf_counter() - started, 2)
    return calibrate(model, val_pairs, result.history, seconds)


def with_checkpoint_dir(config: TrainConfig, out_dir: str | Path) -> TrainConfig:
    """``config`` with Lightning's ``last.ckpt`` (for resume) under ``out_dir/checkpoints`` unless it names a folder."""
    return replace(config, checkpoint_dir=config.checkpoint_dir or Path(out_dir) / "checkpoints")


def lift_over_baselines(model_auc: float, baseline_aucs: dict[str, float]) -> dict[str, Any]:
    """How far the model's ROC AUC is above the best untrained baseline's (negative: below it)."""
    best = max(baseline_aucs, key=baseline_aucs.get)
    return {"best_baseline": best, "baseline_roc_auc": baseline_aucs[best], "lift": model_auc - baseline_aucs[best]}


def similarity_baseline_report(
    val_similarity: torch.Tensor, val_labels: torch.Tensor, similarity: torch.Tensor, labels: torch.Tensor
) -> dict[str, Any]:
    """Verification metrics of a similarity baseline, its threshold calibrated on its validation scores."""
    threshold = calibrate_threshold(val_similarity, val_labels, "similarity")
    return verification_report(similarity, labels, "similarity", threshold).as_dict()


