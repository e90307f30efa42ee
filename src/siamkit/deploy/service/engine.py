"""What the service and the ``enroll`` / ``search`` commands do, without HTTP: a checkpoint plus its
gallery, safe to share between threads.

Model inference needs no lock (the model is in eval mode and read-only). Gallery reads (search) take
a shared lock and run side by side; gallery writes (enrol, delete) take the exclusive lock, change the
gallery, save it atomically and rebuild its index before readers see it again.
"""

from __future__ import annotations

import threading
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator

import numpy as np
import torch

from siamkit.deploy.checkpoint import Checkpoint, load_checkpoint
from siamkit.deploy.gallery.gallery import Gallery
from siamkit.deploy.gallery.items import model_hash
from siamkit.deploy.service.inputs import ImageSource, model_inputs
from siamkit.deploy.verify import decide, verify_inputs
from siamkit.nn.heads import DistanceHead
from siamkit.nn.interfaces import EmbeddingPairModel

Source = ImageSource | str  # an image (path or bytes) for an image model, a text for a text model

ENROL_CHUNK = 256  # images decoded at once while enrolling many


class ReadWriteLock:
    """Many readers or one writer. Writers wait for running readers; new readers wait for a waiting writer."""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._readers = 0
        self._writing = False
        self._writers_waiting = 0

    @contextmanager
    def read(self) -> Iterator[None]:
        with self._cond:
            while self._writing or self._writers_waiting:
                self._cond.wait()
            self._readers += 1
        try:
            yield
        finally:
            with self._cond:
                self._readers -= 1
                self._cond.notify_all()

    @contextmanager
    def write(self) -> Iterator[None]:
        with self._cond:
            self._writers_waiting += 1
            while self._writing or self._readers:
                self._cond.wait()
            self._writers_waiting -= 1
            self._writing = True
        try:
            yield
        finally:
            with self._cond:
                self._writing = False
                self._cond.notify_all()


def default_metric(checkpoint: Checkpoint) -> str:
    """Gallery metric matching the model's head: its distance's index metric (``"ip"`` for cosine), else ``"l2"``."""
    model = checkpoint.model
    head = model.head if isinstance(model, EmbeddingPairModel) else None
    return head.distance.faiss_metric if isinstance(head, DistanceHead) else "l2"


