"""The one path every experiment takes: train → calibrate the threshold on validation pairs → score
held-out pairs at that threshold, unchanged.

Image, text, architecture-comparison and cross-modal runs differ only in how they build their data,
model and loss, and in what they evaluate afterwards; the steps here are the same for all of them.
"""

from __future__ import annotations

import time
from dataclasses import replace
from pathlib import Path
from typing import Any, Callable

from torch import nn

from siamkit.evaluation.calibrated import Calibrated, calibrate
from siamkit.training.config import TrainConfig


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
