"""Chunked exact search agrees with a full scan and with FAISS's flat indexes."""

from __future__ import annotations

import faiss
import pytest
import torch

from siamkit.core.errors import ConfigError, DataError
from siamkit.evaluation.search import exact_search


def _data(n: int = 1000, b: int = 7, d: int = 16):
    generator = torch.Generator().manual_seed(0)
    return torch.randn(n, d, generator=generator), torch.randn(b, d, generator=generator)


@pytest.mark.parametrize("chunk_size", [1, 64, 333, 5000])
def test_l2_matches_full_scan(chunk_size):
    gallery, queries = _data()
    scores, ids = exact_search(gallery, queries, k=5, chunk_size=chunk_size)
    full = torch.cdist(queries, gallery).pow(2).topk(5, dim=1, largest=False)
    assert torch.equal(ids, full.indices)
    assert torch.allclose(scores, full.values, atol=1e-3)


@pytest.mark.parametrize("metric", ["l2", "ip"])
def test_matches_faiss_flat_index(metric):
    gallery, queries = _data()
    index = faiss.IndexFlatL2(16) if metric == "l2" else faiss.IndexFlatIP(16)
    index.add(gallery.numpy())
    want_scores, want_ids = index.search(queries.numpy(), 10)
    scores, ids = exact_search(gallery, queries, k=10, metric=metric, chunk_size=100)
    assert torch.equal(ids, torch.from_numpy(want_ids))
    assert torch.allclose(scores, torch.from_numpy(want_scores), atol=1e-3)


def test_bad_input_is_named():
    gallery, queries = _data(n=10)
    with pytest.raises(ConfigError, match="k must be"):
        exact_search(gallery, queries, k=11)
    with pytest.raises(ConfigError, match="unknown metric"):
        exact_search(gallery, queries, k=1, metric="cosine")
    with pytest.raises(DataError, match="same D"):
        exact_search(gallery, queries[:, :3], k=1)
