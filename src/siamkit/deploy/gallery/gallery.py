"""A gallery of enrolled embeddings: enrol, search top-k, verify against a label, delete; saved atomically.

Each item has a unique ``id``, a ``label``, optional JSON-able ``metadata`` and an embedding ``[D]``
computed by one model (:mod:`~siamkit.deploy.gallery.items`). Search is exact by default;
``index="ivf"`` or ``"hnsw"`` picks an approximate index (:mod:`~siamkit.deploy.gallery.index`).

Scores: metric ``"l2"`` searches by :class:`~siamkit.nn.distances.EuclideanDistance` and returns
Euclidean distances (``score_kind == "distance"``, smaller = alike); metric ``"ip"`` searches by
:class:`~siamkit.nn.distances.CosineDistance` (L2-normalised embeddings) and returns cosine similarities
(``"similarity"``, larger = alike). The names are FAISS's and are what a saved gallery stores.

:meth:`Gallery.save` writes a new version of the gallery's folder atomically
(:mod:`siamkit.deploy.gallery.store`; the service serialises its writes with a lock). A gallery
remembers the embedding size and a hash of the model that made it; opening it for another model fails
with a clear error.

Example:
    >>> g = Gallery(dim=2, model_hash="demo")
    >>> g.add("a", "alice", [0.0, 1.0]); g.add("b", "bob", [3.0, 4.0])
    >>> [m.id for m in g.search([0.0, 0.9], k=1)]
    ['a']
"""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any, Sequence

import numpy as np

import siamkit.deploy.gallery.store as store
from siamkit.core.errors import ConfigError, check_choice
from siamkit.deploy.gallery.index import VectorIndex
from siamkit.deploy.gallery.items import GalleryError, ItemNotFound, Match, as_matrix, check_items
from siamkit.nn.distances import CosineDistance, Distance, EuclideanDistance

# Gallery metric → what it reports; the distance it searches by is GALLERY_DISTANCES[metric].
METRICS = {"l2": "distance", "ip": "similarity"}
GALLERY_DISTANCES: dict[str, type[Distance]] = {"l2": EuclideanDistance, "ip": CosineDistance}


