"""The training-only projection head: trained with the model, never part of it, resumed with it."""

from __future__ import annotations

import pytest
import torch

import siamkit
from siamkit.cli import run
from siamkit.core.errors import ConfigError
from siamkit.data import PairDataset, digits
from siamkit.experiments.build import build_projection
from siamkit.experiments.config import ExperimentConfig
from siamkit.experiments.image import run_training
from siamkit.losses.pair import ContrastiveLoss, PairBCEWithLogitsLoss
from siamkit.losses.triplet import OnlineTripletLoss
from siamkit.nn.encoders import MLP, LeNet
from siamkit.nn.heads import ClassifierHead, DistanceHead
from siamkit.nn.models import SiameseNet, TripletNet
from siamkit.nn.projection import ProjectionHead, project_pair
from siamkit.training.config import TrainConfig
from siamkit.training.trainer import fit, fit_triplets


def test_projection_head_maps_embeddings_and_checks_sizes():
    head = ProjectionHead(12, 3)
    assert head(torch.rand(5, 12)).shape == (5, 3)
    with pytest.raises(ConfigError, match="sizes ≥ 1"):
        ProjectionHead(12, 0)


def test_project_pair_scores_projected_embeddings_of_both_sides():
    torch.manual_seed(0)
    net, head = SiameseNet(MLP(in_features=6, embedding_dim=4), DistanceHead()), ProjectionHead(4, 2)
    x1, x2 = torch.rand(3, 6), torch.rand(3, 6)
    expected = (head(net.embed(x1)) - head(net.embed(x2))).norm(dim=1)
    torch.testing.assert_close(project_pair(net, head, x1, x2), expected)


def _pairs_fit(projection, epochs=1, checkpoint_dir=None, resume=False):
    data = digits()
    torch.manual_seed(0)
    net = SiameseNet(LeNet(1, 8), DistanceHead())
    config = TrainConfig(epochs=epochs, batch_size=64, progress=False, checkpoint_dir=checkpoint_dir, resume=resume)
    result = fit(net, ContrastiveLoss(), PairDataset(data, 512, seed=0), PairDataset(data, 256, seed=9), config,
                 projection=projection)
    return net, result


def test_contrastive_training_trains_the_projection_but_keeps_it_out_of_the_model(tmp_path):
    torch.manual_seed(1)
    projection = ProjectionHead(8, 4)
    before = projection.linear.weight.detach().clone()
    net, result = _pairs_fit(projection, checkpoint_dir=tmp_path)
    assert not torch.equal(projection.linear.weight, before)  # the optimizer updated it
    assert not any("projection" in key for key in net.state_dict())
    lightning = torch.load(tmp_path / "last.ckpt", map_location="cpu", weights_only=True)
    assert "projection.linear.weight" in lightning["state_dict"]
    # the model alone loads from the resume checkpoint and embeds with D = 8, not the projection's 4
    assert siamkit.load(tmp_path / "last.ckpt").embed(digits().x[:2]).shape == (2, 8)
    # without a projection the same seed trains another model: the projection shaped the training
    plain, _ = _pairs_fit(None)
    assert not torch.equal(plain.encoder.embed[-1].weight, net.encoder.embed[-1].weight)


def test_a_resumed_run_continues_the_projection_exactly(tmp_path):
    torch.manual_seed(1)
    unbroken_projection = ProjectionHead(8, 4)
    torch.manual_seed(1)
    first_projection = ProjectionHead(8, 4)
    unbroken, _ = _pairs_fit(unbroken_projection, epochs=2)
    _pairs_fit(first_projection, epochs=1, checkpoint_dir=tmp_path)
    resumed_projection = ProjectionHead(8, 4)  # fresh weights: the resume must replace them
    resumed, history = _pairs_fit(resumed_projection, epochs=2, checkpoint_dir=tmp_path, resume=True)
    torch.testing.assert_close(resumed_projection.linear.weight, unbroken_projection.linear.weight)
    for (name, a), b in zip(unbroken.state_dict().items(), resumed.state_dict().values()):
        torch.testing.assert_close(a, b, msg=name)


def test_triplet_training_mines_among_projected_embeddings():
    data = digits()
    torch.manual_seed(0)
    net, projection = TripletNet(LeNet(1, 16)), ProjectionHead(16, 4)
    config = TrainConfig(epochs=2, batch_size=64, progress=False)
    result = fit_triplets(net, OnlineTripletLoss(0.2, "semi_hard"), data, data, config, projection=projection)
    assert result.history[-1]["train_loss"] < result.history[0]["train_loss"]
    assert result.model.embed(data.x[:3]).shape == (3, 16)


def test_a_projection_needs_a_shared_weight_distance_model():
    net = SiameseNet(LeNet(1, 8), ClassifierHead(8))
    with pytest.raises(ConfigError, match="distance head"):
        fit(net, PairBCEWithLogitsLoss(), PairDataset(digits(), 64), projection=ProjectionHead(8, 4))
    with pytest.raises(ConfigError, match="use --head distance"):
        build_projection(ExperimentConfig(head="classifier", projection_dim=4))
    with pytest.raises(ConfigError, match="projection_dim must be ≥ 1"):
        ExperimentConfig(projection_dim=0)
    assert build_projection(ExperimentConfig()) is None


def test_run_training_with_pooled_features_under_a_projection(tmp_path):
    config = ExperimentConfig(
        encoder="small_cnn_pooled", embedding_dim=64, projection_dim=16, loss="triplet", mining="semi_hard",
        dataset="digits", image_size=None, eval_pairs=500, train=TrainConfig(epochs=1, progress=False),
    )
    digits_16 = digits()
    digits_16.x = torch.nn.functional.interpolate(digits_16.x, size=16)  # SmallCNN needs ≥ 12 × 12
    metrics = run_training(config, tmp_path, data=digits_16)
    checkpoint = siamkit.load_checkpoint(tmp_path / "model.ckpt")
    assert checkpoint.meta["experiment"]["projection_dim"] == 16
    assert checkpoint.model.embed(digits_16.x[:2]).shape == (2, 64)
    assert metrics["roc_auc"] > 0.8  # one epoch on digits already separates the seen classes


def test_cli_rejects_a_projection_with_a_classifier_head(tmp_path, capsys):
    assert run(["train", "--out", str(tmp_path), "--head", "classifier", "--projection-dim", "4", "--quiet"]) == 2
    assert "use --head distance" in capsys.readouterr().err
