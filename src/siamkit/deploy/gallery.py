"""A gallery of enrolled embeddings: enrol, search top-k, verify against a label, delete; saved atomically.

Each item has a unique ``id``, a ``label`` (who or what it shows), optional JSON-able ``metadata`` and
an embedding ``[D]`` computed by one model. Search is exact by default (FAISS ``IndexFlatL2`` /
``IndexFlatIP``); ``index="ivf"`` or ``"hnsw"`` picks an approximate index for large galleries.

Scores: metric ``"l2"`` returns Euclidean distances (``score_kind == "distance"``, smaller = alike);
metric ``"ip"`` L2-normalises the embeddings and returns cosine similarities (``"similarity"``,
larger = alike).

On disk a gallery is a directory::

    DIR/CURRENT             name of the live version (replaced atomically)
    DIR/v-<hex>/index.faiss the FAISS index (its vectors are the embeddings)
    DIR/v-<hex>/items.sqlite ids, labels, metadata (row order = index order) and the gallery's settings

:meth:`Gallery.save` writes a complete new version folder, then replaces ``CURRENT`` (temp file +
rename), then removes old versions: a crash at any moment leaves a gallery that opens with either
the old or the new content (one writing process per directory at a time; the service serialises its
writes with a lock). A gallery remembers the embedding size and a hash of the model that
made it; opening it for another model fails with a clear error.

Example:
    >>> g = Gallery(dim=2, model_hash="demo")
    >>> g.add("a", "alice", [0.0, 1.0]); g.add("b", "bob", [3.0, 4.0])
    >>> [m.id for m in g.search([0.0, 0.9], k=1)]
    ['a']
"""

from __future__ import annotations

import hashlib
import json
import os
import secrets
import shutil
import sqlite3
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Sequence

import numpy as np
import torch
from torch import nn

from siamkit.core.errors import ConfigError, DataError, check_choice
from siamkit.core.fileio import atomic_path
from siamkit.core.registry import spec_of

METRICS = {"l2": "distance", "ip": "similarity"}
INDEX_KINDS = ("flat", "ivf", "hnsw")
FORMAT = "siamkit-gallery/1"
_CURRENT = "CURRENT"


class GalleryError(DataError):
    """A gallery is missing, corrupt, or does not fit the model or request."""


class ItemNotFound(GalleryError):
    """No item with the requested id."""


class DuplicateItem(GalleryError):
    """An item with that id is already enrolled."""


@dataclass
class Match:
    """One search result: the item and its ``score`` (units: the gallery's ``score_kind``)."""

    id: str
    label: str
    score: float
    metadata: dict[str, Any] = field(default_factory=dict)


def model_hash(model: nn.Module) -> str:
    """A short SHA-256 of a model's spec and weights: equal hashes mean equal embeddings."""
    digest = hashlib.sha256(json.dumps(spec_of(model), sort_keys=True).encode())
    for name, tensor in sorted(model.state_dict().items()):
        digest.update(name.encode())
        digest.update(tensor.detach().cpu().contiguous().numpy().tobytes())
    return digest.hexdigest()[:16]


def _as_matrix(embeddings: Any, dim: int) -> np.ndarray:
    """Embeddings ``[D]`` or ``[N, D]`` (tensor, array or list) as a C-contiguous float32 ``[N, D]``."""
    if isinstance(embeddings, torch.Tensor):
        embeddings = embeddings.detach().cpu().numpy()
    matrix = np.ascontiguousarray(np.asarray(embeddings, dtype=np.float32))
    if matrix.ndim == 1:
        matrix = matrix[None, :]
    if matrix.ndim != 2 or matrix.shape[1] != dim:
        raise GalleryError(f"embeddings must have shape [N, {dim}] or [{dim}], got {list(matrix.shape)}")
    if not np.isfinite(matrix).all():
        raise GalleryError("embeddings contain NaN or infinite values; check the model and its input")
    return matrix


