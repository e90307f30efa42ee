import pytest
import torch

from siamkit.config import TrainConfig
from siamkit.data import PairDataset, digits
from siamkit.encoders import LeNet
from siamkit.errors import ConfigError
from siamkit.heads import ClassifierHead, DistanceHead
from siamkit.losses import ContrastiveLoss, PairBCEWithLogitsLoss
from siamkit.models import SiameseNet
from siamkit.training import fit


def _train(epochs=2, checkpoint_dir=None, resume=False, seed=0, head=None, loss=None):
    data = digits()
    torch.manual_seed(seed)
    net = SiameseNet(LeNet(1, 8), head or DistanceHead())
    pairs = PairDataset(data, 512, seed=seed)
    config = TrainConfig(
        epochs=epochs, batch_size=64, progress=False, seed=seed, checkpoint_dir=checkpoint_dir, resume=resume
    )
    return fit(net, loss or ContrastiveLoss(), pairs, PairDataset(data, 256, seed=99), config)


def test_training_reduces_the_loss_and_records_history():
    result = _train(epochs=3)
    assert [row["epoch"] for row in result.history] == [0, 1, 2]
    assert result.history[-1]["train_loss"] < result.history[0]["train_loss"]
    assert result.history[-1]["val_loss"] < result.history[0]["val_loss"]


def test_training_is_deterministic_for_a_seed():
    a, b = _train(epochs=1).model, _train(epochs=1).model
    for (name, pa), pb in zip(a.state_dict().items(), b.state_dict().values()):
        assert torch.equal(pa, pb), name


def test_resume_continues_from_the_last_checkpoint(tmp_path):
    first = _train(epochs=1, checkpoint_dir=tmp_path)
    assert (tmp_path / "last.ckpt").is_file() and len(first.history) == 1
    resumed = _train(epochs=2, checkpoint_dir=tmp_path, resume=True)
    assert [row["epoch"] for row in resumed.history] == [0, 1]
    assert resumed.history[0] == first.history[0]


def test_classifier_head_trains_with_bce():
    result = _train(epochs=2, head=ClassifierHead(8), loss=PairBCEWithLogitsLoss())
    assert result.history[-1]["train_loss"] < result.history[0]["train_loss"]


def test_mismatched_loss_fails_before_training():
    with pytest.raises(ConfigError, match="needs a head"):
        _train(epochs=1, head=ClassifierHead(8), loss=ContrastiveLoss())


def test_config_validation():
    with pytest.raises(ConfigError, match="optimizer"):
        TrainConfig(optimizer="lbfgs")
    with pytest.raises(ConfigError, match="lr"):
        TrainConfig(lr=0)