class Gallery:
    """Enrolled items and an index over their embeddings ``[N, D]``.

    Args:
        dim: embedding size ``D``.
        model_hash: :func:`~siamkit.deploy.gallery.items.model_hash` of the model that computes the embeddings.
        metric: ``"l2"`` (Euclidean distance) or ``"ip"`` (cosine similarity of normalised embeddings).
        index: ``"flat"`` (exact), ``"ivf"`` (inverted lists, ``nlist`` cells, ``nprobe`` searched) or
            ``"hnsw"`` (graph, ``hnsw_m`` links per node). Approximate indexes are built from all
            embeddings at the first search after a change (or by :meth:`build_index`); an IVF gallery
            with fewer than ``nlist`` items is searched exactly.
    """

    def __init__(
        self,
        dim: int,
        model_hash: str,
        metric: str = "l2",
        index: str = "flat",
        nlist: int = 64,
        nprobe: int = 8,
        hnsw_m: int = 32,
    ) -> None:
        check_choice(metric, METRICS, "gallery metric")
        if dim < 1:
            raise ConfigError(f"embedding size must be positive, got {dim}")
        self._index = VectorIndex(GALLERY_DISTANCES[metric](), int(dim), index, int(nlist), int(nprobe), int(hnsw_m))
        self.settings = {
            "dim": int(dim), "model_hash": model_hash, "metric": metric, "index": index,
            "nlist": int(nlist), "nprobe": int(nprobe), "hnsw_m": int(hnsw_m),
        }
        self._ids: list[str] = []
        self._labels: list[str] = []
        self._metadata: list[dict[str, Any]] = []
        self._positions: dict[str, int] = {}

    # ----------------------------------------------------------------- properties
    @property
    def dim(self) -> int:
        return self.settings["dim"]

    @property
    def model_hash(self) -> str:
        return self.settings["model_hash"]

    @property
    def metric(self) -> str:
        return self.settings["metric"]

    @property
    def distance(self) -> Distance:
        """The :class:`~siamkit.nn.distances.Distance` searches rank by."""
        return self._index.distance

    @property
    def score_kind(self) -> str:
        """``"distance"`` for metric l2, ``"similarity"`` for ip."""
        return METRICS[self.metric]

    def __len__(self) -> int:
        return len(self._ids)

    def count(self) -> int:
        """Number of enrolled items."""
        return len(self)

    def __contains__(self, item_id: object) -> bool:
        return item_id in self._positions

    def ids(self) -> list[str]:
        """Item ids in enrolment order."""
        return list(self._ids)

    def labels(self) -> list[str]:
        """Distinct labels, sorted."""
        return sorted(set(self._labels))

    def get(self, item_id: str) -> Match:
        """The item ``item_id`` (score 0.0), or :class:`ItemNotFound`."""
        pos = self._position(item_id)
        return Match(self._ids[pos], self._labels[pos], 0.0, dict(self._metadata[pos]))

    def vectors_of(self, ids: Sequence[str]) -> np.ndarray:
        """Stored embeddings ``[K, D]`` of the items ``ids`` (normalised for metric ip)."""
        return self._index.vectors[[self._position(item_id) for item_id in ids]]

    def embeddings(self, label: str | None = None) -> np.ndarray:
        """Stored embeddings ``[N, D]`` (normalised for metric ip), optionally of one label only."""
        if label is None:
            return self._index.vectors.copy()
        return self._index.vectors[[i for i, lab in enumerate(self._labels) if lab == label]]

    # ----------------------------------------------------------------- changes
    def add(self, item_id: str, label: str, embedding: Any, metadata: dict[str, Any] | None = None) -> None:
        """Enrol one item with its embedding ``[D]``; :class:`DuplicateItem` if ``item_id`` is taken."""
        self.add_many([item_id], [label], embedding, [metadata or {}])

    def add_many(
        self,
        ids: Sequence[str],
        labels: Sequence[str],
        embeddings: Any,
        metadata: Sequence[dict[str, Any]] | None = None,
    ) -> None:
        """Enrol ``N`` items at once: ``ids`` and ``labels`` of length ``N``, ``embeddings`` ``[N, D]``.

        Nothing is enrolled if any item is invalid or any id is taken (:class:`DuplicateItem`, also for
        an id given twice). Time is linear in ``N``.
        """
        vectors = self._index.prepare(as_matrix(embeddings, self.dim))
        metadata = list(metadata) if metadata is not None else [{} for _ in ids]
        check_items(ids, labels, metadata, len(vectors), self._positions)
        start = len(self._ids)
        self._index.add(vectors)
        self._ids.extend(ids)
        self._labels.extend(labels)
        self._metadata.extend(dict(meta) for meta in metadata)
        self._positions.update((item_id, start + offset) for offset, item_id in enumerate(ids))

    def remove(self, item_id: str) -> None:
        """Delete item ``item_id``; :class:`ItemNotFound` if there is none."""
        pos = self._position(item_id)
        self._index.remove(pos)
        for column in (self._ids, self._labels, self._metadata):
            del column[pos]
        self._positions = {item: i for i, item in enumerate(self._ids)}

    # ----------------------------------------------------------------- queries
    def search(self, embedding: Any, k: int = 5) -> list[Match]:
        """The ``k`` items nearest to one query embedding ``[D]``, best first."""
        return self.search_many(embedding, k)[0]

    def search_many(self, embeddings: Any, k: int = 5) -> list[list[Match]]:
        """Top-``k`` matches for each of ``Q`` query embeddings ``[Q, D]``."""
        if k < 1:
            raise GalleryError(f"k must be at least 1, got {k}")
        queries = self._index.prepare(as_matrix(embeddings, self.dim))
        if not self._ids:
            return [[] for _ in queries]
        raw, positions = self._index.search(queries, min(k, len(self._ids)))
        scores = self._scores(raw)
        return [
            [
                Match(self._ids[p], self._labels[p], float(s), dict(self._metadata[p]))
                for s, p in zip(row_scores, row_positions)
                if p >= 0
            ]
            for row_scores, row_positions in zip(scores, positions)
        ]

    def verify(self, embedding: Any, label: str, threshold: float) -> dict[str, Any]:
        """Is the query ``[D]`` the same as ``label``? Compares with the label's best-matching item (exact).

        ``threshold`` is in the gallery's score units; returns ``same``, ``score`` (best score of the
        label's items), ``best_id`` and ``rule``.
        """
        if label not in self._labels:
            raise ItemNotFound(f"no item with label '{label}' is enrolled; known labels: {', '.join(self.labels())}")
        query = self._index.prepare(as_matrix(embedding, self.dim))[0]
        raw, best = self._index.search_rows(query, [i for i, lab in enumerate(self._labels) if lab == label])
        score = float(self._scores(np.float32(raw)))
        is_distance = self.score_kind == "distance"
        return {
            "same": bool(score <= threshold if is_distance else score >= threshold),
            "score": score,
            "score_kind": self.score_kind,
            "best_id": self._ids[best],
            "threshold": float(threshold),
            "rule": f"{self.score_kind} {'<=' if is_distance else '>='} threshold",
        }

    def build_index(self) -> None:
        """Build the search index now (it is otherwise built at the first search after a change)."""
        self._index.build()

    # ----------------------------------------------------------------- persistence
    def save(self, directory: str | Path) -> None:
        """Write the gallery to ``directory`` atomically (see :mod:`siamkit.deploy.gallery.store`)."""
        import faiss

        def write_files(folder: Path) -> None:
            faiss.write_index(self._index.to_faiss(), str(folder / store.INDEX_FILE))
            self._write_items(folder / store.ITEMS_FILE)

        store.write_version(Path(directory), write_files)

    @staticmethod
    def exists(directory: str | Path) -> bool:
        """Whether ``directory`` holds a saved gallery."""
        return store.exists(directory)

    @classmethod
    def open(cls, directory: str | Path, dim: int | None = None, model_hash: str | None = None) -> "Gallery":
        """Load the gallery saved in ``directory``.

        ``dim`` and ``model_hash``, when given, must match the gallery's: a gallery made with another
        model raises :class:`GalleryError`.
        """
        import faiss

        directory = Path(directory)
        folder = store.current_version(directory)
        try:
            settings, rows = store.read_items(folder / store.ITEMS_FILE)
            index = faiss.read_index(str(folder / store.INDEX_FILE))
        except (sqlite3.Error, RuntimeError, KeyError, ValueError) as exc:
            raise GalleryError(f"the gallery in {directory} is corrupt ({exc}); restore it from a copy") from None
        if dim is not None and settings["dim"] != dim:
            raise GalleryError(
                f"the gallery in {directory} holds {settings['dim']}-dimensional embeddings but the model makes "
                f"{dim}-dimensional ones; open it with the model that built it or enrol into a new gallery"
            )
        if model_hash is not None and settings["model_hash"] != model_hash:
            raise GalleryError(
                f"the gallery in {directory} was built with model {settings['model_hash']}, not with this model "
                f"({model_hash}); its embeddings are not comparable: use the same checkpoint or a new gallery"
            )
        if index.ntotal != len(rows):
            raise GalleryError(f"the gallery in {directory} is corrupt (index and items disagree); restore it from a copy")
        gallery = cls(**settings)
        gallery._ids = [r[0] for r in rows]
        gallery._labels = [r[1] for r in rows]
        gallery._metadata = [r[2] for r in rows]
        gallery._positions = {item: i for i, item in enumerate(gallery._ids)}
        gallery._index.load_faiss(index)
        return gallery

    # ----------------------------------------------------------------- internals
    def _position(self, item_id: str) -> int:
        try:
            return self._positions[item_id]
        except KeyError:
            raise ItemNotFound(f"no item with id '{item_id}' in the gallery") from None

    def _scores(self, raw: np.ndarray) -> np.ndarray:
        """Index scores in the gallery's units: Euclidean distances (l2), or the inner products of unit
        vectors themselves, cosine similarities (ip)."""
        return self.distance.from_index_scores(raw) if self.score_kind == "distance" else raw

    def _write_items(self, path: Path) -> None:
        store.write_items(path, self.settings, self._ids, self._labels, self._metadata)