class Engine:
    """A calibrated checkpoint and the gallery stored in ``gallery_dir`` (created if absent).

    An image model takes images (paths or encoded bytes); a shared-encoder text model takes texts
    (:mod:`~siamkit.deploy.service.inputs`) wherever a method says ``image``.

    Args:
        checkpoint: a loaded :class:`~siamkit.deploy.checkpoint.Checkpoint` with threshold (and input shape).
        gallery_dir: the gallery's folder; a new gallery uses ``metric`` (default: from the head)
            and ``index``.
        onnx: embed with onnxruntime from this file (``siamkit export``) instead of PyTorch; it must embed
            like the checkpoint (checked on start). The pair head stays in PyTorch.
    """

    def __init__(
        self,
        checkpoint: Checkpoint,
        gallery_dir: str | Path,
        metric: str | None = None,
        index: str = "flat",
        onnx: str | Path | None = None,
    ) -> None:
        self.checkpoint = checkpoint
        self.inputs = model_inputs(checkpoint)
        self.model_hash = model_hash(checkpoint.model)
        self.onnx = None
        if onnx is not None:
            from siamkit.deploy.onnx_embed import OnnxEmbedder

            self.onnx = OnnxEmbedder(onnx, getattr(getattr(self.inputs, "tokenizer", None), "pad_id", None))
            self.onnx.check_matches(checkpoint.model, self.inputs.probe())
        self.embedding_dim = int(self._embed(self.inputs.probe()).shape[1])
        self.gallery_dir = Path(gallery_dir)
        if Gallery.exists(self.gallery_dir):
            self.gallery = Gallery.open(self.gallery_dir, self.embedding_dim, self.model_hash)
        else:
            self.gallery = Gallery(self.embedding_dim, self.model_hash, metric or default_metric(checkpoint), index)
        self.gallery.build_index()
        self._lock = ReadWriteLock()

    @classmethod
    def from_paths(cls, checkpoint_path: str | Path, gallery_dir: str | Path, **kwargs: Any) -> "Engine":
        return cls(load_checkpoint(checkpoint_path), gallery_dir, **kwargs)

    # ----------------------------------------------------------------- model only
    @property
    def input_kind(self) -> str:
        """``"image"`` or ``"text"``: what the model reads."""
        return self.inputs.kind

    @property
    def input_shape(self) -> list[int]:
        return self.inputs.shape

    def load(self, image: Source, resize: bool = False) -> torch.Tensor:
        """An image file or upload as a model input ``[1, C, H, W]`` (a text model: a text as token ids ``[1, L]``)."""
        return self.inputs.one(image, resize)

    @torch.no_grad()
    def _embed(self, x: torch.Tensor) -> torch.Tensor:
        return self.checkpoint.model.embed(x) if self.onnx is None else self.onnx(x)

    def embed(self, image: Source, resize: bool = False) -> np.ndarray:
        """The embedding ``[D]`` of one image (or text)."""
        return self._embed(self.load(image, resize))[0].numpy()

    def verify(self, image1: Source, image2: Source, resize: bool = False) -> dict[str, Any]:
        """Score two images (or texts) and decide at the calibrated threshold (see :func:`siamkit.deploy.verify.decide`)."""
        x1, x2 = self.inputs.pair(image1, image2, resize)
        if self.onnx is None:
            return verify_inputs(self.checkpoint, x1, x2)
        with torch.no_grad():
            return decide(self.checkpoint, float(self.checkpoint.model.head(self._embed(x1), self._embed(x2))[0]))

    # ----------------------------------------------------------------- gallery
    def count(self) -> int:
        with self._lock.read():
            return self.gallery.count()

    def enroll(
        self, item_id: str, label: str, image: Source, metadata: dict[str, Any] | None = None,
        resize: bool = False,
    ) -> int:
        """Enrol one image (or text) under ``item_id`` / ``label`` and save the gallery; returns the item count."""
        embedding = self.embed(image, resize)
        with self._lock.write():
            self.gallery.add(item_id, label, embedding, metadata)
            self._save_or_undo(lambda: self.gallery.remove(item_id))
            return self.gallery.count()

    def enroll_many(
        self, ids: list[str], labels: list[str], images: list[Source], resize: bool = False
    ) -> int:
        """Enrol several images (or texts) and save once; returns the item count. Images are decoded and
        embedded :data:`ENROL_CHUNK` at a time, so a large folder never sits decoded in memory whole."""
        if not images:
            return self.gallery.count()
        with torch.no_grad():
            embeddings = torch.cat([
                self._embed(self.inputs.many(images[start : start + ENROL_CHUNK], resize))
                for start in range(0, len(images), ENROL_CHUNK)
            ])
        with self._lock.write():
            self.gallery.add_many(ids, labels, embeddings)

            def undo() -> None:
                for item_id in ids:
                    self.gallery.remove(item_id)

            self._save_or_undo(undo)
            return self.gallery.count()

    def delete(self, item_id: str) -> int:
        """Delete one item and save the gallery; returns the item count."""
        with self._lock.write():
            match = self.gallery.get(item_id)
            vector = self.gallery.vectors_of([item_id])
            self.gallery.remove(item_id)
            self._save_or_undo(lambda: self.gallery.add(match.id, match.label, vector, match.metadata))
            return self.gallery.count()

    def search(self, image: Source, k: int = 5, resize: bool = False) -> list[dict[str, Any]]:
        """The ``k`` enrolled items nearest to ``image`` (or a text), best first.

        Each match has ``id``, ``label``, ``metadata`` and the model's pair ``score`` with its
        ``same`` decision at the calibrated threshold (as ``verify`` would give for the two images).
        """
        query = self._embed(self.load(image, resize))
        with self._lock.read():
            matches = self.gallery.search(query[0].numpy(), k)
            stored = torch.from_numpy(self.gallery.vectors_of([m.id for m in matches]))
        if not matches:
            return []
        with torch.no_grad():
            scores = self.checkpoint.model.head(query.expand(len(matches), -1), stored)
        results = []
        for match, score in zip(matches, scores):
            decision = decide(self.checkpoint, float(score))
            results.append(
                {"id": match.id, "label": match.label, "metadata": match.metadata,
                 "score": decision["score"], "same": decision["same"]}
            )
        return results

    def health(self) -> dict[str, Any]:
        """What the service runs: model hash, input kind and shape, runtime, score kind, threshold and gallery size."""
        return {
            "status": "ok",
            "model_hash": self.model_hash,
            "input_kind": self.input_kind,
            "input_shape": self.input_shape,
            "runtime": "torch" if self.onnx is None else "onnxruntime",
            "embedding_dim": self.embedding_dim,
            "score_kind": self.checkpoint.score_kind,
            "threshold": self.checkpoint.threshold,
            "items": self.count(),
            "gallery_metric": self.gallery.metric,
        }

    def _save_or_undo(self, undo: Any) -> None:
        """Save the gallery (under the write lock); if saving fails, undo the in-memory change."""
        try:
            self.gallery.save(self.gallery_dir)
        except BaseException:
            undo()
            self.gallery.build_index()
            raise
        self.gallery.build_index()

