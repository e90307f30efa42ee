"""The losses on class-labelled batches (siamkit.losses.batch / .proxy): equal to pytorch-metric-learning's
classes built with the defaults they document, train, refuse bad batches with the fix, and keep their
per-class weights out of the model while a resumed run continues them."""

from __future__ import annotations

import math

import pytest
import torch
from pytorch_metric_learning import losses as pml

import siamkit
from siamkit.core.errors import ConfigError, LabelError
from siamkit.data import digits
from siamkit.experiments.build import build_loss, build_model
from siamkit.experiments.config import ExperimentConfig
from siamkit.losses.batch import CircleLoss, MultiSimilarityLoss, NTXentLoss, SupConLoss
from siamkit.losses.names import CLASS_WEIGHT_LOSSES, LABELLED_BATCH_LOSSES, LOSSES, loss_from_name
from siamkit.losses.pair import ContrastiveLoss
from siamkit.losses.proxy import ArcFaceLoss, NormalizedSoftmaxLoss, ProxyAnchorLoss, class_ids_of
from siamkit.nn.encoders import MLP, LeNet
from siamkit.nn.models import TripletNet
from siamkit.training.config import TrainConfig
from siamkit.training.trainer import fit, fit_triplets

TOL = dict(rtol=1e-6, atol=1e-6)
CLASS_IDS = torch.tensor([2, 5, 9, 11])  # not 0 … C−1: the proxy losses map them to weight rows

# siamkit loss (its defaults) → the library's loss as the docstrings say those defaults are
PAIR_BASED = {
    "multi_similarity": (MultiSimilarityLoss, lambda: pml.MultiSimilarityLoss(alpha=2, beta=50, base=0.5)),
    "supcon": (SupConLoss, lambda: pml.SupConLoss(temperature=0.1)),
    "ntxent": (NTXentLoss, lambda: pml.NTXentLoss(temperature=0.07)),
    "circle": (CircleLoss, lambda: pml.CircleLoss(m=0.4, gamma=80)),
}
WITH_WEIGHTS = {
    "proxy_anchor": (ProxyAnchorLoss, lambda c, d: pml.ProxyAnchorLoss(c, d, margin=0.1, alpha=32)),
    "arcface": (ArcFaceLoss, lambda c, d: pml.ArcFaceLoss(c, d, margin=math.degrees(0.5), scale=64)),
    "normalized_softmax": (NormalizedSoftmaxLoss, lambda c, d: pml.NormalizedSoftmaxLoss(c, d, temperature=0.05)),
}


def pk_batch(seed: int, p: int = 4, k: int = 4, dim: int = 6, spread: float = 1.0):
    """Embeddings ``[P·K, dim]`` around one random centre per class, class ids from CLASS_IDS, float64."""
    g = torch.Generator().manual_seed(seed)
    centres = torch.randn(p, dim, generator=g, dtype=torch.float64) * 2
    labels = CLASS_IDS[:p].repeat_interleave(k)
    noise = torch.randn(p * k, dim, generator=g, dtype=torch.float64) * spread
    return centres.repeat_interleave(k, dim=0) + noise, labels


def test_the_registry_knows_every_new_name_and_which_train_on_labelled_batches():
    new = {*PAIR_BASED, *WITH_WEIGHTS}
    assert new <= LOSSES.keys()
    assert set(LABELLED_BATCH_LOSSES) == new | {"triplet"}
    assert set(CLASS_WEIGHT_LOSSES) == set(WITH_WEIGHTS)
    assert all(LOSSES[name].metric == "cosine" for name in new)


@pytest.mark.parametrize("seed", [0, 1])
@pytest.mark.parametrize("name", sorted(PAIR_BASED))
def test_pair_based_losses_equal_the_library_with_its_defaults(name, seed):
    ours, reference = PAIR_BASED[name][0](), PAIR_BASED[name][1]()
    emb, labels = pk_batch(seed)
    emb_ref = emb.clone().requires_grad_()
    emb.requires_grad_()
    value, expected = ours(emb, labels), reference(emb_ref, labels)
    value.backward(), expected.backward()
    assert value.item() > 0
    torch.testing.assert_close(value, expected, **TOL)
    torch.testing.assert_close(emb.grad, emb_ref.grad, **TOL)


