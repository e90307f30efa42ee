"""Shared fixtures: one tiny trained run (seconds) reused by workflow, checkpoint and CLI tests."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

import pytest
import torch

from siamkit.experiments.config import ExperimentConfig
from siamkit.experiments.image import run_training
from siamkit.training.config import TrainConfig

# One intra-op thread per test: on a loaded 2-core machine more threads contend and the suite crawls.
torch.set_num_threads(1)


class RecordingLoss(torch.nn.Module):
    """A class loss that remembers the labels it was given (``seen``), then scores with ``loss``."""

    def __init__(self, loss: torch.nn.Module) -> None:
        super().__init__()
        self.inner, self.seen = loss, []

    def forward(self, embeddings, labels):
        self.seen.append(labels.clone())
        return self.inner(embeddings, labels)


def load_module(path: Path) -> ModuleType:
    """A script or example outside the package (``scripts/``, ``examples/``), imported from its file."""
    spec = importlib.util.spec_from_file_location(path.stem, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


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
