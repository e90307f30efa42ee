"""Retrieval metrics on embeddings: Recall@K, Precision@1, R-precision and MAP@R.

Every query ranks the reference embeddings by the metric (nearest first) and a neighbour is
relevant when it has the query's class. With no separate reference set, the queries are their own
references and each query's own entry is left out (leave-one-out). Definitions follow
Musgrave et al., "A Metric Learning Reality Check" (2020), and pytorch-metric-learning's
``AccuracyCalculator``:

- ``R`` of a query = number of references of its class (itself excluded);
- Recall@K = share of queries with at least one relevant item among their K nearest;
- Precision@1 = Recall@1; R-precision = relevant share of the R nearest;
- MAP@R = mean over queries of ``(1/R) Σ_{i ≤ R} P(i) · rel(i)``.

Queries whose class has no reference (``R = 0``) are left out of every metric and counted.

Memory: neighbours are found ``chunk_size`` queries at a time (a ``[chunk, M]`` distance block,
with FAISS when installed), so N queries never build an ``N × M`` matrix; only the ``max(K, R)``
nearest labels per query are kept.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Iterator, Sequence

import torch

from siamkit.core.errors import ConfigError, DataError, check_choice
from siamkit.evaluation.search import faiss_flat_index
from siamkit.nn.distances import Distance, get_distance

BACKENDS = ("auto", "torch", "faiss")


@dataclass
class RetrievalReport:
    """Retrieval metrics of one query set; ``recall_at`` maps K (as a string) to Recall@K."""

    recall_at: dict[str, float]
    precision_at_1: float
    r_precision: float
    map_at_r: float
    num_queries: int
    num_skipped: int
    metric: str
    backend: str
    per_query: dict[str, torch.Tensor] = field(default_factory=dict, repr=False)

    def as_dict(self) -> dict:
        """JSON-able metrics (without the per-query tensors)."""
        out = asdict(self)
        out.pop("per_query")
        return out


def _check_inputs(
    query: torch.Tensor, query_labels: torch.Tensor, reference: torch.Tensor, reference_labels: torch.Tensor
) -> None:
    if query.ndim != 2 or reference.ndim != 2 or query.shape[1] != reference.shape[1]:
        raise DataError(
            f"embeddings must be [N, D] and [M, D] with one D, got {tuple(query.shape)} and {tuple(reference.shape)}"
        )
    if len(query) != len(query_labels) or len(reference) != len(reference_labels):
        raise DataError(
            f"one class label per embedding: {len(query)} queries with {len(query_labels)} labels, "
            f"{len(reference)} references with {len(reference_labels)} labels"
        )


def _faiss_available() -> bool:
    try:
        import faiss  # noqa: F401
    except ImportError:
        return False
    return True


def _resolve_backend(backend: str) -> str:
    check_choice(backend, BACKENDS, "retrieval backend")
    if backend == "faiss" and not _faiss_available():
        raise ConfigError("the faiss backend needs faiss-cpu: pip install faiss-cpu (or use backend='torch')")
    if backend == "auto":
        return "faiss" if _faiss_available() else "torch"
    return backend


def nearest_neighbours(
    query: torch.Tensor,
    reference: torch.Tensor,
    k: int,
    metric: str | Distance = "euclidean",
    exclude_self: bool = False,
    chunk_size: int | None = None,
    backend: str = "auto",
) -> Iterator[tuple[int, torch.Tensor]]:
    """Yield ``(start, indices [chunk, k])``: for each chunk of queries, the k nearest references, nearest first.

    ``exclude_self``: queries are the references (``query is reference``) and query ``i`` never
    returns reference ``i``. ``metric``: a :class:`~siamkit.nn.distances.Distance` or its name.
    ``chunk_size`` defaults to what keeps a distance block near 64 MB.
    """
    distance = get_distance(metric, "retrieval metric")
    backend = _resolve_backend(backend)
    query, reference = (distance.prepare(x.detach().float().cpu()) for x in (query, reference))
    chunk_size = chunk_size or max(1, min(4096, (16 * 2**20) // max(len(reference), 1)))
    extra = int(exclude_self)
    index = None
    if backend == "faiss":
        index = faiss_flat_index(distance.faiss_metric, reference.shape[1])
        index.add(reference.numpy())
    by_l2 = distance.faiss_metric == "l2"
    ref_sq = reference.pow(2).sum(1)
    for start in range(0, len(query), chunk_size):
        q = query[start : start + chunk_size]
        if index is not None:
            _, found = index.search(q.numpy(), k + extra)
            idx = torch.from_numpy(found).long()
        else:
            # Rank as the index would: by ‖r‖² − 2 q·r (squared L2 less ‖q‖²), or by −q·r.
            block = -2.0 * q @ reference.T if by_l2 else -(q @ reference.T)
            if by_l2:
                block += ref_sq
            if exclude_self:
                rows = torch.arange(len(q))
                block[rows, start + rows] = float("inf")
            idx = torch.topk(block, k, dim=1, largest=False, sorted=True).indices
        if exclude_self and index is not None:
            idx = _drop_self(idx, start, k)
        yield start, idx


def _drop_self(idx: torch.Tensor, start: int, k: int) -> torch.Tensor:
    """From ``k + 1`` neighbours per row, drop the query's own index (else the farthest one)."""
    own = torch.arange(start, start + len(idx))[:, None]
    is_self = idx == own
    drop = torch.where(is_self.any(1), is_self.float().argmax(1), torch.full((len(idx),), k))
    keep = torch.ones_like(idx, dtype=torch.bool)
    keep[torch.arange(len(idx)), drop] = False
    return idx[keep].view(len(idx), k)


