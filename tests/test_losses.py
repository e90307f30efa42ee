"""Every loss against an independent reference (pytorch-metric-learning or the formula by hand), to 1e-6."""

from __future__ import annotations

import pytest
import torch
from pytorch_metric_learning import distances as pml_distances
from pytorch_metric_learning import losses as pml_losses
from pytorch_metric_learning import miners as pml_miners
from pytorch_metric_learning import reducers as pml_reducers

from siamkit.core.errors import ConfigError, LabelError
from siamkit.experiments.build import build_loss, build_model
from siamkit.experiments.config import ExperimentConfig
from siamkit.losses.names import (
    CLASS_WEIGHT_LOSSES,
    LABELLED_BATCH_LOSSES,
    LOSSES,
    check_loss_fits_model,
    loss_from_name,
)
from siamkit.losses.pair import (
    ContrastiveFunction,
    ContrastiveLoss,
    CosineEmbeddingPairLoss,
    HingeEmbeddingPairLoss,
    PairBCEWithLogitsLoss,
    PairCrossEntropyLoss,
    PairMSELoss,
)
from siamkit.losses.triplet import OnlineTripletLoss, TripletLoss
from siamkit.nn.heads import DistanceHead

TOL = dict(rtol=1e-6, atol=1e-6)


def random_pairs(seed: int, n: int = 64, dim: int = 8, dtype=torch.float64):
    g = torch.Generator().manual_seed(seed)
    a = torch.randn(n, dim, generator=g, dtype=dtype)
    b = torch.randn(n, dim, generator=g, dtype=dtype) * 0.5 + a * 0.5
    y = torch.randint(0, 2, (n,), generator=g)
    return a, b, y


def pml_pair_sum(a, b, y, margin, power):
    """pytorch-metric-learning's ContrastiveLoss summed over the pairs (a_i, b_i), label 1 = positive pair."""
    loss = pml_losses.ContrastiveLoss(
        pos_margin=0,
        neg_margin=margin,
        distance=pml_distances.LpDistance(normalize_embeddings=False, power=power),
        reducer=pml_reducers.SumReducer(),
    )
    i = torch.arange(len(y))
    pos, neg = i[y == 1], i[y == 0]
    return loss(torch.cat([a, b]), indices_tuple=(pos, pos + len(y), neg, neg + len(y)))


# ---------------------------------------------------------------- contrastive


@pytest.mark.parametrize("seed", [0, 1])
def test_contrastive_unsquared_equals_pml_contrastive(seed):
    a, b, y = random_pairs(seed)
    d = DistanceHead()(a, b)
    ours = ContrastiveLoss(margin=1.5, squared=False, reduction="sum")(d, y)
    torch.testing.assert_close(ours, pml_pair_sum(a, b, y, 1.5, power=1), **TOL)
    mean = ContrastiveLoss(margin=1.5, squared=False)(d, y)
    torch.testing.assert_close(mean, pml_pair_sum(a, b, y, 1.5, power=1) / len(y), **TOL)


def test_contrastive_squared_similar_terms_equal_pml_on_squared_distance():
    # PML's squared distance squares the margin too, so only the positive terms share our squared formula.
    a, b, y = random_pairs(2)
    ones = torch.ones_like(y)
    ours = ContrastiveLoss(margin=1.0, squared=True, reduction="sum")(DistanceHead()(a, b), ones)
    torch.testing.assert_close(ours, pml_pair_sum(a, b, ones, 1.0, power=2), **TOL)


@pytest.mark.parametrize("seed", [0, 3])
def test_contrastive_hadsell_form_with_y0_similar(seed):
    # DrLIM (Hadsell, Chopra & LeCun 2006): Y = 0 similar, L = (1−Y)·½·D² + Y·½·max(0, m − D)², averaged.
    a, b, y01 = random_pairs(seed)
    big_y = 1 - y01  # the same pairs in Hadsell's convention
    d = (a - b).norm(dim=1)
    m = 1.2
    by_hand = ((1 - big_y) * 0.5 * d**2 + big_y * 0.5 * (m - d).clamp(min=0) ** 2).mean()
    ours = ContrastiveLoss(margin=m, similar_label=0, reduction="half_mean")(DistanceHead()(a, b), big_y)
    torch.testing.assert_close(ours, by_hand, **TOL)
    # ... and the same number as our 1 = same convention on the original labels.
    ours_01 = ContrastiveLoss(margin=m, similar_label=1, reduction="half_mean")(DistanceHead()(a, b), y01)
    torch.testing.assert_close(ours_01, by_hand, **TOL)


