"""The vectors of a gallery and the index that searches them under a :class:`~siamkit.nn.distances.Distance`.

``kind="flat"`` searches exactly with :func:`siamkit.evaluation.search.exact_search` (chunked matmuls,
the same neighbours as FAISS's flat index up to float ties, faster on a CPU); ``"ivf"`` (inverted
lists) and ``"hnsw"`` (a graph) are FAISS's approximate indexes, built from all vectors at the first
search after a change. An IVF index with fewer vectors than ``nlist`` cells is searched exactly.
Scores follow the index's convention (:attr:`~siamkit.nn.distances.Distance.faiss_metric`): squared
L2 distances for ``"l2"``, inner products of unit vectors for ``"ip"``.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch

from siamkit.core.errors import check_choice
from siamkit.evaluation.search import exact_search, faiss_flat_index
from siamkit.nn.distances import Distance

INDEX_KINDS = ("flat", "ivf", "hnsw")


class VectorIndex:
    """Embeddings ``[N, D]`` as the index stores them (unit rows for a normalising distance), searchable.

    Args:
        distance: what "nearest" means; its :meth:`~siamkit.nn.distances.Distance.prepare` is applied
            to every vector added and every query.
        dim: embedding size ``D``.
        kind, nlist, nprobe, hnsw_m: the index (see the module docstring); ``nprobe`` IVF cells are
            searched, ``hnsw_m`` links per graph node.
    """

    def __init__(
        self, distance: Distance, dim: int, kind: str = "flat", nlist: int = 64, nprobe: int = 8, hnsw_m: int = 32
    ) -> None:
        self.distance = distance
        self.kind = check_choice(kind, INDEX_KINDS, "gallery index")
        self.dim, self.nlist, self.nprobe, self.hnsw_m = dim, nlist, nprobe, hnsw_m
        self.vectors = np.zeros((0, dim), dtype=np.float32)
        self._approximate: Any = None  # the FAISS index of an approximate kind; None = stale or not needed
        self._sq_norms: torch.Tensor | None = None  # ‖v‖² of the vectors for exact "l2"; None = stale

    def __len__(self) -> int:
        return len(self.vectors)

    def prepare(self, matrix: np.ndarray) -> np.ndarray:
        """Float32 vectors ``[N, D]`` as the index compares them (see :meth:`Distance.prepare`)."""
        return np.ascontiguousarray(self.distance.prepare(torch.from_numpy(matrix)).numpy(), dtype=np.float32)

    def add(self, vectors: np.ndarray) -> None:
        """Append prepared vectors ``[K, D]`` (positions ``N … N + K − 1``)."""
        self.vectors = np.concatenate([self.vectors, vectors])
        self._sq_norms = None
        if self._approximate is not None and self.kind == "hnsw":
            self._approximate.add(vectors)
        else:
            self._approximate = None

    def remove(self, position: int) -> None:
        """Drop the vector at ``position``; later positions move down by one."""
        self.vectors = np.delete(self.vectors, position, axis=0)
        self._sq_norms = None
        self._approximate = None

    @property
    def is_exact(self) -> bool:
        """Whether searches scan every vector (flat, or IVF smaller than ``nlist``)."""
        return self.kind == "flat" or (self.kind == "ivf" and len(self) < self.nlist)

    def build(self) -> None:
        """Build what searching needs now (it is otherwise built at the first search after a change)."""
        if self.is_exact:
            if self.distance.faiss_metric == "l2" and self._sq_norms is None:
                self._sq_norms = torch.from_numpy(self.vectors).pow(2).sum(1)
        elif self._approximate is None:
            self._approximate = self._new_approximate()
            if len(self):
                self._approximate.add(self.vectors)

    def search(self, queries: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        """Index scores ``[Q, k]`` (nearest first) and positions ``[Q, k]`` of prepared ``queries`` ``[Q, D]``;
        ``1 ≤ k ≤ N``. An approximate index may find fewer: missing positions are −1."""
        self.build()
        if not self.is_exact:
            scores, positions = self._approximate.search(queries, k)
            return np.asarray(scores), np.asarray(positions)
        scores, positions = exact_search(
            torch.from_numpy(self.vectors), torch.from_numpy(queries), k, self.distance.faiss_metric,
            gallery_sq_norms=self._sq_norms,
        )
        return scores.numpy(), positions.numpy()

    def search_rows(self, query: np.ndarray, rows: list[int]) -> tuple[float, int]:
        """The exact index score of the stored vector among ``rows`` nearest to one prepared ``query`` ``[D]``,
        and its position."""
        scores, best = exact_search(
            torch.from_numpy(self.vectors[rows]), torch.from_numpy(query[None]), 1, self.distance.faiss_metric
        )
        return float(scores[0, 0]), rows[int(best[0, 0])]

    def to_faiss(self) -> Any:
        """A FAISS index holding every vector, to write to disk: the approximate index, or a flat one."""
        if self.is_exact:
            flat = faiss_flat_index(self.distance.faiss_metric, self.dim)
            flat.add(self.vectors)
            return flat
        self.build()
        return self._approximate

    def load_faiss(self, index: Any) -> None:
        """Take the vectors of a FAISS index read from disk (replacing any held), keeping a built approximate index."""
        self.vectors = _reconstruct(index)
        self._sq_norms = None
        self._approximate = None if self.is_exact or not len(self) else index

    def _new_approximate(self) -> Any:
        import faiss

        metric = faiss.METRIC_L2 if self.distance.faiss_metric == "l2" else faiss.METRIC_INNER_PRODUCT
        if self.kind == "hnsw":
            return faiss.IndexHNSWFlat(self.dim, self.hnsw_m, metric)
        index = faiss.IndexIVFFlat(faiss_flat_index(self.distance.faiss_metric, self.dim), self.dim, self.nlist, metric)
        index.train(self.vectors)  # IVF learns its cells from the vectors it holds
        index.nprobe = self.nprobe
        return index


def _reconstruct(index: Any) -> np.ndarray:
    """All vectors stored in a FAISS index, ``[N, D]``.

    ``np.asarray`` because ``faiss.contrib.torch_utils`` (imported by pytorch-metric-learning)
    patches FAISS to return torch tensors from calls without an array argument.
    """
    import faiss

    if index.ntotal == 0:
        return np.zeros((0, index.d), dtype=np.float32)
    if isinstance(index, faiss.IndexIVF):
        index.make_direct_map()
    return np.asarray(index.reconstruct_n(0, index.ntotal), dtype=np.float32)
