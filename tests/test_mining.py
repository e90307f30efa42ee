"""Each mining strategy returns exactly pytorch-metric-learning's triplets on the same batch."""

from __future__ import annotations

import pytest
import torch
from pytorch_metric_learning import distances as pml_distances
from pytorch_metric_learning import miners as pml_miners

from siamkit.core.errors import ConfigError, LabelError
from siamkit.losses.mining import TripletMiner, pairwise_distances, triplet_mask
from siamkit.nn.distances import DISTANCES
from siamkit.nn.heads import DistanceHead

PML_MINERS = {
    "batch_hard": lambda margin, distance: pml_miners.BatchHardMiner(distance=distance),
    "batch_all": lambda margin, distance: pml_miners.TripletMarginMiner(margin, "all", distance=distance),
    "semi_hard": lambda margin, distance: pml_miners.TripletMarginMiner(margin, "semihard", distance=distance),
}


def pml_distance(metric: str):
    if metric == "cosine":
        return pml_distances.CosineSimilarity()
    return pml_distances.LpDistance(normalize_embeddings=False, power=2 if metric == "squared_euclidean" else 1)


def assert_same_triplets(ours, reference):
    assert len(ours) == len(reference) == 3
    for mine, theirs in zip(ours, reference):
        assert torch.equal(mine, theirs.to(mine.dtype))


def batch(seed: int, n: int, classes: int, dim: int = 16, dtype=torch.float32):
    g = torch.Generator().manual_seed(seed)
    labels = torch.randint(0, classes, (n,), generator=g)
    centers = torch.randn(classes, dim, generator=g, dtype=dtype)
    return centers[labels] * 0.7 + torch.randn(n, dim, generator=g, dtype=dtype), labels


@pytest.mark.parametrize("strategy", sorted(PML_MINERS))
@pytest.mark.parametrize("metric", DISTANCES)
@pytest.mark.parametrize("seed,n,classes", [(0, 64, 8), (1, 50, 3), (2, 33, 12)])
def test_strategies_return_exactly_pml_triplets(strategy, metric, seed, n, classes):
    emb, labels = batch(seed, n, classes)
    margin = {"euclidean": 0.5, "squared_euclidean": 4.0, "cosine": 0.1}[metric]
    ours = TripletMiner(strategy, margin, metric)(emb, labels)
    reference = PML_MINERS[strategy](margin, pml_distance(metric))(emb, labels)
    assert len(ours[0]) > 0
    assert_same_triplets(ours, reference)


@pytest.mark.parametrize("strategy", sorted(PML_MINERS))
def test_ties_and_margin_boundary_match_pml(strategy):
    # Integer points: many equal distances and triplets exactly on the margin (slack == margin).
    g = torch.Generator().manual_seed(3)
    emb = torch.randint(0, 3, (40, 2), generator=g).float()
    labels = torch.randint(0, 4, (40,), generator=g)
    ours = TripletMiner(strategy, 1.0, "squared_euclidean")(emb, labels)
    reference = PML_MINERS[strategy](1.0, pml_distance("squared_euclidean"))(emb, labels)
    d = pairwise_distances(emb, "squared_euclidean")
    if strategy != "batch_hard":
        slack = d[ours[0], ours[2]] - d[ours[0], ours[1]]
        assert bool((slack == 1.0).any())  # the boundary case is really exercised
    assert_same_triplets(ours, reference)


def test_degenerate_batches_match_pml():
    emb = torch.randn(6, 4)
    for labels in (torch.zeros(6, dtype=torch.long), torch.arange(6), torch.tensor([0, 0, 1, 2, 3, 4])):
        for strategy, pml in PML_MINERS.items():
            ours = TripletMiner(strategy, 0.5)(emb, labels)
            assert_same_triplets(ours, pml(0.5, pml_distance("euclidean"))(emb, labels))


def test_mined_triplets_are_valid_and_follow_their_rule():
    emb, labels = batch(4, 48, 6)
    d = pairwise_distances(emb)
    a, p, n = TripletMiner("semi_hard", 0.5)(emb, labels)
    assert bool((labels[a] == labels[p]).all() & (a != p).all() & (labels[a] != labels[n]).all())
    slack = d[a, n] - d[a, p]
    assert bool(((slack > 0) & (slack <= 0.5)).all())
    a, p, n = TripletMiner("batch_hard")(emb, labels)
    assert torch.equal(a, torch.unique(a))  # one triplet per anchor
    same = labels[:, None] == labels[None, :]
    assert torch.equal(d[a, n], d.masked_fill(same, float("inf"))[a].min(dim=1).values)


def test_triplet_mask_counts_all_valid_triplets():
    labels = torch.tensor([0, 0, 0, 1, 1, 2])
    # class 0: 3·2 ordered (a, p) × 3 negatives; class 1: 2·1 × 4; class 2: none
    assert int(triplet_mask(labels).sum()) == 3 * 2 * 3 + 2 * 1 * 4


@pytest.mark.parametrize("metric", DISTANCES)
def test_pairwise_distances_match_distance_head(metric):
    emb = torch.randn(10, 5, dtype=torch.float64)
    i, j = torch.triu_indices(10, 10, offset=1)
    torch.testing.assert_close(pairwise_distances(emb, metric)[i, j], DistanceHead(metric)(emb[i], emb[j]))


def test_bad_configuration_and_labels():
    with pytest.raises(ConfigError, match="mining strategy"):
        TripletMiner("hardest")
    with pytest.raises(ConfigError, match="metric"):
        TripletMiner(metric="manhattan")
    with pytest.raises(LabelError, match="class ids"):
        TripletMiner()(torch.randn(4, 2), torch.tensor([1, -1, 1, -1]))