@pytest.mark.parametrize("seed", [0, 1])
@pytest.mark.parametrize("name", sorted(WITH_WEIGHTS))
def test_losses_with_class_weights_equal_the_library_with_its_weights(name, seed):
    ours = WITH_WEIGHTS[name][0](CLASS_IDS, 6).double()
    reference = WITH_WEIGHTS[name][1](len(CLASS_IDS), 6).double()
    reference.load_state_dict(ours.pml.state_dict())
    emb, labels = pk_batch(seed, p=3)  # class 11 absent from the batch: its weights still count
    emb_ref = emb.clone().requires_grad_()
    emb.requires_grad_()
    value, expected = ours(emb, labels), reference(emb_ref, torch.searchsorted(CLASS_IDS, labels))
    value.backward(), expected.backward()
    torch.testing.assert_close(value, expected, **TOL)
    torch.testing.assert_close(emb.grad, emb_ref.grad, **TOL)
    for (key, ours_w), ref_w in zip(ours.pml.named_parameters(), reference.parameters()):
        torch.testing.assert_close(ours_w.grad, ref_w.grad, **TOL, msg=key)


def test_low_precision_embeddings_leave_the_class_weights_in_float32():
    loss = ProxyAnchorLoss(4, 6)
    value = loss(torch.randn(8, 6).bfloat16(), torch.arange(4).repeat_interleave(2))
    assert value.dtype == torch.float32 and loss.pml.proxies.dtype == torch.float32


def _build(name: str, dim: int = 4):
    return loss_from_name(name, classes=CLASS_IDS, embedding_dim=dim) if name in WITH_WEIGHTS else loss_from_name(name)


@pytest.mark.parametrize("name", sorted({*PAIR_BASED, *WITH_WEIGHTS}))
def test_each_loss_decreases_when_training_on_a_separable_problem(name):
    torch.manual_seed(0)
    x, labels = pk_batch(3, spread=0.3)
    encoder, loss = MLP(in_features=6, embedding_dim=4).double(), _build(name).double()
    optimizer = torch.optim.Adam(
        [{"params": encoder.parameters()}, {"params": loss.parameters(), "lr": 1e-2 * getattr(loss, "lr_scale", 1)}],
        lr=1e-2,
    )
    values = []
    for _ in range(30):
        optimizer.zero_grad()
        value = loss(encoder(x), labels)
        value.backward()
        optimizer.step()
        values.append(value.item())
    # MS and SupCon have floors above 0 (SupCon's: log(K − 1) with K = 4), so the decrease asked is modest
    assert values[-1] < 0.9 * values[0], values[::5]
    unit = torch.nn.functional.normalize(encoder(x), dim=1).detach()
    nearest = (unit @ unit.T).fill_diagonal_(-2).argmax(dim=1)
    assert torch.equal(labels[nearest], labels)  # and the classes are apart by cosine


@pytest.mark.parametrize("name", sorted({*PAIR_BASED, *WITH_WEIGHTS}))
def test_pair_labels_are_refused_with_the_fix(name):
    emb, labels = pk_batch(0)
    with pytest.raises(LabelError, match="pair labels .* P×K batches"):
        _build(name, dim=6)(emb, (labels == labels[0]).float())


@pytest.mark.parametrize("name", sorted(PAIR_BASED))
def test_batches_without_positives_or_negatives_are_refused_with_the_fix(name):
    emb, labels = pk_batch(0)
    with pytest.raises(LabelError, match="one class only.*P ≥ 2"):
        PAIR_BASED[name][0]()(emb, torch.zeros_like(labels))
    with pytest.raises(LabelError, match="no positive pair.*K ≥ 2"):
        PAIR_BASED[name][0]()(emb, torch.arange(len(labels)))


def test_class_weight_losses_take_any_batch_of_known_classes_and_refuse_unknown_ones():
    emb, labels = pk_batch(0)
    loss = ArcFaceLoss(CLASS_IDS, 6).double()
    assert torch.isfinite(loss(emb, torch.full_like(labels, 5)))  # one class: still a classification loss
    with pytest.raises(LabelError, match="class id 3 is not one of the 4 training classes"):
        loss(emb, torch.full_like(labels, 3))
    with pytest.raises(ConfigError, match="≥ 2 training classes"):
        class_ids_of([7, 7])
    with pytest.raises(ConfigError, match="pass classes="):
        loss_from_name("proxy_anchor")
    with pytest.raises(ConfigError, match="radians"):
        ArcFaceLoss(4, 6, margin=28.6)
    with pytest.raises(ConfigError, match="temperature must be > 0"):
        SupConLoss(temperature=0)
    with pytest.raises(ConfigError, match="lr_scale"):
        ProxyAnchorLoss(4, 6, lr_scale=0)