def test_contrastive_caffe_form_sum_over_2n():
    a, b, y = random_pairs(4)
    d2 = (a - b).pow(2).sum(dim=1)
    m = 1.0
    by_hand = (y * d2 + (1 - y) * (m - d2.sqrt()).clamp(min=0) ** 2).sum() / (2 * len(y))
    ours = ContrastiveLoss(margin=m, reduction="half_mean")(DistanceHead()(a, b), y)
    torch.testing.assert_close(ours, by_hand, **TOL)


# ---------------------------------------------------------------- hand-written backward


@pytest.mark.parametrize("squared", [True, False])
@pytest.mark.parametrize("reduction", ["mean", "half_mean", "sum"])
def test_contrastive_function_passes_gradcheck(squared, reduction):
    a, b, y = random_pairs(5, n=12, dim=4)
    a.requires_grad_(True)
    b.requires_grad_(True)
    scale = {"sum": 1.0, "mean": 1 / 12, "half_mean": 0.5 / 12}[reduction]
    similar = y.double()
    assert torch.autograd.gradcheck(
        lambda a_, b_: ContrastiveFunction.apply(a_, b_, similar, 1.5, squared, scale), (a, b)
    )


@pytest.mark.parametrize("squared", [True, False])
@pytest.mark.parametrize("similar_label", [0, 1])
def test_contrastive_function_matches_autograd(squared, similar_label):
    a, b, y = random_pairs(6, n=40)
    loss = ContrastiveLoss(margin=1.5, similar_label=similar_label, squared=squared)
    a1, b1 = a.clone().requires_grad_(True), b.clone().requires_grad_(True)
    a2, b2 = a.clone().requires_grad_(True), b.clone().requires_grad_(True)
    manual = loss.from_embeddings(a1, b1, y)
    auto = loss(DistanceHead()(a2, b2), y)
    manual.backward()
    auto.backward()
    torch.testing.assert_close(manual, auto, **TOL)
    torch.testing.assert_close(a1.grad, a2.grad, **TOL)
    torch.testing.assert_close(b1.grad, b2.grad, **TOL)
    # the margin must be active for some dissimilar pairs, or the hinge branch went untested
    d = DistanceHead()(a, b)
    assert bool(((d < 1.5) & (y != similar_label)).any())


# ---------------------------------------------------------------- triplet


def random_triplets(seed: int, n: int = 48, dim: int = 6, dtype=torch.float64):
    g = torch.Generator().manual_seed(seed)
    a = torch.randn(n, dim, generator=g, dtype=dtype)
    return a, a + 0.8 * torch.randn(n, dim, generator=g, dtype=dtype), torch.randn(n, dim, generator=g, dtype=dtype)


def pml_distance(distance: str, squared: bool):
    if distance == "cosine":
        return pml_distances.CosineSimilarity()
    return pml_distances.LpDistance(normalize_embeddings=False, power=2 if squared else 1)


@pytest.mark.parametrize(
    "distance,squared,margin", [("euclidean", False, 0.5), ("euclidean", True, 1.0), ("cosine", False, 0.2)]
)
@pytest.mark.parametrize(
    "reduction,reducer", [("mean", pml_reducers.MeanReducer), ("mean_nonzero", pml_reducers.AvgNonZeroReducer)]
)
def test_triplet_loss_equals_pml_triplet_margin_loss(distance, squared, margin, reduction, reducer):
    a, p, n = random_triplets(7)
    ours = TripletLoss(margin, squared=squared, distance=distance, reduction=reduction)(a, p, n)
    pml = pml_losses.TripletMarginLoss(margin=margin, distance=pml_distance(distance, squared), reducer=reducer())
    i = torch.arange(len(a))
    reference = pml(torch.cat([a, p, n]), indices_tuple=(i, i + len(a), i + 2 * len(a)))
    torch.testing.assert_close(ours, reference, **TOL)
    head = DistanceHead(TripletLoss(margin, squared, distance).metric)
    losses = (head(a, p) - head(a, n) + margin).clamp(min=0)
    assert 0 < int((losses == 0).sum()) < len(losses)  # both branches of the hinge occur


