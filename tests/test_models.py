"""Pair models: output shapes, shared vs separate weights, 2-channel and single-branch behaviour,
checkpoint round trips through siamkit.load."""

import pytest
import torch
from torch import nn

import siamkit
from siamkit.core.errors import ConfigError, DataError
from siamkit.deploy.checkpoint import load_checkpoint, save_checkpoint
from siamkit.nn.encoders import MLP, LeNet, ResNet18, SmallCNN
from siamkit.nn.heads import ClassifierHead, DistanceHead
from siamkit.nn.models import PseudoSiameseNet, SiameseNet, SingleBranchClassifier, TwoChannelNet

X1 = torch.rand(4, 1, 40, 50, generator=torch.Generator().manual_seed(0))
X2 = torch.rand(4, 1, 40, 50, generator=torch.Generator().manual_seed(1))


def n_params(module: nn.Module) -> int:
    return sum(p.numel() for p in module.parameters())


def make_models() -> dict[str, nn.Module]:
    torch.manual_seed(0)
    return {
        "siamese-distance": SiameseNet(SmallCNN(embedding_dim=16), DistanceHead("cosine")),
        "siamese-two-logit": SiameseNet(SmallCNN(embedding_dim=16), ClassifierHead(16, ("abs", "prod"), (8,), outputs=2)),
        "siamese-resnet": SiameseNet(ResNet18(1, 16, width=4), ClassifierHead(16, ("sq",))),
        "pseudo": PseudoSiameseNet(SmallCNN(embedding_dim=16), LeNet(1, 8), ClassifierHead(12, ("abs",)), projection_dim=12),
        "two-channel": TwoChannelNet(SmallCNN(in_channels=2, embedding_dim=16), hidden=(8,)),
        "single": SingleBranchClassifier(SmallCNN(embedding_dim=16)),
    }


@pytest.mark.parametrize("name", list(make_models()))
def test_model_scores_one_per_pair(name):
    model = make_models()[name]
    assert model(X1, X2).shape == (4,)
    assert model.score_kind in ("distance", "similarity")


@pytest.mark.parametrize("name", list(make_models()))
def test_checkpoint_round_trip_and_siamkit_load(name, tmp_path):
    model = make_models()[name].eval()
    with torch.no_grad():
        expected = model(X1, X2)
    path = tmp_path / "model.ckpt"
    save_checkpoint(path, model, {"score_kind": model.score_kind})
    loaded = siamkit.load(path)
    assert type(loaded) is type(model)
    with torch.no_grad():
        assert torch.allclose(loaded(X1, X2), expected, atol=1e-6)
    assert load_checkpoint(path).score_kind == model.score_kind


def test_siamese_shares_one_parameter_set():
    encoder, head = SmallCNN(embedding_dim=16), ClassifierHead(16)
    model = SiameseNet(encoder, head)
    assert n_params(model) == n_params(encoder) + n_params(head)


def test_pseudo_siamese_has_two_parameter_sets():
    enc_a, enc_b, head = SmallCNN(embedding_dim=16), SmallCNN(embedding_dim=16), ClassifierHead(16)
    model = PseudoSiameseNet(enc_a, enc_b, head)
    assert n_params(model) == 2 * n_params(enc_a) + n_params(head)
    ids_a = {id(p) for p in model.encoder_a.parameters()}
    assert ids_a.isdisjoint(id(p) for p in model.encoder_b.parameters())
    # changing branch a leaves branch b's embeddings unchanged
    before = model.embed_b(X2).detach()
    with torch.no_grad():
        for p in model.encoder_a.parameters():
            p.add_(1.0)
    assert torch.equal(model.embed_b(X2), before)


def test_pseudo_siamese_takes_different_input_kinds():
    model = PseudoSiameseNet(SmallCNN(embedding_dim=32), MLP(10, 5, hidden=(8,)), DistanceHead(), projection_dim=6)
    assert model(X1, torch.rand(4, 10)).shape == (4,)
    assert model.embed_a(X1).shape == model.embed_b(torch.rand(4, 10)).shape == (4, 6)


def test_pseudo_siamese_needs_projection_for_different_sizes():
    with pytest.raises(ConfigError, match="projection_dim"):
        PseudoSiameseNet(SmallCNN(embedding_dim=32), MLP(10, 5), DistanceHead())


def test_two_channel_sees_both_images_in_one_encoder():
    model = TwoChannelNet(SmallCNN(in_channels=2, embedding_dim=16))
    assert model.encoder.features[0].in_channels == 2
    assert n_params(model) == n_params(model.encoder) + 16 + 1
    assert not torch.allclose(model(X1, X2), model(X1, X1))
    with pytest.raises(DataError, match="one shape"):
        model(X1, X2[:, :, :20])


def test_single_branch_ignores_the_reference():
    model = SingleBranchClassifier(SmallCNN(embedding_dim=16))
    assert torch.equal(model(X1, X2), model(torch.zeros_like(X1), X2))
    assert torch.equal(model(X1, X2), model.classify(X2))
