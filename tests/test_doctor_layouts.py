"""The doctor on the user's own code: the layouts people write (seeds 000 and 001 among them), detected or
given, and no clean bill when a check could not look."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F
from doctor_seeds import seed000_loader, seed000_model, seed000_same_pair_loader, seed001_model, seed001_pairs
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

import siamkit
from siamkit.core.errors import ConfigError
from siamkit.doctor import diagnose
from siamkit.doctor.render import summary
from siamkit.nn.encoders import MLP

CHEAP = ["data.labels", "model.constant_output", "model.head_capacity"]


@pytest.fixture(scope="module")
def halves() -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    digits = siamkit.digits().subset(torch.arange(400))
    return siamkit.PairDataset(digits, num_pairs=96, seed=0)[torch.arange(96)]


class UserNet(nn.Module):
    """A user-style |a − b| model called in ``call`` layout, returning ``out`` columns (0: ``[B]``)."""

    def __init__(self, call: str, out: int = 0) -> None:
        super().__init__()
        torch.manual_seed(0)
        self.call, self.out = call, out
        self.encoder = MLP(in_features=64, embedding_dim=8, hidden=(32,))
        self.fc = nn.Linear(8, max(out, 1))

    def _score(self, a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
        logits = self.fc((self.encoder(a) - self.encoder(b)).abs())
        return logits.squeeze(1) if self.out == 0 else logits

    def forward(self, *args):
        if self.call == "pair":
            return self._score(*args)
        (data,) = args
        if self.call == "stack1":
            return self._score(data[:, 0], data[:, 1])
        first, second = data  # stack0 and list both unpack along the first axis
        return self._score(first, second)


@pytest.mark.parametrize("call", ["pair", "stack1", "stack0", "list"])
@pytest.mark.parametrize("out", [0, 1, 2])
def test_call_and_output_layouts_are_detected(halves, call, out):
    expected_call = "stack0" if call == "list" else call  # a [2, B, ...] tensor unpacks like a list: tried first
    diagnosis = diagnose(UserNet(call, out), halves, checks=CHEAP, num_pairs=64)
    layout = diagnosis.get("doctor.layout")
    if call == "pair" and out < 2:
        assert layout is None and "forward(x1, x2)" in diagnosis.layout  # siamkit's own layout: no note
    else:
        assert layout.evidence["call"] == expected_call
        assert layout.evidence["output"] == ("two_class" if out == 2 else "score")
    assert set(diagnosis.checks.values()) == {"ran"}, diagnosis.checks
    if out == 2:  # no loss given: cross-entropy on class ids
        assert layout.evidence["targets"] == "index"


@pytest.mark.parametrize("form", ["x1, x2, y", "x [B, 2, ...], y", "[x1, x2], y", "y one-hot"])
def test_loader_layouts_are_read(halves, form):
    x1, x2, y = halves
    if form == "x1, x2, y":
        dataset = TensorDataset(x1, x2, y)
    elif form == "[x1, x2], y":
        dataset = [([a, b], t) for a, b, t in zip(x1, x2, y)]
    else:
        stacked = torch.stack([x1, x2], 1)
        dataset = TensorDataset(stacked, F.one_hot(y.long(), 2).float() if form == "y one-hot" else y)
    diagnosis = diagnose(UserNet("pair"), DataLoader(dataset, batch_size=32), checks=["data.balance"], num_pairs=64)
    assert diagnosis.checks == {"data.balance": "ran"} and diagnosis.ok
    described = diagnosis.layout.split("; data ")[1]
    assert ("one-hot" in described) == (form == "y one-hot")
    assert ("[B, 2, ...]" in described) == (form in ("x [B, 2, ...], y", "y one-hot"))
    assert ("[x1, x2]" in described) == (form == "[x1, x2], y")


def test_explicit_layout_overrides_detection(halves):
    x1, x2, y = halves
    onehot_same_first = F.one_hot(1 - y.long(), 2).float()  # column 0 = same
    diagnosis = diagnose(
        UserNet("list", 2), (torch.stack([x1, x2], 1), onehot_same_first), loss=nn.BCEWithLogitsLoss(),
        checks=["data.balance", "model.constant_output"], num_pairs=64, layout="list,same=0",
    )
    layout = diagnosis.get("doctor.layout")
    assert (layout.evidence["call"], layout.evidence["how"], layout.evidence["same_column"]) == ("list", "given", 0)
    assert layout.evidence["targets"] == "one_hot" and diagnosis.ok
    with pytest.raises(ConfigError, match="unknown layout word 'sideways'"):
        diagnose(UserNet("pair"), halves, checks=["data.labels"], layout="sideways")


def test_a_model_that_takes_no_layout_is_a_clear_error(halves):
    class ThreeInputs(nn.Module):
        def forward(self, a, b, c):
            return a.sum()

    with pytest.raises(ConfigError) as caught:
        diagnose(ThreeInputs(), halves, checks=["data.labels"])
    message = str(caught.value)
    for tried in ("forward(x1, x2)", "torch.stack([x1, x2], 1)", "torch.stack([x1, x2])", "forward([x1, x2])"):
        assert tried in message
    assert "--layout" in message


def test_a_failed_check_makes_the_diagnosis_incomplete(halves):
    class BreaksInTraining(UserNet):
        def forward(self, x1, x2):
            if self.training:
                raise RuntimeError("boom in train mode")
            return super().forward(x1, x2)

    diagnosis = diagnose(BreaksInTraining("pair"), halves, checks=["data.labels", "dynamics.gradient_flow"])
    assert not diagnosis.errors and not diagnosis.ok and not diagnosis.complete
    assert diagnosis.failed == {"dynamics.gradient_flow": "failed: RuntimeError: boom in train mode"}
    assert summary(diagnosis).startswith("INCOMPLETE (1 check(s) could not run)")
    assert diagnosis.to_dict()["complete"] is False


# ---- the seeds, as written ------------------------------------------------------------------------
def test_seed000_stacked_two_column_relu_bce_sgd():
    """seed 000: forward(data [N, 2, H, W]) → [N, 2] via ReLU, BCELoss on one-hot, SGD lr 1e-6."""
    model = seed000_model()
    diagnosis = diagnose(
        model, seed000_loader(), loss=nn.BCELoss(), optimizer=torch.optim.SGD(model.parameters(), lr=1e-6),
        num_pairs=128, steps=20,
    )
    assert diagnosis.complete, diagnosis.failed
    layout = diagnosis.get("doctor.layout").evidence
    assert (layout["call"], layout["output"], layout["targets"]) == ("stack1", "two_class", "one_hot")
    errors = {f.id: f for f in diagnosis.errors}
    assert errors["model.output_activation"].evidence["activation"] == "ReLU"
    assert errors["dynamics.learning_rate"].evidence["relative_loss_decrease"] < 1e-3


def test_seed001_stack0_two_resnets_concat_head():
    """seed 001: forward(torch.stack([X1, X2]) [2, B, 3, H, W]) through two ResNet-18s, concat → Linear → Sigmoid."""
    diagnosis = diagnose(seed001_model("concat"), seed001_pairs(96), loss=nn.MSELoss(), num_pairs=96, steps=15)
    assert diagnosis.complete, diagnosis.failed
    assert diagnosis.get("doctor.layout").evidence["call"] == "stack0"
    assert "model.head_capacity" in {f.id for f in diagnosis.errors}
    assert diagnosis.get("model.output_activation").severity == "info"  # Sigmoid before MSE trains


# ---- data: the classic indexing bugs --------------------------------------------------------------
def test_seed000_same_two_images_with_alternating_labels_is_named():
    """"Every item is the same two images, labels alternate 1, 0": the cause is named, not only its symptoms."""
    diagnosis = diagnose(seed000_model(), seed000_same_pair_loader(), loss=nn.BCELoss(),
                         checks=["data.repeated_pairs", "data.conflicting_labels"], num_pairs=128)
    repeated = diagnosis.get("data.repeated_pairs")
    assert repeated.severity == "error" and repeated.evidence["distinct_pairs"] == 1
    conflict = diagnosis.get("data.conflicting_labels")
    assert conflict.severity == "error" and conflict.evidence["conflicting_share"] == 1.0
    healthy = diagnose(seed000_model(), seed000_loader(), loss=nn.BCELoss(),
                       checks=["data.repeated_pairs", "data.conflicting_labels"], num_pairs=128)
    assert {f.id for f in healthy.findings} == {"doctor.layout"} and healthy.complete


def test_a_few_repeated_pairs_warn_and_labels_that_agree_do_not_conflict(halves):
    x1, x2, y = halves
    copies = torch.arange(64) % 40  # 24 of 64 pairs repeat an earlier one, with its own label
    diagnosis = diagnose(UserNet("pair"), (x1[copies], x2[copies], y[copies]),
                         checks=["data.repeated_pairs", "data.conflicting_labels"], num_pairs=64)
    assert diagnosis.get("data.repeated_pairs").severity == "warning"
    assert diagnosis.get("data.conflicting_labels") is None


def test_identical_halves_above_the_threshold_are_an_error_whatever_the_labels(halves):
    x1, _, y = halves
    same = torch.ones_like(y)  # all 'same': no 'different' pair is fooled, yet nothing can be learned
    finding = diagnose(UserNet("pair"), (x1, x1.clone(), same), checks=["data.identical_pairs"]).get("data.identical_pairs")
    assert finding.severity == "error"
