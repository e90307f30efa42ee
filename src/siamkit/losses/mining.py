"""Online triplet mining over a batch of class-labelled embeddings, vectorized (no loop over anchors).

A *triplet* ``(a, p, n)`` indexes a batch: ``a`` and ``p`` share a class (``a ≠ p``), ``n`` is of
another class. With distances ``d`` (smaller = more alike) and the triplet's slack
``m_apn = d(a, n) − d(a, p)``, the strategies return exactly what pytorch-metric-learning returns
for the same batch, distance and margin (tested in ``tests/test_mining.py``):

==============  ============================================================  ==========================================
strategy        triplets                                                      pytorch-metric-learning equivalent
==============  ============================================================  ==========================================
``batch_all``   every valid triplet with ``m_apn ≤ margin`` (loss ≥ 0 there)  ``TripletMarginMiner(type_of_triplets="all")``
``batch_hard``  per anchor: farthest positive, closest negative (one each)    ``BatchHardMiner()``
``semi_hard``   every valid triplet with ``0 < m_apn ≤ margin``               ``TripletMarginMiner(type_of_triplets="semihard")``
==============  ============================================================  ==========================================

Triplets come in lexicographic ``(a, p, n)`` order (``batch_hard``: by anchor).
"""

from __future__ import annotations

import torch

from siamkit.core.errors import ConfigError, LabelError, check_choice
from siamkit.nn.distances import Distance, get_distance

STRATEGIES = ("batch_all", "batch_hard", "semi_hard")


def pairwise_distances(embeddings: torch.Tensor, metric: str | Distance = "euclidean") -> torch.Tensor:
    """All distances between the rows of ``embeddings`` ``[B, D]`` → ``[B, B]``.

    ``metric``: a :class:`~siamkit.nn.distances.Distance` or its name, ``"euclidean"`` (‖x−y‖),
    ``"squared_euclidean"`` (‖x−y‖²) or ``"cosine"`` (1 − cos, in [0, 2]), as in
    :class:`siamkit.nn.heads.DistanceHead`.
    """
    return get_distance(metric).pairwise(embeddings, embeddings)


def check_class_labels(labels: torch.Tensor, batch_size: int) -> None:
    """Raise :class:`LabelError` unless ``labels`` are ``batch_size`` non-negative integer class ids ``[B]``."""
    if labels.ndim != 1 or labels.shape[0] != batch_size:
        raise LabelError(
            f"class labels must have shape [{batch_size}] (one class id per embedding), got {tuple(labels.shape)}"
        )
    if labels.dtype.is_floating_point or labels.dtype == torch.bool:
        raise LabelError(
            f"class labels must be integer class ids, got {labels.dtype}; pair labels (1 = same, 0 = different) "
            "belong to pair losses such as contrastive, losses on class-labelled batches take P×K batches of "
            "class ids (siamkit.data.triplets.pk_loader)"
        )
    if batch_size and int(labels.min()) < 0:
        raise LabelError(
            "class labels must be class ids ≥ 0, found negative values; ±1 pair labels belong to pair "
            "losses (CosineEmbedding/Hinge), not to triplet mining"
        )


