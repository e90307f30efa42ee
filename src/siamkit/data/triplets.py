"""Triplets and class-balanced batches from labelled items, built vectorized (no loop over items).

- :func:`sample_triplets` / :class:`TripletDataset`: explicit ``(anchor, positive, negative)`` index
  triplets for offline triplet training (:class:`~siamkit.losses.triplet.TripletLoss`).
- :class:`PKBatchSampler` / :func:`pk_loader`: batches of ``P`` classes × ``K`` items with their
  class ids, for online mining (:class:`~siamkit.losses.triplet.OnlineTripletLoss`).
"""

from __future__ import annotations

from typing import Iterator

import torch
from torch.utils.data import DataLoader, Dataset, Sampler

from siamkit.core.errors import ConfigError, DataError
from siamkit.data.batches import batch_loader, gather, keep_decoded
from siamkit.data.labeled import LabeledData
from siamkit.data.pairs import sample_pairs
from siamkit.data.sharding import rank_and_world_size, shard_batch_ids


def _class_layout(labels: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
    """``order`` (items sorted by class), per-class ``counts`` and ``offsets``, and the class slot of each sorted item."""
    order = torch.argsort(labels, stable=True)
    _, counts = torch.unique_consecutive(labels[order], return_counts=True)
    offsets = counts.cumsum(0) - counts
    return order, counts, offsets, torch.repeat_interleave(torch.arange(len(counts)), counts)


def sample_triplets(
    labels: torch.Tensor, num_triplets: int, generator: torch.Generator | None = None
) -> torch.Tensor:
    """Sample index triplets ``[T, 3]`` = ``(anchor, positive, negative)``.

    Anchor–positive pairs are same-class pairs of two different items, drawn as
    :func:`~siamkit.data.pairs.sample_pairs` draws them; each negative is a uniform item of another class.

    Args:
        labels: class ids ``[N]``.
        num_triplets: ``T``.
        generator: seeds the draw.
    """
    labels = torch.as_tensor(labels).long()
    if len(torch.unique(labels)) < 2:
        raise DataError("triplets need at least two classes (the negative must be of another class)")
    anchor_positive, _ = sample_pairs(labels, num_triplets, positive_fraction=1.0, generator=generator)
    order, counts, offsets, cls_of = _class_layout(labels)
    rank_of = torch.empty_like(order)
    rank_of[order] = torch.arange(len(order))
    cls = cls_of[rank_of[anchor_positive[:, 0]]]
    others = len(labels) - counts[cls]
    k = (torch.rand(num_triplets, generator=generator) * others).long().clamp_max(others - 1)
    negative = order[torch.where(k < offsets[cls], k, k + counts[cls])]
    return torch.cat([anchor_positive, negative[:, None]], dim=1)


class TripletDataset(Dataset):
    """Triplets over one item tensor; tensor indexing returns a whole batch ``(anchor, positive, negative)``,
    each ``[B, ...]``. :meth:`resample` draws a fresh, seeded set (e.g. per epoch).

    Example:
        >>> from siamkit.data import digits
        >>> triplets = TripletDataset(digits(), num_triplets=1000, seed=0)
        >>> a, p, n = triplets[torch.arange(4)]
    """

    def __init__(self, data: LabeledData, num_triplets: int, seed: int = 0) -> None:
        if num_triplets < 1:
            raise ConfigError(f"num_triplets must be ≥ 1, got {num_triplets}")
        self.items = data.x
        self.item_labels = data.y
        self.num_triplets = num_triplets
        self.seed = seed
        self.resample(0)

    def resample(self, epoch: int) -> None:
        generator = torch.Generator().manual_seed(self.seed + 7919 * epoch)
        self.triplets = sample_triplets(self.item_labels, self.num_triplets, generator)

    def __len__(self) -> int:
        return int(self.triplets.shape[0])

    def __getitem__(self, index):
        t = self.triplets[index]
        (anchor, ok_a), (positive, ok_p), (negative, ok_n) = (gather(self.items, t[..., i]) for i in range(3))
        return keep_decoded((anchor, positive, negative), ok_a, ok_p, ok_n)


def check_items_per_class(items_per_class: int) -> None:
    """Raise :class:`ConfigError` unless ``K = items_per_class`` ≥ 2 (a positive pair needs two items of a class)."""
    if items_per_class < 2:
        raise ConfigError(
            f"items_per_class (K) must be ≥ 2, got {items_per_class}: a P×K batch needs two items of a class "
            "for a positive pair; use K = 4 (the default)"
        )


class PKBatchSampler(Sampler):
    """Class-balanced batches: ``P`` distinct classes, ``K`` items of each (batch size ``P·K``).

    Classes are drawn uniformly without replacement within a batch; a class's ``K`` items are drawn
    without replacement when it has at least ``K`` items, otherwise its items are all used and then
    repeated (a shuffled cycle). Only classes with two or more items are drawn, so every item has a positive.
    Each batch is built with one sort, not a loop over classes; ``set_epoch(e)`` reseeds with ``(seed, e)``.

    Args:
        labels: class ids ``[N]``.
        classes_per_batch: ``P`` (≥ 2).
        items_per_class: ``K`` (≥ 2).
        num_batches: batches per epoch (default: enough to show about ``N`` items).
        seed: seeds the draw.
        shard: inside a ``torch.distributed`` group (DDP), yield only this rank's share of the
            batches (see :mod:`siamkit.data.sharding`).

    Yields: index tensors ``[P·K]``, class-major (the ``K`` items of one class are adjacent).
    """

    def __init__(
        self,
        labels: torch.Tensor,
        classes_per_batch: int,
        items_per_class: int,
        num_batches: int | None = None,
        seed: int = 0,
        shard: bool = False,
    ) -> None:
        if classes_per_batch < 2 or items_per_class < 2:
            raise ConfigError(
                f"P×K batches need P ≥ 2 classes and K ≥ 2 items per class, got P={classes_per_batch}, "
                f"K={items_per_class}"
            )
        labels = torch.as_tensor(labels).long()
        self.order, self.counts, self.offsets, self.cls_of = _class_layout(labels)
        self.eligible = torch.nonzero(self.counts >= 2).flatten()
        if len(self.eligible) < classes_per_batch:
            raise DataError(
                f"only {len(self.eligible)} classes have two or more items, fewer than P={classes_per_batch} "
                "classes per batch; lower classes_per_batch"
            )
        self.p, self.k = classes_per_batch, items_per_class
        self.num_batches = num_batches or max(1, -(-len(labels) // (self.p * self.k)))
        self.seed = seed
        self.shard = shard
        self.epoch = 0

    def set_epoch(self, epoch: int) -> None:
        self.epoch = epoch

    def _batch_ids(self) -> list[int]:
        if not self.shard:
            return list(range(self.num_batches))
        return shard_batch_ids(self.num_batches, *rank_and_world_size())

    def __len__(self) -> int:
        return len(self._batch_ids())

    def __iter__(self) -> Iterator[torch.Tensor]:
        wanted = self._batch_ids()
        batches = {}
        generator = torch.Generator().manual_seed(self.seed + 104729 * self.epoch)
        for i in range(max(wanted, default=-1) + 1):
            chosen = self.eligible[torch.randperm(len(self.eligible), generator=generator)[: self.p]]
            # Shuffle within classes: sort by (class slot, random key); each class keeps its slice.
            keys = self.cls_of.double() + torch.rand(len(self.cls_of), generator=generator, dtype=torch.float64)
            shuffled = self.order[torch.argsort(keys)]
            within = torch.arange(self.k)[None, :] % self.counts[chosen][:, None]
            if i in wanted:
                batches[i] = shuffled[self.offsets[chosen][:, None] + within].flatten()
        yield from (batches[i] for i in wanted)


class ClassBatchDataset(Dataset):
    """Items indexed by a whole batch of indices: returns ``(x [B, ...], class ids [B])``."""

    def __init__(self, data: LabeledData) -> None:
        self.data = data

    def __len__(self) -> int:
        return len(self.data)

    def __getitem__(self, index):
        x, ok = gather(self.data.x, index)
        return keep_decoded((x, self.data.y[index]), ok)


def pk_loader(
    data: LabeledData,
    classes_per_batch: int,
    items_per_class: int,
    num_batches: int | None = None,
    seed: int = 0,
    shard: bool = False,
    workers: int | None = None,
) -> DataLoader:
    """A DataLoader of P×K batches ``(x [P·K, ...], class ids [P·K])``, sliced, not collated.

    ``shard=True``: under DDP each rank gets its own share of the batches (see :class:`PKBatchSampler`).
    ``workers``: processes that decode streamed items (see :func:`~siamkit.data.batches.loader_workers`);
    an item whose file cannot be decoded is left out of its batch.
    """
    sampler = PKBatchSampler(data.y, classes_per_batch, items_per_class, num_batches, seed, shard)
    return batch_loader(ClassBatchDataset(data), sampler, data.x, workers)
