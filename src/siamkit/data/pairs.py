"""Pairs ``(x1, x2, y)`` from labelled items (label 1 = same class, 0 = different), built vectorized.

Pairs are held as index pairs into one item tensor, so a batch is two slices, not a Python loop.
"""

from __future__ import annotations

from typing import Iterator

import torch
from torch.utils.data import DataLoader, Dataset, Sampler

from siamkit.core.conventions import check_pair_labels
from siamkit.core.errors import ConfigError, DataError
from siamkit.data.batches import batch_loader, gather, keep_decoded
from siamkit.data.labeled import LabeledData
from siamkit.data.sharding import rank_and_world_size, shard_batch_ids


def sample_pairs(
    labels: torch.Tensor,
    num_pairs: int,
    positive_fraction: float = 0.5,
    generator: torch.Generator | None = None,
    allow_self_pairs: bool = False,
) -> tuple[torch.Tensor, torch.Tensor]:
    """Sample index pairs with an exact share of same-class pairs.

    Positive pairs: a uniform anchor from a class with at least two items, and a uniform *other*
    member of its class (the anchor itself only if ``allow_self_pairs``). Negative pairs: a uniform
    anchor and a uniform item of any other class. Halves are swapped at random and the pairs shuffled.

    Args:
        labels: class ids ``[N]``.
        num_pairs: ``P``, the number of pairs.
        positive_fraction: share of same-class pairs; ``round(P · fraction)`` exactly.

    Returns: ``pairs`` ``[P, 2]`` (indices into ``labels``) and pair labels ``[P]`` (1 = same).
    """
    if not 0.0 <= positive_fraction <= 1.0:
        raise ConfigError(f"positive_fraction must be in [0, 1], got {positive_fraction}")
    if num_pairs < 1:
        raise ConfigError(f"num_pairs must be ≥ 1, got {num_pairs}")
    labels = torch.as_tensor(labels).long()
    order = torch.argsort(labels, stable=True)
    _, counts = torch.unique_consecutive(labels[order], return_counts=True)
    offsets = counts.cumsum(0) - counts
    cls_of = torch.repeat_interleave(torch.arange(len(counts)), counts)  # class slot per sorted item

    num_pos = round(num_pairs * positive_fraction)
    num_neg = num_pairs - num_pos
    min_members = 1 if allow_self_pairs else 2
    eligible = torch.nonzero(counts[cls_of] >= min_members).flatten()
    if num_pos and len(eligible) == 0:
        raise DataError(
            "no class has two or more items, so no same-class pair exists; add items or "
            "set positive_fraction=0"
        )
    if num_neg and len(counts) < 2:
        raise DataError("all items share one class, so no different-class pair exists")

    def uniform_below(n: torch.Tensor) -> torch.Tensor:  # one draw in [0, n_i) per entry
        return (torch.rand(n.shape, generator=generator) * n).long().clamp_max(n - 1)

    anchor = eligible[torch.randint(len(eligible), (num_pos,), generator=generator)] if num_pos else eligible[:0]
    cls = cls_of[anchor]
    if allow_self_pairs:
        partner = offsets[cls] + uniform_below(counts[cls])
    else:
        rank = anchor - offsets[cls]
        step = 1 + uniform_below(counts[cls] - 1)
        partner = offsets[cls] + (rank + step) % counts[cls]
    pos = torch.stack([anchor, partner], dim=1)

    anchor = torch.randint(len(labels), (num_neg,), generator=generator)
    cls = cls_of[anchor]
    k = uniform_below(len(labels) - counts[cls])
    partner = torch.where(k < offsets[cls], k, k + counts[cls])
    neg = torch.stack([anchor, partner], dim=1)

    pairs = order[torch.cat([pos, neg])]
    y = torch.cat([torch.ones(num_pos, dtype=torch.long), torch.zeros(num_neg, dtype=torch.long)])
    swap = torch.rand(num_pairs, generator=generator) < 0.5
    pairs = torch.where(swap[:, None], pairs.flip(1), pairs)
    perm = torch.randperm(num_pairs, generator=generator)
    return pairs[perm], y[perm]


