"""Exact k-nearest-neighbour search as chunked matrix products: ``[B, D]`` queries against ``[N, D]`` vectors.

The gallery is scanned in chunks of ``chunk_size`` rows; each chunk's ``[B, chunk]`` scores stay in cache,
keep their own top ``k``, and the per-chunk winners are merged at the end. Results are exact (the same
neighbours as a full scan, up to float ties) and follow FAISS's conventions: metric ``"l2"`` returns
*squared* Euclidean distances in ascending order, ``"ip"`` inner products in descending order.
"""

from __future__ import annotations

from typing import Any

import torch

from siamkit.core.errors import ConfigError, DataError, check_choice
from siamkit.nn.distances import FAISS_METRICS


def faiss_flat_index(metric: str, dim: int) -> Any:
    """An empty exact FAISS index for ``dim``-sized vectors: ``IndexFlatL2`` (``"l2"``) or ``IndexFlatIP`` (``"ip"``)."""
    import faiss

    check_choice(metric, FAISS_METRICS, "metric")
    return faiss.IndexFlatL2(dim) if metric == "l2" else faiss.IndexFlatIP(dim)


def exact_search(
    gallery: torch.Tensor,
    queries: torch.Tensor,
    k: int,
    metric: str = "l2",
    chunk_size: int = 16384,
    gallery_sq_norms: torch.Tensor | None = None,
) -> tuple[torch.Tensor, torch.Tensor]:
    """The ``k`` gallery rows nearest to each query.

    Args:
        gallery: vectors ``[N, D]`` (float).
        queries: vectors ``[B, D]``.
        k: neighbours per query, ``1 ≤ k ≤ N``.
        metric: ``"l2"`` (squared Euclidean, smaller = nearer) or ``"ip"`` (inner product, larger = nearer).
        chunk_size: gallery rows scored at once.
        gallery_sq_norms: ``‖g‖²`` ``[N]`` for ``"l2"``, precomputed once for repeated searches.

    Returns: scores ``[B, k]`` (nearest first) and gallery row ids ``[B, k]`` (int64).

    Example:
        >>> g = torch.eye(3)
        >>> exact_search(g, torch.tensor([[0.0, 0.9, 0.1]]), k=2)[1]
        tensor([[1, 2]])
    """
    check_choice(metric, FAISS_METRICS, "metric")
    if gallery.ndim != 2 or queries.ndim != 2 or gallery.shape[1] != queries.shape[1]:
        raise DataError(
            f"gallery must be [N, D] and queries [B, D] with the same D, got {tuple(gallery.shape)} and "
            f"{tuple(queries.shape)}"
        )
    if not 1 <= k <= gallery.shape[0]:
        raise ConfigError(f"k must be in [1, {gallery.shape[0]}] (the gallery size), got {k}")
    nearest_is_largest = metric == "ip"
    if metric == "l2" and gallery_sq_norms is None:
        gallery_sq_norms = gallery.pow(2).sum(1)
    scores, ids = [], []
    for start in range(0, gallery.shape[0], chunk_size):
        chunk = gallery[start : start + chunk_size]
        if metric == "l2":
            norms = gallery_sq_norms[None, start : start + chunk_size]
            chunk_scores = torch.addmm(norms, queries, chunk.t(), alpha=-2.0)
        else:
            chunk_scores = queries @ chunk.t()
        best = chunk_scores.topk(min(k, chunk.shape[0]), dim=1, largest=nearest_is_largest)
        scores.append(best.values)
        ids.append(best.indices + start)
    merged = torch.cat(scores, dim=1).topk(k, dim=1, largest=nearest_is_largest)
    best_scores = merged.values
    if metric == "l2":
        best_scores = best_scores + queries.pow(2).sum(1, keepdim=True)
    return best_scores, torch.cat(ids, dim=1).gather(1, merged.indices)
