"""No false alarms: working set-ups — every siamkit pair-model kind, the seeds' published fixes and
user-style models — get no error-severity finding from a full diagnosis, and it is complete."""

from __future__ import annotations

import pytest
import torch
from doctor_seeds import seed000_fixed_model, seed000_loader, seed001_model, seed001_pairs
from torch import nn

import siamkit
from siamkit import ClassifierHead, ContrastiveLoss, DistanceHead, PseudoSiameseNet, SiameseNet
from siamkit.doctor import diagnose
from siamkit.nn.encoders import MLP
from siamkit.nn.models import TripletNet, TwoChannelNet


def mlp(in_features: int = 64, dim: int = 8) -> nn.Module:
    return MLP(in_features=in_features, embedding_dim=dim, hidden=(32,))


def siamkit_models() -> dict[str, tuple[nn.Module, nn.Module | None]]:
    torch.manual_seed(0)
    return {
        "siamese_distance": (SiameseNet(mlp(), DistanceHead()), ContrastiveLoss()),
        "siamese_cosine": (SiameseNet(mlp(), DistanceHead("cosine")), None),
        "siamese_classifier_abs": (SiameseNet(mlp(), ClassifierHead(8)), None),
        "siamese_classifier_abs_prod": (SiameseNet(mlp(), ClassifierHead(8, features=("abs", "prod"))), None),
        "siamese_concat_hidden": (SiameseNet(mlp(), ClassifierHead(8, features=("concat",), hidden=(64,))), None),
        "pseudo_siamese": (PseudoSiameseNet(mlp(), mlp(), DistanceHead()), None),
        "two_channel": (TwoChannelNet(mlp(128), hidden=(16,)), None),
        "triplet": (TripletNet(mlp()), None),
    }


@pytest.fixture(scope="module")
def pairs() -> siamkit.PairDataset:
    return siamkit.PairDataset(siamkit.digits().subset(torch.arange(400)), num_pairs=256, seed=0)


def assert_healthy(diagnosis) -> None:
    assert not diagnosis.errors, [f.to_dict() for f in diagnosis.errors]
    assert diagnosis.complete and diagnosis.ok, diagnosis.failed


@pytest.mark.parametrize("kind", list(siamkit_models()))
def test_every_siamkit_model_kind_is_healthy(pairs, kind):
    model, loss = siamkit_models()[kind]
    assert_healthy(diagnose(model, pairs, loss=loss))


def test_seed000_fix_sigmoid_and_bce_is_healthy():
    """seed 000 with its fix: Sigmoid instead of the final ReLU, BCELoss on one-hot, a working lr."""
    model = seed000_fixed_model()
    diagnosis = diagnose(model, seed000_loader(), loss=nn.BCELoss(), num_pairs=128, steps=20)
    assert_healthy(diagnosis)
    assert diagnosis.get("model.output_activation") is None  # Sigmoid is what BCELoss takes


def test_seed001_fix_product_head_sigmoid_mse_is_healthy():
    """seed 001's working fix: element-wise product of the two ResNet-18 embeddings → Linear → Sigmoid, MSE."""
    diagnosis = diagnose(seed001_model("product"), seed001_pairs(96), loss=nn.MSELoss(), num_pairs=96, steps=15)
    assert_healthy(diagnosis)
    assert "model.head_capacity" not in diagnosis.ids()
    assert diagnosis.get("model.output_activation").severity != "error"  # Sigmoid before MSE: at most a warning


def test_product_head_on_constant_images_is_not_called_additive():
    """On constant images (only the intensity varies) a product head still interacts; a concat head does not."""
    levels = torch.linspace(0.1, 1.0, 8)
    x1 = levels.repeat(8)[:, None, None, None].expand(64, 3, 16, 16).contiguous()
    x2 = levels.repeat_interleave(8)[:, None, None, None].expand(64, 3, 16, 16).contiguous()
    y = (x1[:, 0, 0, 0] == x2[:, 0, 0, 0]).float()
    data = (x1, x2, y)
    product = diagnose(seed001_model("product"), data, loss=nn.MSELoss(), checks=["model.head_capacity"])
    assert product.checks["model.head_capacity"] == "ran" and not product.errors
    concat = diagnose(seed001_model("concat"), data, loss=nn.MSELoss(), checks=["model.head_capacity"])
    assert concat.get("model.head_capacity").severity == "error"


def test_head_capacity_sees_through_a_functional_sigmoid():
    """``torch.sigmoid(fc(cat(a, b)))`` leaves no module to read under: the logit of the scores, on a float64
    copy, is still an exact sum (float32 rounding alone would hide it); a product head is not."""
    data = seed001_pairs(64)
    model = seed001_model("concat", functional=True)
    with torch.no_grad():
        model.fc.weight.mul_(30)  # scores around 0.7, where σ bends: the raw scores are not additive, their logit is
    concat = diagnose(model, data, loss=nn.MSELoss(), checks=["model.head_capacity"])
    assert concat.get("model.head_capacity").severity == "error"
    assert concat.get("model.head_capacity").evidence["interaction_ratio"] < 1e-8
    product = diagnose(seed001_model("product", functional=True), data, loss=nn.MSELoss(), checks=["model.head_capacity"])
    assert product.checks["model.head_capacity"] == "ran" and not product.errors