@pytest.mark.parametrize("strategy,pml_miner", [
    ("batch_hard", lambda m, dist: pml_miners.BatchHardMiner(distance=dist)),
    ("batch_all", lambda m, dist: pml_miners.TripletMarginMiner(m, "all", distance=dist)),
    ("semi_hard", lambda m, dist: pml_miners.TripletMarginMiner(m, "semihard", distance=dist)),
])
@pytest.mark.parametrize("distance,squared", [("euclidean", False), ("euclidean", True), ("cosine", False)])
def test_online_triplet_loss_equals_pml_loss_on_pml_mined_triplets(strategy, pml_miner, distance, squared):
    g = torch.Generator().manual_seed(8)
    emb = torch.randn(40, 5, generator=g, dtype=torch.float64)
    labels = torch.randint(0, 5, (40,), generator=g)
    margin = 0.3
    ours = OnlineTripletLoss(margin, strategy, squared=squared, distance=distance)(emb, labels)
    dist = pml_distance(distance, squared)
    triplets = pml_miner(margin, dist)(emb, labels)
    reference = pml_losses.TripletMarginLoss(margin, distance=dist, reducer=pml_reducers.MeanReducer())(
        emb, labels, triplets
    )
    assert len(triplets[0]) > 0
    torch.testing.assert_close(ours, reference, **TOL)


def test_online_triplet_loss_is_zero_and_differentiable_without_triplets():
    emb = torch.randn(4, 3, requires_grad=True)
    loss = OnlineTripletLoss()(emb, torch.zeros(4, dtype=torch.long))  # one class: no negatives
    loss.backward()
    assert float(loss.detach()) == 0.0 and emb.grad is not None and torch.isfinite(emb.grad).all()


def test_online_triplet_loss_gradient_is_finite_for_duplicate_items():
    emb = torch.randn(3, 4).repeat(2, 1).requires_grad_(True)  # P×K cycles repeat items
    OnlineTripletLoss(strategy="batch_all")(emb, torch.tensor([0, 1, 2, 0, 1, 2])).backward()
    assert torch.isfinite(emb.grad).all()


# ---------------------------------------------------------------- classification-style pair losses


def test_cross_entropy_two_logits_and_log_odds_agree_with_softmax_ce():
    g = torch.Generator().manual_seed(9)
    logits = torch.randn(30, 2, generator=g, dtype=torch.float64)
    y = torch.randint(0, 2, (30,), generator=g)
    by_hand = -(logits.log_softmax(dim=1).gather(1, y[:, None])).mean()
    loss = PairCrossEntropyLoss()
    torch.testing.assert_close(loss(logits, y), by_hand, **TOL)
    torch.testing.assert_close(loss(logits[:, 1] - logits[:, 0], y), by_hand, **TOL)


def test_bce_equals_formula():
    _, _, y = random_pairs(10)
    logits = torch.linspace(-4, 4, len(y), dtype=torch.float64)
    s = torch.sigmoid(logits)
    by_hand = -(y * s.log() + (1 - y) * (1 - s).log()).mean()
    torch.testing.assert_close(PairBCEWithLogitsLoss()(logits, y), by_hand, **TOL)


def test_mse_on_probabilities_equals_formula():
    _, _, y = random_pairs(11)
    logits = torch.linspace(-3, 3, len(y), dtype=torch.float64)
    torch.testing.assert_close(PairMSELoss()(logits, y), ((torch.sigmoid(logits) - y) ** 2).mean(), **TOL)


@pytest.mark.parametrize("margin", [0.0, 0.3])
def test_cosine_loss_equals_torch_cosine_embedding_loss_with_mapped_labels(margin):
    a, b, y = random_pairs(12)
    reference = torch.nn.CosineEmbeddingLoss(margin=margin)(a, b, y * 2 - 1)  # 0/1 → ±1, explicitly
    ours = CosineEmbeddingPairLoss(margin)(DistanceHead("cosine")(a, b), y)
    torch.testing.assert_close(ours, reference, **TOL)


def test_hinge_loss_equals_formula_and_unsquared_contrastive():
    a, b, y = random_pairs(13)
    d = DistanceHead()(a, b)
    by_hand = (y * d + (1 - y) * (2.0 - d).clamp(min=0)).mean()
    torch.testing.assert_close(HingeEmbeddingPairLoss(2.0)(d, y), by_hand, **TOL)
    torch.testing.assert_close(ContrastiveLoss(2.0, squared=False)(d, y), by_hand, **TOL)


# ---------------------------------------------------------------- wrong labels, wrong combinations

PAIR_LOSSES = [ContrastiveLoss(), PairBCEWithLogitsLoss(), PairCrossEntropyLoss(), CosineEmbeddingPairLoss(),
               HingeEmbeddingPairLoss(), PairMSELoss()]


@pytest.mark.parametrize("loss", PAIR_LOSSES, ids=lambda l: type(l).__name__)
def test_pair_losses_reject_plus_minus_one_labels(loss):
    with pytest.raises(LabelError, match="±1"):
        loss(torch.rand(4), torch.tensor([1, -1, 1, -1]))


