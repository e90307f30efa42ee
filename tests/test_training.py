import pytest
import torch

from siamkit.core.errors import ConfigError
from siamkit.data import PairDataset, digits
from siamkit.losses.pair import ContrastiveLoss, PairBCEWithLogitsLoss
from siamkit.nn.encoders import LeNet
from siamkit.nn.heads import ClassifierHead, DistanceHead
from siamkit.nn.models import SiameseNet
from siamkit.training.config import TrainConfig
from siamkit.training.module import PairModule
from siamkit.training.trainer import fit


def _train(epochs=2, checkpoint_dir=None, resume=False, seed=0, head=None, loss=None, **config_kwargs):
    data = digits()
    torch.manual_seed(seed)
    net = SiameseNet(LeNet(1, 8), head or DistanceHead())
    pairs = PairDataset(data, 512, seed=seed)
    config = TrainConfig(
        epochs=epochs, batch_size=64, progress=False, seed=seed, checkpoint_dir=checkpoint_dir, resume=resume,
        **config_kwargs,
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


def test_history_records_the_learning_rate_and_cosine_decays_it_to_zero():
    constant = _train(epochs=2, lr=2e-3)
    assert [row["lr"] for row in constant.history] == [2e-3, 2e-3]
    cosine = _train(epochs=2, lr=2e-3, lr_schedule="cosine")
    assert 0.5e-3 < cosine.history[0]["lr"] < 1.5e-3 and cosine.history[1]["lr"] == pytest.approx(0, abs=1e-9)
    with pytest.raises(ConfigError, match="lr schedule"):
        TrainConfig(lr_schedule="step")


def test_augmented_training_changes_the_model_and_resumes_exactly(tmp_path):
    plain = _train(epochs=2).model
    unbroken = _train(epochs=2, augment=("shift",)).model
    assert not torch.equal(plain.encoder.state_dict()["features.0.weight"], unbroken.encoder.state_dict()["features.0.weight"])
    _train(epochs=1, checkpoint_dir=tmp_path, augment=("shift",))
    resumed = _train(epochs=2, checkpoint_dir=tmp_path, resume=True, augment=("shift",)).model
    for (name, a), b in zip(unbroken.state_dict().items(), resumed.state_dict().values()):
        assert torch.allclose(a, b, atol=1e-6), name


def test_only_training_batches_are_augmented():
    calls = []
    module = PairModule(SiameseNet(LeNet(1, 8), DistanceHead()), ContrastiveLoss(), TrainConfig(augment=("flip",)))
    module.augment = lambda x, generator: calls.append(x.shape) or x
    module.log = lambda *args, **kwargs: None
    batch = (torch.rand(4, 1, 8, 8), torch.rand(4, 1, 8, 8), torch.tensor([1, 0, 1, 0]))
    module.validation_step(batch, 0)
    assert calls == []
    module.training_step(batch, 0)
    assert calls == [(4, 1, 8, 8), (4, 1, 8, 8)]  # each side of the pair, on its own
