"""What a gallery item is, and the checks an item passes before it is enrolled.

An item has a unique non-empty ``id``, a non-empty ``label`` (who or what it shows), JSON-able ``metadata``
and one finite embedding ``[D]``, made by the model whose :func:`model_hash` the gallery records.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Container
from dataclasses import dataclass, field
from typing import Any, Sequence

import numpy as np
import torch
from torch import nn

from siamkit.core.errors import DataError
from siamkit.core.registry import spec_of


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


def as_matrix(embeddings: Any, dim: int) -> np.ndarray:
    """Embeddings ``[D]`` or ``[N, D]`` (tensor, array or list) as a C-contiguous float32 ``[N, D]``;
    :class:`GalleryError` for another width or non-finite values."""
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


def check_items(
    ids: Sequence[str],
    labels: Sequence[str],
    metadata: Sequence[dict[str, Any]],
    num_embeddings: int,
    enrolled: Container[str],
) -> None:
    """Raise :class:`GalleryError` unless ``ids``, ``labels``, ``metadata`` and the ``num_embeddings``
    embeddings describe one valid item each, and :class:`DuplicateItem` if an id repeats within the batch
    or is already ``enrolled``. Linear in the number of items."""
    if not (len(ids) == len(labels) == num_embeddings == len(metadata)):
        raise GalleryError(
            f"got {len(ids)} ids, {len(labels)} labels, {num_embeddings} embeddings and {len(metadata)} "
            "metadata entries; give one of each per item"
        )
    seen: set[str] = set()
    duplicates: set[str] = set()
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
        if item_id in seen or item_id in enrolled:
            duplicates.add(item_id)
        seen.add(item_id)
    if duplicates:
        raise DuplicateItem(
            f"item id(s) already enrolled: {', '.join(sorted(duplicates))}; delete them first or use new ids"
        )
