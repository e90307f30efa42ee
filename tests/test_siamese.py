"""The foundation's model, heads and contrastive loss: shared pass, label convention, heads' ends."""

import pytest
import torch
from torch import nn

from siamkit.core.errors import ConfigError, LabelError
from siamkit.losses.names import check_loss_fits_model
from siamkit.losses.pair import ContrastiveLoss, PairBCEWithLogitsLoss
from siamkit.nn.encoders import MLP, LeNet, build_encoder
from siamkit.nn.heads import ClassifierHead, DistanceHead
from siamkit.nn.models import SiameseNet


@pytest.mark.parametrize("head", [DistanceHead(), DistanceHead("cosine"), ClassifierHead(16, ("abs", "prod"))])
def test_batched_shared_pass_equals_two_separate_passes(head):
    torch.manual_seed(0)
    net = SiameseNet(LeNet(in_channels=1, embedding_dim=16), head).eval()
    x1, x2 = torch.rand(5, 1, 8, 8), torch.rand(5, 1, 8, 8)
    separate = head(net.encoder(x1), net.encoder(x2))
    assert torch.allclose(net(x1, x2), separate, atol=1e-6)


def test_lenet_takes_any_image_size_and_mlp_flattens():
    lenet = LeNet(in_channels=3, embedding_dim=10)
    assert lenet(torch.rand(2, 3, 28, 28)).shape == (2, 10)
    assert lenet(torch.rand(2, 3, 8, 8)).shape == (2, 10)
    mlp = build_encoder("mlp", (1, 8, 8), 12)
    assert isinstance(mlp, MLP) and mlp(torch.rand(4, 1, 8, 8)).shape == (4, 12)


@pytest.mark.parametrize("encoder", [LeNet(1, 6), MLP(64, 6)])
def test_encoders_and_classifier_end_in_a_linear_layer(encoder):
    last = [m for m in encoder.modules() if not isinstance(m, (nn.Sequential, type(encoder)))][-1]
    assert isinstance(last, nn.Linear)
    head = ClassifierHead(6, hidden=(8,))
    assert isinstance(list(head.modules())[-1], nn.Linear)


def test_euclidean_distance_has_finite_gradient_for_identical_inputs():
    a = torch.zeros(2, 4, requires_grad=True)
    DistanceHead()(a, a.detach()).sum().backward()
    assert torch.isfinite(a.grad).all()


def test_contrastive_loss_hand_computed_in_both_conventions():
    d = torch.tensor([0.5, 0.2, 1.5, 0.4])
    same = torch.tensor([1, 0, 0, 1])  # siamkit convention: 1 = similar
    # similar: d²; dissimilar: max(0, 1 - d)²  →  [0.25, 0.64, 0.0, 0.16]
    assert float(ContrastiveLoss(margin=1.0)(d, same)) == pytest.approx((0.25 + 0.64 + 0.0 + 0.16) / 4)
    drlim = 1 - same  # Hadsell/DrLIM: Y = 0 similar
    assert float(ContrastiveLoss(margin=1.0, similar_label=0)(d, drlim)) == pytest.approx(1.05 / 4)
    # reading DrLIM labels with the default convention gives a different (wrong) loss
    assert float(ContrastiveLoss(margin=1.0)(d, drlim)) != pytest.approx(1.05 / 4)
    assert float(ContrastiveLoss(margin=1.0, reduction="half_mean")(d, same)) == pytest.approx(1.05 / 8)
    assert float(ContrastiveLoss(margin=1.0, squared=False, reduction="sum")(d, same)) == pytest.approx(
        0.5 + 0.8 + 0.0 + 0.4
    )


@pytest.mark.parametrize("labels, hint", [(torch.tensor([1, -1]), "±1"), (torch.tensor([3, 7]), "class ids")])
def test_pair_losses_reject_labels_outside_0_1(labels, hint):
    with pytest.raises(LabelError, match=hint):
        ContrastiveLoss()(torch.rand(2), labels)
    with pytest.raises(LabelError):
        PairBCEWithLogitsLoss()(torch.rand(2), labels)


def test_loss_and_head_must_agree_on_the_score_kind():
    with pytest.raises(ConfigError, match="distance"):
        check_loss_fits_model(ContrastiveLoss(), "similarity")
    check_loss_fits_model(PairBCEWithLogitsLoss(), "similarity")


def test_invalid_head_options_are_named():
    with pytest.raises(ConfigError, match="manhattan"):
        DistanceHead("manhattan")
    with pytest.raises(ConfigError, match="pair features"):
        ClassifierHead(4, ("diff",))