@pytest.mark.parametrize("loss", PAIR_LOSSES, ids=lambda l: type(l).__name__)
def test_pair_losses_reject_class_ids(loss):
    with pytest.raises(LabelError, match="class ids"):
        loss(torch.rand(4), torch.tensor([0, 3, 7, 1]))


@pytest.mark.parametrize("loss", PAIR_LOSSES, ids=lambda l: type(l).__name__)
def test_pair_losses_reject_misaligned_labels(loss):
    with pytest.raises(LabelError, match="shape"):
        loss(torch.rand(4), torch.tensor([0, 1, 1]))


def test_online_triplet_loss_rejects_plus_minus_one_and_float_labels():
    emb = torch.randn(4, 3)
    with pytest.raises(LabelError, match="±1"):
        OnlineTripletLoss()(emb, torch.tensor([1, -1, 1, -1]))
    with pytest.raises(LabelError, match="integer"):
        OnlineTripletLoss()(emb, torch.tensor([0.0, 1.0, 0.0, 1.0]))
    with pytest.raises(LabelError, match="shape"):
        OnlineTripletLoss()(emb, torch.tensor([0, 1, 0]))


def test_triplet_loss_given_a_class_batch_says_to_use_online_loss():
    with pytest.raises(LabelError, match="OnlineTripletLoss"):
        TripletLoss()(torch.randn(4, 3), torch.tensor([0, 1, 0, 1]), torch.randn(4, 3))


def test_losses_declare_the_score_kind_they_need():
    with pytest.raises(ConfigError, match="classifier"):
        check_loss_fits_model(PairCrossEntropyLoss(), "distance")
    with pytest.raises(ConfigError, match="distance"):
        check_loss_fits_model(HingeEmbeddingPairLoss(), "similarity")


# ---------------------------------------------------------------- registry and workflow wiring


@pytest.mark.parametrize("name", sorted(LOSSES))
def test_every_registered_loss_builds(name):
    kwargs = dict(classes=3, embedding_dim=4) if name in CLASS_WEIGHT_LOSSES else {}
    assert isinstance(loss_from_name(name, **kwargs), LOSSES[name])


def test_registry_errors():
    with pytest.raises(ConfigError, match="choose one of"):
        loss_from_name("focal")
    with pytest.raises(ConfigError, match="no margin"):
        loss_from_name("bce", margin=0.5)
    assert loss_from_name("hinge", margin=3.0).margin == 3.0


def test_workflow_wires_losses_to_models():
    triplet = ExperimentConfig(loss="triplet", metric="squared_euclidean", mining="semi_hard", margin=0.4)
    loss = build_loss(triplet)
    model = build_model(triplet, (1, 8, 8))
    assert (loss.miner.strategy, loss.metric, loss.margin) == ("semi_hard", "squared_euclidean", 0.4)
    assert type(model).__name__ == "TripletNet" and model.metric == loss.metric
    assert isinstance(build_loss(ExperimentConfig(head="classifier", loss="ce")), PairCrossEntropyLoss)
    with pytest.raises(ConfigError, match="--metric cosine"):
        build_loss(ExperimentConfig(loss="cosine"))
    with pytest.raises(ConfigError, match="--head distance"):
        build_loss(ExperimentConfig(head="classifier", loss="triplet"))
    with pytest.raises(ConfigError, match="mining"):
        build_loss(ExperimentConfig(loss="triplet", mining="hardest"))



@pytest.mark.parametrize("loss", sorted(LOSSES))
def test_every_cli_loss_builds_a_model_it_fits_and_backpropagates(loss):
    head = "classifier" if loss in ("bce", "ce", "mse") else "distance"
    config = ExperimentConfig(loss=loss, head=head, metric="cosine" if loss == "cosine" else None)
    y = torch.tensor([0, 0, 1, 1, 2, 2, 3, 3])
    model, criterion = build_model(config, (1, 8, 8)), build_loss(config, classes=y)
    check_loss_fits_model(criterion, model.score_kind)
    x = torch.rand(8, 1, 8, 8)
    if loss in LABELLED_BATCH_LOSSES:
        value = criterion(model.embed(x), y)
    elif getattr(criterion, "takes_pair_embeddings", False):
        value = criterion(model.embed(x[:4]), model.embed(x[4:]), y[:4] % 2)
    else:
        value = criterion(model(x[:4], x[4:]), y[:4] % 2)
    value.backward()
    grads = [p.grad for p in model.parameters() if p.grad is not None]
    assert grads and all(torch.isfinite(g).all() for g in grads)
