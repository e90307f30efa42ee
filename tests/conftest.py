"""Shared fixtures: one tiny trained run (seconds) reused by workflow, checkpoint and CLI tests."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

from siamkit.config import TrainConfig
from siamkit.workflow import ExperimentConfig, run_training

torch.set_num_threads(min(2, torch.get_num_threads()))


def tiny_experiment(**overrides) -> ExperimentConfig:
    """A LeNet on digits trained for one short epoch: enough to beat chance, fast enough for tests."""
    train = TrainConfig(epochs=1, batch_size=64, lr=2e-3, progress=False, seed=0)
    settings = dict(embedding_dim=8, train_pairs=768, eval_pairs=300, train=train)
    settings.update(overrides)
    return ExperimentConfig(**settings)


@pytest.fixture(scope="session")
def trained_run(tmp_path_factory) -> tuple[Path, dict]:
    """(output folder, metrics) of a tiny `run_training` on digits."""
    out = tmp_path_factory.mktemp("run")
    metrics = run_training(tiny_experiment(), out)
    return out, metrics