def retrieval_metrics(
    query: torch.Tensor,
    query_labels: torch.Tensor,
    reference: torch.Tensor | None = None,
    reference_labels: torch.Tensor | None = None,
    ks: Sequence[int] = (1, 5, 10),
    metric: str | Distance = "euclidean",
    chunk_size: int | None = None,
    backend: str = "auto",
) -> RetrievalReport:
    """Recall@K, P@1, R-precision and MAP@R of ``query`` embeddings ``[N, D]`` with class ids ``[N]``.

    ``reference`` / ``reference_labels`` (``[M, D]``, ``[M]``): the gallery searched; ``None``
    searches the queries themselves, leaving each query out. ``metric``: a
    :class:`~siamkit.nn.distances.Distance` or its name, ``euclidean`` (default), ``squared_euclidean``
    (same ranking) or ``cosine``. ``backend``: ``torch`` (chunked exact),
    ``faiss`` (exact flat index) or ``auto`` (faiss when installed).

    Example:
        >>> emb, y = torch.randn(100, 8), torch.arange(100) % 5
        >>> retrieval_metrics(emb, y).recall_at["1"]  # doctest: +SKIP
    """
    if not ks or min(ks) < 1:
        raise ConfigError(f"K values must be ≥ 1, got {list(ks)}")
    distance = get_distance(metric, "retrieval metric")
    leave_one_out = reference is None
    if leave_one_out:
        reference, reference_labels = query, query_labels
    query_labels, reference_labels = torch.as_tensor(query_labels).long(), torch.as_tensor(reference_labels).long()
    _check_inputs(query, query_labels, reference, reference_labels)
    available = len(reference) - int(leave_one_out)
    if max(ks) > available:
        raise ConfigError(f"K = {max(ks)} exceeds the {available} references each query can retrieve")

    classes, ref_counts = torch.unique(reference_labels, return_counts=True)
    pos = torch.searchsorted(classes, query_labels).clamp_max(len(classes) - 1)
    r = torch.where(classes[pos] == query_labels, ref_counts[pos], 0) - int(leave_one_out)
    r = r.clamp_min(0)
    k_max = max(max(ks), int(r.max()) if len(r) else 0)
    resolved = _resolve_backend(backend)

    hits = {k: torch.zeros(len(query), dtype=torch.bool) for k in sorted({1, *ks})}
    r_prec = torch.zeros(len(query), dtype=torch.float64)
    ap = torch.zeros(len(query), dtype=torch.float64)
    ranks = torch.arange(1, k_max + 1, dtype=torch.float64)
    for start, idx in nearest_neighbours(
        query, reference, k_max, distance, leave_one_out, chunk_size, resolved
    ):
        rows = slice(start, start + len(idx))
        match = reference_labels[idx] == query_labels[rows, None]
        for k in hits:
            hits[k][rows] = match[:, :k].any(1)
        r_rows = r[rows].double()
        within_r = ranks[None, :] <= r_rows[:, None]
        relevant = (match & within_r).double()
        r_prec[rows] = relevant.sum(1) / r_rows.clamp_min(1)
        ap[rows] = (relevant * relevant.cumsum(1) / ranks).sum(1) / r_rows.clamp_min(1)

    valid = r > 0
    if not bool(valid.any()):
        raise DataError("no query has another item of its class among the references; retrieval needs ≥ 2 per class")

    def mean(values: torch.Tensor) -> float:
        return float(values[valid].double().mean())

    return RetrievalReport(
        recall_at={str(k): mean(hits[k]) for k in ks},
        precision_at_1=mean(hits[1]),
        r_precision=mean(r_prec),
        map_at_r=mean(ap),
        num_queries=int(valid.sum()),
        num_skipped=int((~valid).sum()),
        metric=distance.name,
        backend=resolved,
        per_query={"hit_at_1": hits[1], "r_precision": r_prec, "ap_at_r": ap, "r": r},
    )
