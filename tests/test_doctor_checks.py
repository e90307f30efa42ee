"""Each doctor check: one setup that makes it fire and one that keeps it quiet (tiny models, seconds)."""

from __future__ import annotations

import pytest
import torch
from torch import nn

import siamkit
from siamkit import (
    ClassifierHead,
    ContrastiveLoss,
    DistanceHead,
    LabeledData,
    PairBCEWithLogitsLoss,
    PairDataset,
    SiameseNet,
)
from siamkit.core.errors import ConfigError
from siamkit.doctor import diagnose
from siamkit.nn.encoders import MLP


@pytest.fixture(scope="module")
def digits() -> LabeledData:
    return siamkit.digits().subset(torch.arange(400))


@pytest.fixture(scope="module")
def pairs(digits) -> PairDataset:
    return PairDataset(digits, num_pairs=256, seed=0)


def mlp(dim: int = 8) -> nn.Module:
    return MLP(in_features=64, embedding_dim=dim, hidden=(32,))


def healthy() -> SiameseNet:
    torch.manual_seed(0)
    return SiameseNet(mlp(), DistanceHead())


def run(check: str, model: nn.Module, data, **kw):
    diagnosis = diagnose(model, data, checks=[check], steps=kw.pop("steps", 30), **kw)
    assert diagnosis.checks[check] == "ran", diagnosis.checks
    return diagnosis


def colors(n: int = 32) -> LabeledData:
    y = torch.arange(n) % 2
    return LabeledData(y.float()[:, None].expand(n, 64).reshape(n, 1, 8, 8).contiguous(), y, ["black", "white"])


# ---- data -------------------------------------------------------------------------------------
def test_labels_not_binary(pairs):
    x1, x2, y = pairs[torch.arange(64)]
    fired = run("data.labels", healthy(), (x1, x2, 2 * y - 1))
    assert fired.get("data.labels_not_binary").severity == "error"
    assert "(y + 1) / 2" in fired.get("data.labels_not_binary").fix
    assert not run("data.labels", healthy(), pairs).findings


def test_label_balance(digits, pairs):
    skewed = PairDataset(digits, num_pairs=200, positive_fraction=0.05, seed=0)
    finding = run("data.balance", healthy(), skewed).get("data.label_imbalance")
    assert finding.severity == "error" and finding.evidence["constant_answer_accuracy"] >= 0.9
    assert not run("data.balance", healthy(), pairs).findings


def test_identical_pairs(pairs):
    x1, _, y = pairs[torch.arange(64)]
    finding = run("data.identical_pairs", healthy(), (x1, x1.clone(), y)).get("data.identical_pairs")
    assert finding.severity == "error" and finding.evidence["identical_pairs"] == 64
    assert not run("data.identical_pairs", healthy(), pairs).findings
    # identical positives are inevitable with two distinct items (black/white): no alarm
    assert not run("data.identical_pairs", healthy(), PairDataset(colors(), 64, seed=0)).findings


def test_near_duplicate_pairs_count_as_identical(pairs):
    x1, _, y = pairs[torch.arange(64)]
    noisy = x1 + 1e-4 * torch.randn(x1.shape, generator=torch.Generator().manual_seed(0))
    finding = run("data.identical_pairs", healthy(), (x1, noisy, y)).get("data.identical_pairs")
    assert finding.evidence["near_duplicate_pairs"] > 32


def test_degenerate_inputs(pairs):
    x1, x2, y = pairs[torch.arange(32)]
    broken = x1.clone()
    broken[3, 0, 2, 2] = float("nan")
    assert run("data.degenerate_inputs", healthy(), (broken, x2, y)).get("data.nonfinite_inputs")
    zeros = torch.zeros_like(x1)
    assert run("data.degenerate_inputs", healthy(), (zeros, zeros, y)).get("data.degenerate_inputs").severity == "error"
    assert not run("data.degenerate_inputs", healthy(), pairs).findings


