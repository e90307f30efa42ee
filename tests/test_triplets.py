"""Triplet sampling, P×K batches, TripletNet, and triplet training on digits end to end."""

from __future__ import annotations

import pytest
import torch

import siamkit
from siamkit.cli import run
from siamkit.core.errors import ConfigError, DataError
from siamkit.data import LabeledData, PKBatchSampler, TripletDataset, digits, pk_loader, sample_triplets
from siamkit.deploy.checkpoint import load_checkpoint, save_checkpoint
from siamkit.experiments.config import ExperimentConfig
from siamkit.experiments.image import run_training
from siamkit.losses.triplet import OnlineTripletLoss, TripletLoss
from siamkit.nn.encoders import MLP, LeNet
from siamkit.nn.models import TripletNet
from siamkit.training.config import TrainConfig
from siamkit.training.trainer import fit_triplets


def uneven_labels() -> torch.Tensor:
    # class sizes 1, 2, 3, 5, 9, 20 (class 0 cannot give positives)
    labels = torch.repeat_interleave(torch.arange(6), torch.tensor([1, 2, 3, 5, 9, 20]))
    return labels[torch.randperm(40, generator=torch.Generator().manual_seed(0))]


def test_sample_triplets_are_valid_and_seeded():
    labels = uneven_labels()
    t = sample_triplets(labels, 2000, torch.Generator().manual_seed(1))
    a, p, n = t.unbind(1)
    assert t.shape == (2000, 3)
    assert bool((labels[a] == labels[p]).all() & (a != p).all() & (labels[a] != labels[n]).all())
    assert set(labels[n].tolist()) == set(range(6))  # every class, the singleton too, serves as a negative
    assert 0 not in set(labels[a].tolist())
    assert torch.equal(t, sample_triplets(labels, 2000, torch.Generator().manual_seed(1)))
    with pytest.raises(DataError, match="two classes"):
        sample_triplets(torch.zeros(5, dtype=torch.long), 3)


def test_triplet_dataset_slices_batches():
    data = LabeledData(torch.arange(40).float()[:, None], uneven_labels())
    triplets = TripletDataset(data, 100, seed=3)
    a, p, n = triplets[torch.arange(10)]
    assert a.shape == (10, 1)
    assert torch.equal(a[:, 0].long(), triplets.triplets[:10, 0])
    before = triplets.triplets.clone()
    triplets.resample(1)
    assert not torch.equal(before, triplets.triplets)


def test_pk_batches_hold_p_classes_of_k_items():
    labels = uneven_labels()
    sampler = PKBatchSampler(labels, classes_per_batch=3, items_per_class=4, num_batches=50, seed=0)
    seen = set()
    for index in sampler:
        assert index.shape == (12,)
        groups = labels[index].view(3, 4)
        assert bool((groups == groups[:, :1]).all())  # class-major: K items of one class together
        assert len(set(groups[:, 0].tolist())) == 3  # P distinct classes
        for cls, items in zip(groups[:, 0].tolist(), index.view(3, 4)):
            size = int((labels == cls).sum())
            assert len(set(items.tolist())) == min(size, 4)  # no repeats unless the class is small
        seen |= set(groups[:, 0].tolist())
    assert seen == {1, 2, 3, 4, 5}  # the singleton class 0 is never drawn


def test_pk_sampler_is_seeded_per_epoch():
    labels = uneven_labels()
    sampler = PKBatchSampler(labels, 2, 3, seed=5)
    first = torch.cat(list(sampler))
    assert torch.equal(first, torch.cat(list(sampler)))
    sampler.set_epoch(1)
    assert not torch.equal(first, torch.cat(list(sampler)))
    assert len(sampler) == len(list(sampler)) == -(-40 // 6)


def test_pk_sampler_rejects_impossible_batches():
    with pytest.raises(DataError, match="lower classes_per_batch"):
        PKBatchSampler(uneven_labels(), classes_per_batch=6, items_per_class=2)
    with pytest.raises(ConfigError, match="K ≥ 2"):
        PKBatchSampler(uneven_labels(), classes_per_batch=2, items_per_class=1)


def test_pk_loader_yields_items_with_class_ids():
    data = LabeledData(torch.randn(40, 3), uneven_labels())
    x, y = next(iter(pk_loader(data, 2, 4, seed=0)))
    assert x.shape == (8, 3) and y.shape == (8,)
    assert torch.equal(y, y.view(2, 4)[:, :1].expand(2, 4).flatten())


def test_triplet_net_shares_one_encoder_and_scores_pairs():
    net = TripletNet(MLP(in_features=12, embedding_dim=4), metric="cosine").eval()
    a, p, n = torch.randn(3, 5, 12).unbind(0)
    ea, ep, en = net.embed_triplets(a, p, n)
    torch.testing.assert_close(ea, net.embed(a))
    torch.testing.assert_close(en, net.embed(n))
    torch.testing.assert_close(net(a, p), 1 - torch.cosine_similarity(ea, ep))
    assert net.score_kind == "distance"
    loss = TripletLoss(distance="cosine")(ea, ep, en)
    assert loss.ndim == 0


def test_triplet_net_round_trips_through_checkpoints(tmp_path):
    net = TripletNet(LeNet(in_channels=1, embedding_dim=8), metric="squared_euclidean").eval()
    save_checkpoint(tmp_path / "t.ckpt", net, {"threshold": 0.5})
    loaded = siamkit.load(tmp_path / "t.ckpt")
    x1, x2 = torch.rand(2, 3, 1, 8, 8).unbind(0)
    assert isinstance(loaded, TripletNet) and loaded.metric == "squared_euclidean"
    torch.testing.assert_close(loaded(x1, x2), net(x1, x2))


def test_fit_triplets_rejects_a_loss_on_another_metric():
    data = LabeledData(torch.randn(20, 4), torch.arange(20) % 4)
    with pytest.raises(ConfigError, match="same metric"):
        fit_triplets(TripletNet(MLP(in_features=4, embedding_dim=2)), OnlineTripletLoss(distance="cosine"), data)


def test_triplet_training_on_digits_separates_seen_classes(tmp_path):
    config = ExperimentConfig(loss="triplet", eval_pairs=2000, train=TrainConfig(epochs=5, progress=False))
    metrics = run_training(config, tmp_path)
    assert metrics["roc_auc"] >= 0.995  # held-out pairs of the classes trained on
    checkpoint = load_checkpoint(tmp_path / "model.ckpt")
    assert isinstance(checkpoint.model, TripletNet) and checkpoint.score_kind == "distance"
    lightning_ckpt = siamkit.load(tmp_path / "checkpoints" / "last.ckpt")
    x = digits().x[:6]
    torch.testing.assert_close(lightning_ckpt(x[:3], x[3:]), checkpoint.model(x[:3], x[3:]))


def test_cli_loss_option_errors_are_one_line(tmp_path, capsys):
    assert run(["train", "--out", str(tmp_path), "--loss", "cosine", "--quiet"]) == 2
    assert "--metric cosine" in capsys.readouterr().err
    assert run(["train", "--out", str(tmp_path), "--loss", "focal", "--quiet"]) == 2
    assert "choose one of" in capsys.readouterr().err
