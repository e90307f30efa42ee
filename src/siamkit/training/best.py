"""Keep the epoch that verifies validation pairs best, and stop when it stops improving.

The validation pairs are whatever the caller gives: ``siamkit train`` passes pairs of its validation
split, which holds items of the *training* classes (the split is stratified by class). The kept epoch is
therefore the one that verifies seen classes best; validation on classes kept out of training as well
(Musgrave et al. 2020, "A Metric Learning Reality Check") is not yet a protocol of its own.
"""

from __future__ import annotations

import copy
from typing import Any

import torch
from torch import nn

from siamkit.core.conventions import to_similarity
from siamkit.evaluation.inference import pair_scores
from siamkit.evaluation.metrics import roc_auc


class BestOnValidation:
    """After every epoch: ROC AUC of ``pairs`` (``val_roc_auc``), a copy of the best weights, and whether to stop.

    ``patience``: stop after this many epochs without a better AUC (``None``: train every epoch).
    Its state (best AUC, epoch, weights) goes into training checkpoints, so a resumed run keeps it.
    """

    def __init__(self, pairs, patience: int | None = None) -> None:
        self.pairs = pairs
        self.patience = patience
        self.best_auc = float("-inf")
        self.best_epoch = -1
        self.best_state: dict[str, torch.Tensor] | None = None

    def after_epoch(self, model: nn.Module, epoch: int) -> tuple[float, bool]:
        """``(val_roc_auc, stop)`` for the epoch just trained; remembers the weights when they are the best."""
        was_training = model.training
        scores, labels = pair_scores(model, self.pairs)
        model.train(was_training)
        auc = roc_auc(to_similarity(scores, model.score_kind), labels)
        if auc > self.best_auc:
            self.best_auc, self.best_epoch = auc, epoch
            self.best_state = copy.deepcopy({k: v.detach().cpu() for k, v in model.state_dict().items()})
        stop = self.patience is not None and epoch - self.best_epoch >= self.patience
        return auc, stop

    def restore(self, model: nn.Module) -> None:
        """Load the best epoch's weights into ``model`` (nothing to do before the first epoch)."""
        if self.best_state is not None:
            model.load_state_dict(self.best_state)

    def state_dict(self) -> dict[str, Any]:
        return {"best_auc": self.best_auc, "best_epoch": self.best_epoch, "best_state": self.best_state}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.best_auc = state["best_auc"]
        self.best_epoch = state["best_epoch"]
        self.best_state = state["best_state"]