def same_and_positive(labels: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """``same[i, j]`` (one class) and ``positive[i, j]`` (one class and ``i ≠ j``), both ``[B, B]`` bool."""
    same = labels[:, None] == labels[None, :]
    return same, same & ~torch.eye(len(labels), dtype=torch.bool, device=labels.device)


def triplet_mask(labels: torch.Tensor) -> torch.Tensor:
    """``valid[a, p, n]`` ``[B, B, B]``: ``a ≠ p`` share a class and ``n`` is of another class."""
    same, positive = same_and_positive(labels)
    return positive[:, :, None] & ~same[:, None, :]


def _margin_triplets(distances: torch.Tensor, labels: torch.Tensor, margin: float, strict_positive: bool):
    # Work on [positive pairs, B] rather than [B, B, B]: the same triplets, in the same (a, p, n)
    # order, with K−1 instead of B rows per anchor.
    same, positive = same_and_positive(labels)
    a, p = positive.nonzero(as_tuple=True)
    slack = distances[a] - distances[a, p][:, None]  # slack[q, n] = d(a_q, n) − d(a_q, p_q)
    keep = ~same[a] & (slack <= margin)
    if strict_positive:
        keep &= slack > 0
    q, n = keep.nonzero(as_tuple=True)
    return a[q], p[q], n


def batch_all(distances: torch.Tensor, labels: torch.Tensor, margin: float):
    """Every valid triplet violating the margin: ``d(a, n) − d(a, p) ≤ margin``.

    Args: ``distances`` ``[B, B]``, ``labels`` ``[B]`` class ids. Returns ``(a, p, n)``, each ``[T]``.
    """
    return _margin_triplets(distances, labels, margin, strict_positive=False)


def semi_hard(distances: torch.Tensor, labels: torch.Tensor, margin: float):
    """Valid triplets whose negative is farther than the positive but inside the margin:
    ``0 < d(a, n) − d(a, p) ≤ margin``. Returns ``(a, p, n)``, each ``[T]``.
    """
    return _margin_triplets(distances, labels, margin, strict_positive=True)


def batch_hard(distances: torch.Tensor, labels: torch.Tensor, margin: float | None = None):
    """One triplet per anchor (Hermans et al. 2017): its farthest positive and its closest negative.

    Anchors without a positive or without a negative in the batch are skipped. ``margin`` is unused
    (accepted so all strategies share one signature). Returns ``(a, p, n)``, each ``[A]``.
    """
    same, positive = same_and_positive(labels)
    farthest_pos = distances.masked_fill(~positive, float("-inf")).max(dim=1)
    closest_neg = distances.masked_fill(same, float("inf")).min(dim=1)
    anchors = torch.nonzero(positive.any(dim=1) & (~same).any(dim=1)).flatten()
    return anchors, farthest_pos.indices[anchors], closest_neg.indices[anchors]


_MINERS = {"batch_all": batch_all, "batch_hard": batch_hard, "semi_hard": semi_hard}


class TripletMiner:
    """Select triplets from a batch of embeddings ``[B, D]`` with class ids ``[B]``.

    Args:
        strategy: ``"batch_all"``, ``"batch_hard"`` or ``"semi_hard"`` (see the module docstring).
        margin: the triplet margin, in distance units (unused by ``batch_hard``).
        metric: a :class:`~siamkit.nn.distances.Distance` or its name: ``"euclidean"``,
            ``"squared_euclidean"`` or ``"cosine"``; :attr:`distance` is the object, :attr:`metric` its name.

    Example:
        >>> miner = TripletMiner("batch_hard")
        >>> a, p, n = miner(torch.randn(8, 4), torch.tensor([0, 0, 1, 1, 2, 2, 3, 3]))
        >>> len(a)
        8
    """

    def __init__(
        self, strategy: str = "batch_hard", margin: float = 0.2, metric: str | Distance = "euclidean"
    ) -> None:
        check_choice(strategy, STRATEGIES, "mining strategy")
        self.distance = get_distance(metric)
        if margin < 0:
            raise ConfigError(f"margin must be ≥ 0, got {margin}")
        self.strategy = strategy
        self.margin = float(margin)
        self.metric = self.distance.name

    def mine(self, distances: torch.Tensor, labels: torch.Tensor):
        """Triplets from a precomputed distance matrix ``[B, B]`` (no gradient needed)."""
        check_class_labels(labels, distances.shape[0])
        with torch.no_grad():
            return _MINERS[self.strategy](distances.detach(), labels, self.margin)

    def __call__(self, embeddings: torch.Tensor, labels: torch.Tensor):
        """Triplets ``(a, p, n)`` (each a LongTensor ``[T]`` of batch indices) for ``embeddings`` ``[B, D]``."""
        with torch.no_grad():
            return self.mine(pairwise_distances(embeddings.detach(), self.distance), labels)
