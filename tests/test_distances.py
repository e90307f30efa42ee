"""Distance objects against pytorch-metric-learning's distances (the reference), to 1e-6."""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from pytorch_metric_learning import distances as pml_distances

from siamkit.core.errors import ConfigError
from siamkit.losses.mining import pairwise_distances
from siamkit.nn.distances import (
    DISTANCES,
    CosineDistance,
    EuclideanDistance,
    SquaredEuclideanDistance,
    get_distance,
)
from siamkit.nn.heads import DistanceHead

TOL = {"atol": 1e-6, "rtol": 1e-6}


def reference(name: str):
    """pytorch-metric-learning's distance matrix for ``name`` (cosine: 1 − its similarity)."""
    if name == "cosine":
        similarity = pml_distances.CosineSimilarity()
        return lambda x, y: 1.0 - similarity(x, y)
    lp = pml_distances.LpDistance(normalize_embeddings=False, power=2 if name == "squared_euclidean" else 1)
    return lambda x, y: lp(x, y)


def embeddings(*shape: int, seed: int = 0) -> torch.Tensor:
    return torch.randn(*shape, generator=torch.Generator().manual_seed(seed), dtype=torch.float64)


@pytest.mark.parametrize("name", DISTANCES)
def test_pairwise_matches_pytorch_metric_learning(name):
    x, y = embeddings(9, 5), embeddings(7, 5, seed=1)
    ours = get_distance(name).pairwise(x, y)
    assert ours.shape == (9, 7)
    torch.testing.assert_close(ours, reference(name)(x, y), **TOL)


@pytest.mark.parametrize("name", DISTANCES)
def test_paired_matches_pytorch_metric_learning(name):
    a, b = embeddings(11, 6), embeddings(11, 6, seed=2)
    ours = get_distance(name).paired(a, b)
    assert ours.shape == (11,)
    torch.testing.assert_close(ours, reference(name)(a, b).diagonal(), **TOL)


def test_cosine_paired_matches_pml_pairwise_distance_of_normalised_rows():
    a, b = embeddings(8, 4), embeddings(8, 4, seed=3)
    similarity = pml_distances.CosineSimilarity().pairwise_distance(F.normalize(a), F.normalize(b))
    torch.testing.assert_close(CosineDistance().paired(a, b), 1.0 - similarity, **TOL)


@pytest.mark.parametrize("name", DISTANCES)
def test_pairwise_is_what_mining_and_the_head_compute(name):
    x = embeddings(10, 3, seed=4)
    distance = get_distance(name)
    torch.testing.assert_close(pairwise_distances(x, name), distance.pairwise(x, x), atol=0, rtol=0)
    i, j = torch.tensor([0, 3, 7]), torch.tensor([5, 3, 1])
    torch.testing.assert_close(DistanceHead(name)(x[i], x[j]), distance.paired(x[i], x[j]), atol=0, rtol=0)


@pytest.mark.parametrize("name", DISTANCES)
def test_gradient_is_finite_where_the_embeddings_are_equal(name):
    a = embeddings(4, 5, seed=5).requires_grad_()
    b = a.detach().clone().requires_grad_()
    get_distance(name).paired(a, b).sum().backward()
    assert torch.isfinite(a.grad).all() and torch.isfinite(b.grad).all()


def test_euclidean_keeps_the_epsilon_under_the_square_root():
    zero = torch.zeros(1, 3)
    assert EuclideanDistance().paired(zero, zero).item() == pytest.approx(1e-6)
    assert SquaredEuclideanDistance().paired(zero, zero).item() == 0.0


@pytest.mark.parametrize("name", DISTANCES)
def test_index_scores_convert_back_to_the_distance(name):
    distance = get_distance(name)
    x, y = distance.prepare(embeddings(6, 4, seed=6)), distance.prepare(embeddings(5, 4, seed=7))
    raw = torch.cdist(x, y).pow(2) if distance.faiss_metric == "l2" else x @ y.T
    torch.testing.assert_close(distance.from_index_scores(raw), distance.pairwise(x, y), **TOL)
    as_array = distance.from_index_scores(raw.numpy())
    assert isinstance(as_array, np.ndarray)
    np.testing.assert_allclose(as_array, distance.pairwise(x, y).numpy(), atol=1e-6)


def test_properties_and_lookup():
    assert [(d.name, d.faiss_metric, d.normalize_embeddings) for d in map(get_distance, DISTANCES)] == [
        ("euclidean", "l2", False), ("squared_euclidean", "l2", False), ("cosine", "ip", True)
    ]
    assert not any(get_distance(name).is_inverted for name in DISTANCES)  # larger = farther, as LpDistance
    assert get_distance("cosine") == CosineDistance() != EuclideanDistance()
    distance = SquaredEuclideanDistance()
    assert get_distance(distance) is distance
    assert DistanceHead(distance).spec_args == {"metric": "squared_euclidean"}
    with pytest.raises(ConfigError, match="unknown distance metric 'l2'; choose one of: euclidean, squared_euclidean, cosine"):
        get_distance("l2")
