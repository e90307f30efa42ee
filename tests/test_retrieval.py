"""Retrieval metrics against pytorch-metric-learning's AccuracyCalculator (the reference)."""

from __future__ import annotations

import pytest
import torch

from siamkit.core.errors import ConfigError, DataError
from siamkit.evaluation.retrieval import nearest_neighbours, retrieval_metrics

pml_calc = pytest.importorskip("pytorch_metric_learning.utils.accuracy_calculator")


class RecallCalculator(pml_calc.AccuracyCalculator):
    """PML's calculator plus Recall@5/@10 computed from PML's own neighbour labels."""

    def calculate_recall_at_5(self, knn_labels, query_labels, **kwargs):
        return self._recall(knn_labels, query_labels, 5)

    def calculate_recall_at_10(self, knn_labels, query_labels, **kwargs):
        return self._recall(knn_labels, query_labels, 10)

    @staticmethod
    def _recall(knn_labels, query_labels, k):
        return float((knn_labels[:, :k] == query_labels[:, None]).any(1).double().mean())

    def requires_knn(self):
        return super().requires_knn() + ["recall_at_5", "recall_at_10"]


def _pml(query, query_labels, reference=None, reference_labels=None):
    from pytorch_metric_learning.distances import LpDistance
    from pytorch_metric_learning.utils.inference import CustomKNN

    calc = RecallCalculator(
        include=("precision_at_1", "mean_average_precision_at_r", "r_precision", "recall_at_5", "recall_at_10"),
        k="max_bin_count",
        device=torch.device("cpu"),
        knn_func=CustomKNN(LpDistance(normalize_embeddings=False)),
    )
    return calc.get_accuracy(query, query_labels, reference, reference_labels)


def _random(n, d, classes, seed):
    g = torch.Generator().manual_seed(seed)
    emb = torch.randn(n, d, generator=g)
    labels = torch.randint(classes, (n,), generator=g)
    return emb, labels


@pytest.mark.parametrize("backend", ["torch", "faiss"])
def test_leave_one_out_matches_pytorch_metric_learning(backend):
    emb, labels = _random(600, 16, 12, seed=0)
    ours = retrieval_metrics(emb, labels, ks=(1, 5, 10), backend=backend, chunk_size=97)
    ref = _pml(emb, labels)
    assert ours.num_skipped == 0
    assert ours.precision_at_1 == pytest.approx(ref["precision_at_1"], abs=1e-6)
    assert ours.recall_at["1"] == pytest.approx(ref["precision_at_1"], abs=1e-6)
    assert ours.recall_at["5"] == pytest.approx(ref["recall_at_5"], abs=1e-6)
    assert ours.recall_at["10"] == pytest.approx(ref["recall_at_10"], abs=1e-6)
    assert ours.map_at_r == pytest.approx(ref["mean_average_precision_at_r"], abs=1e-6)
    assert ours.r_precision == pytest.approx(ref["r_precision"], abs=1e-6)


def test_separate_gallery_matches_pytorch_metric_learning():
    query, query_labels = _random(150, 8, 6, seed=1)
    reference, reference_labels = _random(400, 8, 6, seed=2)
    ours = retrieval_metrics(query, query_labels, reference, reference_labels, backend="torch", chunk_size=64)
    ref = _pml(query, query_labels, reference, reference_labels)
    assert ours.precision_at_1 == pytest.approx(ref["precision_at_1"], abs=1e-6)
    assert ours.map_at_r == pytest.approx(ref["mean_average_precision_at_r"], abs=1e-6)
    assert ours.r_precision == pytest.approx(ref["r_precision"], abs=1e-6)
    assert ours.recall_at["10"] == pytest.approx(ref["recall_at_10"], abs=1e-6)


def test_perfect_clusters_score_one_and_cosine_differs_from_euclidean_ranking():
    centres = torch.eye(4) * 10
    labels = torch.arange(4).repeat_interleave(5)
    emb = centres[labels] + 0.01 * torch.randn(20, 4, generator=torch.Generator().manual_seed(0))
    report = retrieval_metrics(emb, labels, ks=(1, 3))
    assert report.map_at_r == pytest.approx(1.0)
    assert report.recall_at == {"1": 1.0, "3": 1.0}
    # Same direction, different length: near under cosine, far under euclidean.
    emb2 = torch.tensor([[1.0, 0.0], [10.0, 0.0], [0.0, 1.0], [0.0, 10.0]])
    y2 = torch.tensor([0, 0, 1, 1])
    assert retrieval_metrics(emb2, y2, ks=(1,), metric="cosine").precision_at_1 == 1.0
    assert retrieval_metrics(emb2, y2, ks=(1,), metric="euclidean").precision_at_1 < 1.0


def test_chunking_and_backends_give_identical_neighbours():
    emb, _ = _random(300, 8, 5, seed=3)
    full = torch.cat([i for _, i in nearest_neighbours(emb, emb, 7, exclude_self=True, chunk_size=300, backend="torch")])
    small = torch.cat([i for _, i in nearest_neighbours(emb, emb, 7, exclude_self=True, chunk_size=13, backend="torch")])
    faiss = torch.cat([i for _, i in nearest_neighbours(emb, emb, 7, exclude_self=True, chunk_size=50, backend="faiss")])
    assert torch.equal(full, small)
    assert torch.equal(full, faiss)
    assert not (full == torch.arange(300)[:, None]).any()


def test_lone_queries_are_skipped_and_bad_input_is_named():
    emb = torch.randn(5, 3)
    labels = torch.tensor([0, 0, 1, 1, 2])  # class 2 has no other member
    assert retrieval_metrics(emb, labels, ks=(1,)).num_skipped == 1
    with pytest.raises(ConfigError, match="exceeds"):
        retrieval_metrics(emb, labels, ks=(10,))
    with pytest.raises(DataError, match="one class label per embedding"):
        retrieval_metrics(emb, labels[:3], ks=(1,))
    with pytest.raises(ConfigError, match="unknown retrieval metric"):
        retrieval_metrics(emb, labels, ks=(1,), metric="manhattan")