class PairDataset(Dataset):
    """Pairs over one item tensor: item ``i`` is ``(x1, x2, y)`` with ``y`` 1 = same, 0 = different.

    Build it from labelled items (balanced, seeded, no self-pairs unless asked) or from explicit
    pairs (:meth:`from_pairs`, :meth:`from_stacked`). Indexing with a tensor or list of indices returns
    a whole batch by slicing: ``x1 [B, ...]``, ``x2 [B, ...]``, ``y [B]`` (``uint8`` items as floats). Items
    streamed from disk (:class:`~siamkit.data.files.ImageFiles`) are decoded here, so in the DataLoader's
    workers; a pair with a file that cannot be decoded is left out of its batch.

    Args:
        data: labelled items.
        num_pairs: number of pairs to draw.
        positive_fraction: share of same-class pairs (default 0.5: balanced).
        seed: seeds the draw; :meth:`resample` draws a fresh, equally seeded set for another epoch.
        allow_self_pairs: allow pairs of an item with itself as positives.

    Example:
        >>> from siamkit.data import digits
        >>> pairs = PairDataset(digits(), num_pairs=1000, seed=0)
        >>> x1, x2, y = pairs[torch.arange(4)]
    """

    def __init__(
        self,
        data: LabeledData,
        num_pairs: int,
        positive_fraction: float = 0.5,
        seed: int = 0,
        allow_self_pairs: bool = False,
    ) -> None:
        self.items = data.x
        self.item_labels: torch.Tensor | None = data.y
        self.num_pairs = num_pairs
        self.positive_fraction = positive_fraction
        self.seed = seed
        self.allow_self_pairs = allow_self_pairs
        self.groups: torch.Tensor | None = None
        self.resample(0)

    @classmethod
    def from_pairs(
        cls, x1: torch.Tensor, x2: torch.Tensor, labels: torch.Tensor, groups: torch.Tensor | None = None
    ) -> "PairDataset":
        """Fixed pairs given as two aligned tensors ``[P, ...]`` and labels ``[P]`` (1 = same).

        ``groups`` ``[P]`` (optional): pairs with one group id belong together, e.g. a word's same pair and its
        different pairs; a grouped :class:`PairBatchSampler` keeps them in one batch."""
        if not (x1.shape == x2.shape and x1.shape[0] == labels.shape[0]) or (
            groups is not None and tuple(groups.shape) != (labels.shape[0],)
        ):
            raise DataError(
                f"pair halves, labels and groups must align: x1 {tuple(x1.shape)}, x2 {tuple(x2.shape)}, "
                f"labels {tuple(labels.shape)}" + ("" if groups is None else f", groups {tuple(groups.shape)}")
            )
        check_pair_labels(labels)
        dataset = cls.__new__(cls)
        dataset.groups = None if groups is None else groups.long()
        dataset.items = torch.cat([x1, x2])
        dataset.item_labels = None
        p = x1.shape[0]
        dataset.pairs = torch.stack([torch.arange(p), torch.arange(p, 2 * p)], dim=1)
        dataset.labels = labels.long()
        dataset.num_pairs = p
        return dataset

    @classmethod
    def from_stacked(cls, stacked: torch.Tensor, labels: torch.Tensor) -> "PairDataset":
        """Fixed pairs in the stacked layout ``[P, 2, H, W]`` or ``[P, 2, C, H, W]`` (see :func:`unstack_pairs`)."""
        return cls.from_pairs(*unstack_pairs(stacked), labels)

    def resample(self, epoch: int) -> None:
        """Draw a fresh pair set, seeded by ``(seed, epoch)``; fixed pairs stay as they are."""
        if self.item_labels is None:
            return
        generator = torch.Generator().manual_seed(self.seed + 7919 * epoch)
        self.pairs, self.labels = sample_pairs(
            self.item_labels, self.num_pairs, self.positive_fraction, generator, self.allow_self_pairs
        )

    def __len__(self) -> int:
        return int(self.pairs.shape[0])

    def __getitem__(self, index):
        pair = self.pairs[index]
        (x1, ok1), (x2, ok2) = gather(self.items, pair[..., 0]), gather(self.items, pair[..., 1])
        return keep_decoded((x1, x2, self.labels[index]), ok1, ok2)


