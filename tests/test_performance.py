"""Speed options of training: channels_last weights, bf16 autocast, and their validation."""

from __future__ import annotations

import math
import warnings

import pytest
import torch

from siamkit.cli import run
from siamkit.core.errors import ConfigError
from siamkit.data import PairDataset, digits
from siamkit.losses.pair import ContrastiveLoss
from siamkit.nn.encoders import LeNet
from siamkit.nn.heads import DistanceHead
from siamkit.nn.models import SiameseNet
from siamkit.training import trainer
from siamkit.training.config import TrainConfig
from siamkit.training.trainer import fit


def test_channels_last_bf16_training_runs_and_keeps_layout():
    torch.manual_seed(0)
    model = SiameseNet(LeNet(in_channels=1, embedding_dim=8), DistanceHead())
    pairs = PairDataset(digits(), 256, seed=0)
    config = TrainConfig(epochs=1, batch_size=64, progress=False, channels_last=True, precision="bf16-mixed")
    result = fit(model, ContrastiveLoss(), pairs, config=config)
    conv = result.model.encoder.features[3].weight  # 20 → 50 channels (a 1-channel weight fits both layouts)
    assert conv.is_contiguous(memory_format=torch.channels_last) and not conv.is_contiguous()
    assert conv.dtype == torch.float32  # autocast: bf16 compute, fp32 weights
    assert math.isfinite(result.history[0]["train_loss"])


def test_unknown_precision_is_a_config_error(capsys):
    with pytest.raises(ConfigError, match="bf16-mixed"):
        TrainConfig(precision="bf17")
    assert run(["train", "--out", "unused", "--precision", "half"]) == 2
    assert "unknown precision 'half'" in capsys.readouterr().err



@pytest.mark.parametrize("native", [False, True])
def test_bf16_on_a_cpu_without_bf16_instructions_warns_with_the_fix(monkeypatch, native):
    monkeypatch.setattr(trainer, "cpu_has_bf16", lambda: native)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        trainer.warn_if_bf16_is_emulated(TrainConfig(precision="bf16-mixed"))
        trainer.warn_if_bf16_is_emulated(TrainConfig(precision="32-true"))
    slow = [w for w in caught if issubclass(w.category, trainer.SlowPrecisionWarning)]
    assert len(slow) == (0 if native else 1)
    if not native:
        assert "--precision 32-true" in str(slow[0].message)
