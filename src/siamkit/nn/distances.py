"""Distances between embeddings, one small object per kind (in the manner of pytorch-metric-learning's
``distances``): the one place that knows what ``"euclidean"``, ``"squared_euclidean"`` and ``"cosine"`` mean.

Every distance here grows as embeddings differ (``is_inverted = False``: larger = farther, as
pytorch-metric-learning's ``LpDistance``). Each one computes

- :meth:`Distance.paired` — row-aligned pairs ``[B, D], [B, D]`` → ``[B]`` (what a pair head scores);
- :meth:`Distance.pairwise` — every row against every row ``[N, D], [M, D]`` → ``[N, M]`` (mining, retrieval);

and says how a vector index holds it: :attr:`Distance.faiss_metric` is ``"l2"`` (the index stores squared
Euclidean distances) or ``"ip"`` (inner products of the embeddings after :meth:`Distance.prepare`, which
L2-normalises them when :attr:`Distance.normalize_embeddings`); :meth:`Distance.from_index_scores` turns
the index's scores back into this distance.

Example:
    >>> d = get_distance("cosine")
    >>> d.paired(torch.tensor([[1.0, 0.0]]), torch.tensor([[0.0, 2.0]]))
    tensor([1.])
"""

from __future__ import annotations

from typing import ClassVar, TypeVar

import torch
import torch.nn.functional as F

from siamkit.core.errors import check_choice

__all__ = [
    "DISTANCES", "FAISS_METRICS", "CosineDistance", "Distance", "EuclideanDistance", "SquaredEuclideanDistance",
    "get_distance",
]

# What a vector index stores: "l2" squared Euclidean distances (smaller = nearer), "ip" inner products
# (larger = nearer); FAISS's names, used by siamkit.evaluation.search and the gallery.
FAISS_METRICS = ("l2", "ip")

Scores = TypeVar("Scores")  # a torch.Tensor or a numpy array: from_index_scores keeps the type


class Distance:
    """A distance between embeddings; subclasses set :attr:`name` and compute :meth:`paired` / :meth:`pairwise`.

    Distances are stateless: two instances of one class are equal.
    """

    name: ClassVar[str]
    is_inverted: ClassVar[bool] = False  # larger = farther (a similarity would be inverted)
    normalize_embeddings: ClassVar[bool] = False
    faiss_metric: ClassVar[str] = "l2"

    def paired(self, a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
        """Distances ``[B]`` between the rows ``a[i]`` and ``b[i]`` of ``a, b`` ``[B, D]``."""
        raise NotImplementedError

    def pairwise(self, x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        """Distances ``[N, M]`` between every row of ``x`` ``[N, D]`` and every row of ``y`` ``[M, D]``."""
        raise NotImplementedError

    def prepare(self, x: torch.Tensor) -> torch.Tensor:
        """Embeddings ``[N, D]`` as a vector index stores them: unit rows if :attr:`normalize_embeddings`."""
        return F.normalize(x, dim=1) if self.normalize_embeddings else x

    def from_index_scores(self, scores: Scores) -> Scores:
        """This distance from an index's scores (tensor or array): squared L2 for ``"l2"``, inner
        products of prepared embeddings for ``"ip"``."""
        raise NotImplementedError

    def __eq__(self, other: object) -> bool:
        return type(self) is type(other)

    def __hash__(self) -> int:
        return hash(type(self))

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"


class EuclideanDistance(Distance):
    """``‖a − b‖``. Paired distances keep an epsilon (``1e-12``) under the square root, so the gradient
    stays finite where ``a == b``."""

    name = "euclidean"

    def paired(self, a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
        return (a - b).pow(2).sum(dim=1).clamp_min(1e-12).sqrt()

    def pairwise(self, x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        return torch.cdist(x, y)

    def from_index_scores(self, scores: Scores) -> Scores:
        return scores.clip(min=0) ** 0.5


class SquaredEuclideanDistance(Distance):
    """``‖a − b‖²`` (FaceNet's triplet distance); ranks like :class:`EuclideanDistance`."""

    name = "squared_euclidean"

    def paired(self, a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
        return (a - b).pow(2).sum(dim=1)

    def pairwise(self, x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        return torch.cdist(x, y).pow(2)

    def from_index_scores(self, scores: Scores) -> Scores:
        return scores.clip(min=0)


class CosineDistance(Distance):
    """``1 − cos(a, b)``, in [0, 2]: 0 for one direction, 2 for opposite ones; the length of a vector is ignored."""

    name = "cosine"
    normalize_embeddings = True
    faiss_metric = "ip"

    def paired(self, a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
        return 1.0 - F.cosine_similarity(a, b, dim=1)

    def pairwise(self, x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        return 1.0 - self.prepare(x) @ self.prepare(y).T

    def from_index_scores(self, scores: Scores) -> Scores:
        return 1.0 - scores


DISTANCES: dict[str, type[Distance]] = {
    cls.name: cls for cls in (EuclideanDistance, SquaredEuclideanDistance, CosineDistance)
}


def get_distance(distance: str | Distance, what: str = "distance metric") -> Distance:
    """The :class:`Distance` named ``distance`` (a key of :data:`DISTANCES`), or ``distance`` itself if it
    is one already; :class:`~siamkit.core.errors.ConfigError` listing the names otherwise (``what`` names
    the setting in that message)."""
    if isinstance(distance, Distance):
        return distance
    return DISTANCES[check_choice(distance, DISTANCES, what)]()