def unstack_pairs(stacked: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Split the stacked pair layout into two halves.

    ``[P, 2, H, W]`` (single-channel pairs as two channels) → two ``[P, 1, H, W]``;
    ``[P, 2, C, H, W]`` → two ``[P, C, H, W]``.
    """
    if stacked.ndim not in (4, 5) or stacked.shape[1] != 2:
        raise DataError(
            f"stacked pairs must have shape [P, 2, H, W] or [P, 2, C, H, W], got {tuple(stacked.shape)}"
        )
    if stacked.ndim == 4:
        return stacked[:, 0:1], stacked[:, 1:2]
    return stacked[:, 0], stacked[:, 1]


def stack_pairs(x1: torch.Tensor, x2: torch.Tensor) -> torch.Tensor:
    """Inverse of :func:`unstack_pairs`: two ``[P, 1, H, W]`` → ``[P, 2, H, W]``; ``[P, C, H, W]`` → ``[P, 2, C, H, W]``."""
    if x1.shape != x2.shape or x1.ndim != 4:
        raise DataError(
            f"both halves must be [P, C, H, W] of one shape, got {tuple(x1.shape)} and {tuple(x2.shape)}"
        )
    if x1.shape[1] == 1:
        return torch.cat([x1, x2], dim=1)
    return torch.stack([x1, x2], dim=1)


class PairBatchSampler(Sampler):
    """Yields index tensors of whole batches over a :class:`PairDataset`, optionally shuffled.

    ``set_epoch(e)`` (called by Lightning before each training epoch) reshuffles with ``(seed, e)``
    and, with ``resample=True``, draws fresh pairs for that epoch.

    With ``shard=True``, inside a ``torch.distributed`` group (DDP), each rank yields only its share of
    the batches (see :mod:`siamkit.data.sharding`); outside one it yields them all.

    With ``grouped=True`` and a dataset with ``groups``, shuffling moves whole groups and keeps a group's pairs
    next to each other, so they share a batch (unless one falls on a batch boundary): a word's labelled
    negative is then among the in-batch negatives of its same pair.
    """

    def __init__(
        self,
        dataset: PairDataset,
        batch_size: int,
        shuffle: bool = True,
        seed: int = 0,
        resample: bool = False,
        drop_last: bool = False,
        shard: bool = False,
        grouped: bool = False,
    ) -> None:
        if batch_size < 1:
            raise ConfigError(f"batch_size must be ≥ 1, got {batch_size}")
        self.dataset = dataset
        self.batch_size = batch_size
        self.shuffle = shuffle
        self.seed = seed
        self.resample = resample
        self.drop_last = drop_last
        self.shard = shard
        self.grouped = grouped
        self.epoch = 0

    def set_epoch(self, epoch: int) -> None:
        self.epoch = epoch
        if self.resample:
            self.dataset.resample(epoch)

    def _num_batches(self) -> int:
        n = len(self.dataset)
        return n // self.batch_size if self.drop_last else -(-n // self.batch_size)

    def _batch_ids(self) -> list[int]:
        if not self.shard:
            return list(range(self._num_batches()))
        return shard_batch_ids(self._num_batches(), *rank_and_world_size())

    def __len__(self) -> int:
        return len(self._batch_ids())

    def __iter__(self) -> Iterator[torch.Tensor]:
        n = len(self.dataset)
        groups = getattr(self.dataset, "groups", None) if self.grouped else None
        if self.shuffle:
            generator = torch.Generator().manual_seed(self.seed + 104729 * self.epoch)
            order = torch.randperm(n, generator=generator) if groups is None else _grouped_order(groups, generator)
        else:
            order = torch.arange(n)
        for i in self._batch_ids():
            yield order[i * self.batch_size : (i + 1) * self.batch_size]


def _grouped_order(groups: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
    """A random order of the pairs ``[P]`` in which each group's pairs are adjacent (groups in random order)."""
    ids = torch.unique(groups, return_inverse=True)[1]
    group_rank = torch.randperm(int(ids.max()) + 1, generator=generator).argsort()
    return (group_rank[ids] * len(ids) + torch.arange(len(ids))).argsort()


def pair_loader(
    dataset: PairDataset,
    batch_size: int,
    shuffle: bool = False,
    seed: int = 0,
    resample: bool = False,
    drop_last: bool = False,
    shard: bool = False,
    workers: int | None = None,
    grouped: bool = False,
) -> DataLoader:
    """A DataLoader of whole pair batches ``(x1 [B, ...], x2 [B, ...], y [B])``, sliced, not collated.

    ``shard=True``: under DDP each rank gets its own share of the batches (see :class:`PairBatchSampler`).
    ``workers``: processes that decode streamed items (see :func:`~siamkit.data.batches.loader_workers`;
    items in memory are always sliced in the main process). A dataset without ``items`` (e.g.
    :class:`~siamkit.data.crossmodal.CrossModalPairs`) holds its items in memory. ``grouped``: see
    :class:`PairBatchSampler`.
    """
    sampler = PairBatchSampler(dataset, batch_size, shuffle, seed, resample, drop_last, shard, grouped)
    return batch_loader(dataset, sampler, getattr(dataset, "items", None), workers)