def test_degenerate_inputs_reads_uint8_images(pairs):
    """Datasets kept as uint8 (Fashion-MNIST) are checked too, not skipped."""
    x1, x2, y = pairs[torch.arange(32)]
    as_bytes = (x1 * 255).to(torch.uint8), (x2 * 255).to(torch.uint8)
    assert not run("data.degenerate_inputs", healthy(), (*as_bytes, y)).findings
    blank = torch.zeros_like(as_bytes[0])
    assert run("data.degenerate_inputs", healthy(), (blank, blank, y)).get("data.degenerate_inputs").severity == "error"


def test_pair_labels_against_classes(digits):
    flipped = PairDataset(digits, num_pairs=128, seed=0)
    flipped.labels = 1 - flipped.labels
    assert run("data.pair_class_consistency", healthy(), flipped).get("data.labels_inverted").severity == "error"
    assert not run("data.pair_class_consistency", healthy(), PairDataset(digits, 128, seed=0)).findings


def test_train_test_overlap(digits):
    train_idx, test_idx = siamkit.stratified_split(digits.y, (0.8, 0.2), seed=0)
    train = digits.subset(train_idx)
    leak = run("data.train_test_overlap", healthy(), train, test_data=train.subset(torch.arange(20)))
    assert leak.get("data.train_test_overlap").evidence["leaked_items"] == 20
    assert not run("data.train_test_overlap", healthy(), train, test_data=digits.subset(test_idx)).findings