def test_configs_and_trainers_route_labelled_batch_losses_and_name_the_fix():
    assert ExperimentConfig(loss="supcon").metric == "cosine"
    assert ExperimentConfig(loss="triplet").metric == "euclidean"
    assert build_model(ExperimentConfig(loss="circle"), (1, 8, 8)).metric == "cosine"
    assert build_loss(ExperimentConfig(loss="proxy_anchor", projection_dim=5), classes=CLASS_IDS).pml.proxies.shape == (4, 5)
    with pytest.raises(ConfigError, match="use --metric cosine"):
        ExperimentConfig(loss="arcface", metric="euclidean")
    with pytest.raises(ConfigError, match=r"items_per_class \(K\) must be ≥ 2"):
        ExperimentConfig(loss="ntxent", items_per_class=1)
    with pytest.raises(ConfigError, match="use --head distance"):
        build_loss(ExperimentConfig(loss="multi_similarity", head="classifier"))
    with pytest.raises(ConfigError, match="class-labelled data"):
        build_loss(ExperimentConfig(loss="normalized_softmax"))
    net, data = TripletNet(MLP(in_features=64, embedding_dim=4), "cosine"), digits()
    with pytest.raises(ConfigError, match="train it with fit_triplets"):
        fit(net, SupConLoss(), None)
    with pytest.raises(ConfigError, match="train it with fit$"):
        fit_triplets(TripletNet(MLP(in_features=64, embedding_dim=4)), ContrastiveLoss(), data)
    with pytest.raises(ConfigError, match=r"items_per_class \(K\) must be ≥ 2"):
        fit_triplets(net, SupConLoss(), data, items_per_class=1)


def _proxy_fit(epochs: int, checkpoint_dir=None, resume: bool = False):
    data = digits().subset(torch.arange(0, 1797, 3))
    torch.manual_seed(0)
    net, loss = TripletNet(LeNet(1, 8), "cosine"), ProxyAnchorLoss(torch.unique(data.y), 8)
    config = TrainConfig(epochs=epochs, batch_size=64, progress=False, checkpoint_dir=checkpoint_dir, resume=resume)
    before = loss.pml.proxies.detach().clone()
    result = fit_triplets(net, loss, data, None, config)
    return net, loss, before, result


def test_proxies_train_at_their_own_rate_stay_out_of_the_model_and_resume_exactly(tmp_path):
    unbroken, unbroken_loss, before, _ = _proxy_fit(epochs=2)
    assert not torch.equal(unbroken_loss.pml.proxies, before)  # the optimizer moved them
    _proxy_fit(epochs=1, checkpoint_dir=tmp_path)
    lightning = torch.load(tmp_path / "last.ckpt", map_location="cpu", weights_only=True)
    assert "loss.pml.proxies" in lightning["state_dict"]
    model_group, proxy_group = lightning["optimizer_states"][0]["param_groups"]
    assert proxy_group["lr"] == pytest.approx(100 * model_group["lr"])
    assert siamkit.load(tmp_path / "last.ckpt").embed(digits().x[:2]).shape == (2, 8)
    resumed, resumed_loss, _, result = _proxy_fit(epochs=2, checkpoint_dir=tmp_path, resume=True)
    assert [row["epoch"] for row in result.history] == [0, 1]
    torch.testing.assert_close(resumed_loss.pml.proxies, unbroken_loss.pml.proxies, rtol=0, atol=0)
    for (name, a), b in zip(unbroken.state_dict().items(), resumed.state_dict().values()):
        torch.testing.assert_close(a, b, rtol=0, atol=0, msg=name)
    assert not any("prox" in key or "pml" in key for key in resumed.state_dict())


@pytest.mark.parametrize("loss", ["multi_similarity", "proxy_anchor"])
def test_run_training_with_a_labelled_batch_loss_writes_a_loadable_cosine_model(tmp_path, loss):
    from conftest import tiny_experiment

    from siamkit.experiments.image import run_training

    metrics = run_training(tiny_experiment(loss=loss), tmp_path)
    assert (tmp_path / "metrics.json").is_file() and metrics["roc_auc"] > 0.8
    payload = torch.load(tmp_path / "model.ckpt", map_location="cpu", weights_only=False)
    assert not any("prox" in key or "pml" in key for key in payload["state_dict"])
    checkpoint = siamkit.load_checkpoint(tmp_path / "model.ckpt")
    assert checkpoint.model.metric == "cosine" and checkpoint.meta["experiment"]["loss"] == loss
    assert checkpoint.model.embed(digits().x[:2]).shape == (2, 8)