class Gallery:
    """Enrolled items and a FAISS index over their embeddings ``[N, D]``.

    Args:
        dim: embedding size ``D``.
        model_hash: :func:`model_hash` of the model that computes the embeddings.
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
        check_choice(index, INDEX_KINDS, "gallery index")
        if dim < 1:
            raise ConfigError(f"embedding size must be positive, got {dim}")
        self.settings = {
            "dim": int(dim), "model_hash": model_hash, "metric": metric, "index": index,
            "nlist": int(nlist), "nprobe": int(nprobe), "hnsw_m": int(hnsw_m),
        }
        self._vectors = np.zeros((0, dim), dtype=np.float32)
        self._ids: list[str] = []
        self._labels: list[str] = []
        self._metadata: list[dict[str, Any]] = []
        self._positions: dict[str, int] = {}
        self._index: Any = None  # built lazily; None = stale

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
        return self._vectors[[self._position(item_id) for item_id in ids]]

    def embeddings(self, label: str | None = None) -> np.ndarray:
        """Stored embeddings ``[N, D]`` (normalised for metric ip), optionally of one label only."""
        if label is None:
            return self._vectors.copy()
        return self._vectors[[i for i, lab in enumerate(self._labels) if lab == label]]

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
        """Enrol ``N`` items at once: ``ids`` and ``labels`` of length ``N``, ``embeddings`` ``[N, D]``."""
        vectors = self._prepare(_as_matrix(embeddings, self.dim))
        metadata = list(metadata) if metadata is not None else [{} for _ in ids]
        if not (len(ids) == len(labels) == len(vectors) == len(metadata)):
            raise GalleryError(
                f"got {len(ids)} ids, {len(labels)} labels, {len(vectors)} embeddings and {len(metadata)} "
                "metadata entries; give one of each per item"
            )
        for item_id, label, meta in zip(ids, labels, metadata):
            if not isinstance(item_id, str) or not item_id:
                raise GalleryError(f"item ids must be non-empty strings, got {item_id!r}")
            if not isinstance(label, str) or not label:
                raise GalleryError(f"labels must be non-empty strings, got {label!r} for item '{item_id}'")
            if not isinstance(meta, dict):
                raise GalleryError(f"metadata of item '{item_id}' must be a JSON object (dict)")
            try:
                json.dumps(meta)
            except (TypeError, ValueError):
                raise GalleryError(f"metadata of item '{item_id}' is not JSON-serialisable") from None
        duplicates = sorted({i for i in ids if i in self._positions} | {i for i in ids if list(ids).count(i) > 1})
        if duplicates:
            raise DuplicateItem(f"item id(s) already enrolled: {', '.join(duplicates)}; delete them first or use new ids")
        start = len(self._ids)
        self._vectors = np.concatenate([self._vectors, vectors])
        for offset, (item_id, label, meta) in enumerate(zip(ids, labels, metadata)):
            self._ids.append(item_id)
            self._labels.append(label)
            self._metadata.append(dict(meta))
            self._positions[item_id] = start + offset
        if self._index is not None and self.settings["index"] != "ivf":
            self._index.add(vectors)
        else:
            self._index = None

    def remove(self, item_id: str) -> None:
        """Delete item ``item_id``; :class:`ItemNotFound` if there is none."""
        pos = self._position(item_id)
        self._vectors = np.delete(self._vectors, pos, axis=0)
        for column in (self._ids, self._labels, self._metadata):
            del column[pos]
        self._positions = {item: i for i, item in enumerate(self._ids)}
        self._index = None

    # ----------------------------------------------------------------- queries
    def search(self, embedding: Any, k: int = 5) -> list[Match]:
        """The ``k`` items nearest to one query embedding ``[D]``, best first."""
        return self.search_many(embedding, k)[0]

    def search_many(self, embeddings: Any, k: int = 5) -> list[list[Match]]:
        """Top-``k`` matches for each of ``Q`` query embeddings ``[Q, D]``."""
        if k < 1:
            raise GalleryError(f"k must be at least 1, got {k}")
        queries = self._prepare(_as_matrix(embeddings, self.dim))
        if not self._ids:
            return [[] for _ in queries]
        raw, positions = self._built_index().search(queries, min(k, len(self._ids)))
        scores = np.sqrt(np.maximum(raw, 0.0)) if self.metric == "l2" else raw
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
        query = self._prepare(_as_matrix(embedding, self.dim))[0]
        rows = [i for i, lab in enumerate(self._labels) if lab == label]
        candidates = self._vectors[rows]
        if self.metric == "l2":
            scores = np.sqrt(((candidates - query) ** 2).sum(axis=1))
            best = int(np.argmin(scores))
            same = scores[best] <= threshold
        else:
            scores = candidates @ query
            best = int(np.argmax(scores))
            same = scores[best] >= threshold
        return {
            "same": bool(same),
            "score": float(scores[best]),
            "score_kind": self.score_kind,
            "best_id": self._ids[rows[best]],
            "threshold": float(threshold),
            "rule": f"{self.score_kind} {'<=' if self.metric == 'l2' else '>='} threshold",
        }

    # ----------------------------------------------------------------- persistence
    def save(self, directory: str | Path) -> None:
        """Write the gallery to ``directory`` atomically (see the module docstring)."""
        import faiss

        directory = Path(directory)
        directory.mkdir(parents=True, exist_ok=True)
        version = f"v-{secrets.token_hex(8)}"
        staging = directory / f".{version}.tmp"
        staging.mkdir()
        try:
            faiss.write_index(self._built_index() if self._ids else self._new_index(), str(staging / "index.faiss"))
            self._write_items(staging / "items.sqlite")
            _fsync_tree(staging)
            os.replace(staging, directory / version)
            _fsync_dir(directory)
            with atomic_path(directory / _CURRENT) as tmp:
                with open(tmp, "w") as f:
                    f.write(version + "\n")
                    f.flush()
                    os.fsync(f.fileno())
            _fsync_dir(directory)
        finally:
            shutil.rmtree(staging, ignore_errors=True)
        for old in directory.iterdir():
            if old.is_dir() and old.name != version and (old.name.startswith("v-") or old.name.endswith(".tmp")):
                shutil.rmtree(old, ignore_errors=True)

    @staticmethod
    def exists(directory: str | Path) -> bool:
        """Whether ``directory`` holds a saved gallery."""
        return (Path(directory) / _CURRENT).is_file()

    @classmethod
    def open(
        cls, directory: str | Path, dim: int | None = None, model_hash: str | None = None
    ) -> "Gallery":
        """Load the gallery saved in ``directory``.

        ``dim`` and ``model_hash``, when given, must match the gallery's: a gallery made with another
        model raises :class:`GalleryError`.
        """
        import faiss

        directory = Path(directory)
        pointer = directory / _CURRENT
        if not pointer.is_file():
            raise GalleryError(f"no gallery in {directory} (no {_CURRENT} file); enrol items to create one")
        folder = directory / pointer.read_text().strip()
        try:
            settings, rows = cls._read_items(folder / "items.sqlite")
            index = faiss.read_index(str(folder / "index.faiss"))
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
        gallery = cls(**settings)
        if index.ntotal != len(rows):
            raise GalleryError(f"the gallery in {directory} is corrupt (index and items disagree); restore it from a copy")
        gallery._vectors = _reconstruct(index)
        gallery._ids = [r[0] for r in rows]
        gallery._labels = [r[1] for r in rows]
        gallery._metadata = [json.loads(r[2]) for r in rows]
        gallery._positions = {item: i for i, item in enumerate(gallery._ids)}
        gallery._index = index if len(rows) else None
        return gallery

    # ----------------------------------------------------------------- internals
    def _position(self, item_id: str) -> int:
        try:
            return self._positions[item_id]
        except KeyError:
            raise ItemNotFound(f"no item with id '{item_id}' in the gallery") from None

    def _prepare(self, vectors: np.ndarray) -> np.ndarray:
        if self.metric == "ip":
            norms = np.linalg.norm(vectors, axis=1, keepdims=True)
            vectors = vectors / np.maximum(norms, 1e-12)
        return np.ascontiguousarray(vectors, dtype=np.float32)

    def _new_index(self) -> Any:
        import faiss

        s = self.settings
        faiss_metric = faiss.METRIC_L2 if s["metric"] == "l2" else faiss.METRIC_INNER_PRODUCT
        if s["index"] == "hnsw":
            return faiss.IndexHNSWFlat(s["dim"], s["hnsw_m"], faiss_metric)
        if s["index"] == "ivf" and len(self._ids) >= s["nlist"]:  # IVF trains on the items; smaller: exact
            quantizer = faiss.IndexFlatL2(s["dim"]) if s["metric"] == "l2" else faiss.IndexFlatIP(s["dim"])
            index = faiss.IndexIVFFlat(quantizer, s["dim"], s["nlist"], faiss_metric)
            index.train(self._vectors)
            index.nprobe = s["nprobe"]
            return index
        return faiss.IndexFlatL2(s["dim"]) if s["metric"] == "l2" else faiss.IndexFlatIP(s["dim"])

    def build_index(self) -> None:
        """Build the search index now (it is otherwise built at the first search after a change)."""
        self._built_index()

    def _built_index(self) -> Any:
        if self._index is None:
            index = self._new_index()
            index.add(self._vectors)
            self._index = index
        return self._index

    def _write_items(self, path: Path) -> None:
        with sqlite3.connect(path) as db:
            db.execute("CREATE TABLE settings (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
            db.execute(
                "CREATE TABLE items (position INTEGER PRIMARY KEY, id TEXT UNIQUE NOT NULL, "
                "label TEXT NOT NULL, metadata TEXT NOT NULL)"
            )
            db.executemany(
                "INSERT INTO settings VALUES (?, ?)",
                [("format", json.dumps(FORMAT))] + [(k, json.dumps(v)) for k, v in self.settings.items()],
            )
            db.executemany(
                "INSERT INTO items VALUES (?, ?, ?, ?)",
                [(i, item, lab, json.dumps(meta)) for i, (item, lab, meta) in enumerate(zip(self._ids, self._labels, self._metadata))],
            )
        db.close()

    @staticmethod
    def _read_items(path: Path) -> tuple[dict[str, Any], list[tuple[str, str, str]]]:
        if not path.is_file():
            raise ValueError(f"{path.name} is missing")
        db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            settings = {k: json.loads(v) for k, v in db.execute("SELECT key, value FROM settings")}
            rows = db.execute("SELECT id, label, metadata FROM items ORDER BY position").fetchall()
        finally:
            db.close()
        if settings.pop("format", None) != FORMAT:
            raise ValueError("not a siamkit gallery")
        return settings, rows


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


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _fsync_tree(folder: Path) -> None:
    for file in folder.iterdir():
        with open(file, "rb") as f:
            os.fsync(f.fileno())
    _fsync_dir(folder)