# ---- model structure ----------------------------------------------------------------------------
class SigmoidScore(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.net = SiameseNet(mlp(), ClassifierHead(8))
        self.squash = nn.Sigmoid()
        self.score_kind = "similarity"

    def forward(self, x1, x2):
        return self.squash(self.net(x1, x2))


def test_output_activation(pairs):
    relu_embedding = SiameseNet(nn.Sequential(mlp(2), nn.ReLU()), ClassifierHead(2))
    finding = run("model.output_activation", relu_embedding, pairs).get("model.output_activation")
    assert finding.severity == "error" and finding.evidence["output"] == "embedding"
    score = run("model.output_activation", SigmoidScore(), pairs, loss=PairBCEWithLogitsLoss())
    assert score.get("model.output_activation").evidence["output"] == "score"
    assert not run("model.output_activation", healthy(), pairs).findings


def test_head_capacity(pairs):
    concat = SiameseNet(mlp(), ClassifierHead(8, features=("concat",)))
    assert run("model.head_capacity", concat, pairs).get("model.head_capacity").severity == "error"
    for head in (ClassifierHead(8, features=("concat",), hidden=(16,)), ClassifierHead(8), DistanceHead()):
        assert not run("model.head_capacity", SiameseNet(mlp(), head), pairs).findings


class TwinSiamese(nn.Module):
    """Declared Siamese, but with two encoders: the classic unshared-weights bug."""

    score_kind = "distance"

    def __init__(self) -> None:
        super().__init__()
        self.branch1, self.branch2, self.head = mlp(), mlp(), DistanceHead()

    def forward(self, x1, x2):
        return self.head(self.branch1(x1), self.branch2(x2))


def test_unshared_encoders(pairs):
    finding = run("model.unshared_encoders", TwinSiamese(), pairs).get("model.unshared_encoders")
    assert {finding.evidence["branch_a"], finding.evidence["branch_b"]} == {"branch1", "branch2"}
    assert not run("model.unshared_encoders", healthy(), pairs).findings


def collapsed() -> SiameseNet:
    model = SiameseNet(mlp(), ClassifierHead(8))
    with torch.no_grad():
        model.encoder.net[-1].weight.zero_()
        model.encoder.net[-1].bias.fill_(0.3)
    return model


def test_embedding_collapse_and_constant_output(pairs):
    for check, finding in (("model.embedding_collapse", "model.embedding_collapse"), ("model.constant_output", "model.constant_output")):
        assert run(check, collapsed(), pairs).get(finding).severity == "error"
        assert not run(check, healthy(), pairs).findings


# ---- training dynamics ---------------------------------------------------------------------------
def test_overfit_one_batch(pairs):
    concat = SiameseNet(mlp(), ClassifierHead(8, features=("concat",)))
    fired = run("dynamics.overfit_one_batch", concat, PairDataset(colors(), 64, seed=0))
    assert fired.get("dynamics.cannot_overfit").evidence["auc_after"] < 0.9
    assert not run("dynamics.overfit_one_batch", healthy(), pairs).findings


def test_learning_rate(pairs):
    model = healthy()
    slow = run("dynamics.learning_rate", model, pairs, optimizer=torch.optim.SGD(model.parameters(), lr=1e-6))
    finding = slow.get("dynamics.learning_rate")
    assert finding.severity == "error" and finding.evidence["relative_loss_decrease"] < 1e-3
    wild = run("dynamics.learning_rate", model, pairs, optimizer=torch.optim.SGD(model.parameters(), lr=1e4))
    assert wild.get("dynamics.learning_rate").severity == "warning"
    assert not run("dynamics.learning_rate", model, pairs, optimizer=torch.optim.Adam(model.parameters(), lr=1e-3)).findings


class DetachedSecond(SiameseNet):
    def forward(self, x1, x2):
        return self.head(self.encoder(x1), self.encoder(x2).detach())


def test_gradient_flow(pairs):
    torch.manual_seed(0)
    finding = run("dynamics.gradient_flow", DetachedSecond(mlp(), DistanceHead()), pairs).get("dynamics.gradient_flow")
    assert finding.evidence["grad_norm_x2"] == 0.0 < finding.evidence["grad_norm_x1"]
    assert not run("dynamics.gradient_flow", healthy(), pairs).findings


def test_label_shuffle(digits, pairs):
    noise = PairDataset(digits, num_pairs=256, seed=0)
    noise.labels = noise.labels[torch.randperm(256, generator=torch.Generator().manual_seed(1))]
    assert run("dynamics.label_shuffle", healthy(), noise).get("dynamics.no_signal").severity == "warning"
    assert not run("dynamics.label_shuffle", healthy(), pairs).findings


class IgnoresSecond(SiameseNet):
    def forward(self, x1, x2):
        return self.head(self.encoder(x1), self.encoder(torch.zeros_like(x2)))


def test_branch_learnability(pairs):
    torch.manual_seed(0)
    finding = run("dynamics.branch_learnability", IgnoresSecond(mlp(), DistanceHead()), pairs).get("dynamics.dead_branch")
    assert finding.evidence["separation_second_branch"] < 0.75 <= finding.evidence["separation_first_branch"]
    assert not run("dynamics.branch_learnability", healthy(), pairs).findings


def test_loss_convention(pairs):
    inverted = run("loss.convention", healthy(), pairs, loss=ContrastiveLoss(similar_label=0))
    assert inverted.get("loss.convention").evidence["similar_label"] == 0
    assert not run("loss.convention", healthy(), pairs, loss=ContrastiveLoss()).findings


# ---- the API itself -------------------------------------------------------------------------------
def test_probes_leave_the_users_model_untouched(pairs):
    model = healthy()
    before = {k: v.clone() for k, v in model.state_dict().items()}
    diagnose(model, pairs, checks=["dynamics.overfit_one_batch", "dynamics.learning_rate"], steps=5)
    assert all(torch.equal(before[k], v) for k, v in model.state_dict().items())


def test_reads_a_loader_of_batches(pairs):
    loader = siamkit.data.pair_loader(pairs, batch_size=50)
    diagnosis = diagnose(healthy(), loader, checks=["data.labels", "data.balance"], num_pairs=100)
    assert diagnosis.checks == {"data.labels": "ran", "data.balance": "ran"} and diagnosis.ok


def test_unknown_check_is_a_config_error(pairs):
    with pytest.raises(ConfigError, match="unknown doctor checks"):
        diagnose(healthy(), pairs, checks=["data.nope"])


def test_print_expected_says_whether_every_expected_error_was_found(capsys):
    from siamkit.doctor import Diagnosis, Finding, print_expected

    diagnosis = Diagnosis([
        Finding("data.identical_pairs", "error", "pairs repeat one image", {"share": 1.0}, "fix the loader"),
        Finding("model.output_activation", "warning", "ReLU after the last layer", {}, "drop it"),
    ])
    assert print_expected(diagnosis, {"data.identical_pairs"}, title="t")
    assert "expected ['data.identical_pairs']: found" in capsys.readouterr().out
    assert not print_expected(diagnosis, ["data.identical_pairs", "model.output_activation"])  # a warning is not an error
    assert "NOT found" in capsys.readouterr().out
