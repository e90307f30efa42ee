"""The user's pairs as the doctor reads them: halves, labels and the item pool, from any source.

Pair labels follow siamkit's convention (1 = same, 0 = different).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterable

import torch

from siamkit.core.errors import DataError
from siamkit.data import LabeledData, PairDataset


@dataclass
class PairSample:
    """Pairs drawn from the user's data: halves ``x1, x2`` ``[P, ...]``, raw labels ``[P]`` (float).

    ``classes`` holds the class ids of each half ``[P, 2]`` when the source knows them;
    ``items`` is the pool of distinct-or-not items the pairs come from ``[N, ...]``.
    """

    x1: torch.Tensor
    x2: torch.Tensor
    labels: torch.Tensor
    items: torch.Tensor
    classes: torch.Tensor | None = None

    def __len__(self) -> int:
        return int(self.labels.shape[0])

    @property
    def binary_labels(self) -> bool:
        return bool(((self.labels == 0) | (self.labels == 1)).all())


def _stack(values: list[Any]) -> torch.Tensor:
    return torch.stack([torch.as_tensor(v) for v in values])


def as_pair_sample(source: Any, max_pairs: int, seed: int) -> PairSample:
    """Read up to ``max_pairs`` pairs from ``source``.

    ``source`` may be :class:`~siamkit.data.LabeledData` (balanced pairs are drawn, seeded), a
    :class:`~siamkit.data.PairDataset`, any map-style dataset whose items are ``(x1, x2, y)``, an
    iterable of batches ``(x1 [B, ...], x2 [B, ...], y [B])`` such as a DataLoader, or one such tuple.
    """
    if isinstance(source, LabeledData):
        source = PairDataset(source, num_pairs=max_pairs, seed=seed)
    generator = torch.Generator().manual_seed(seed)
    if isinstance(source, PairDataset) and type(source).__getitem__ is PairDataset.__getitem__:
        index = torch.randperm(len(source), generator=generator)[:max_pairs]
        x1, x2, _ = source[index]
        labels = source.labels[index]
        classes = None
        if getattr(source, "item_labels", None) is not None:
            classes = source.item_labels[source.pairs[index]]
        return PairSample(x1, x2, labels.double(), source.items, classes)
    if isinstance(source, (tuple, list)) and len(source) == 3 and all(torch.is_tensor(t) for t in source):
        x1, x2, labels = source
    elif hasattr(source, "__getitem__") and hasattr(source, "__len__"):
        if len(source) == 0:
            raise DataError("the pair dataset is empty; give at least a few pairs")
        index = torch.randperm(len(source), generator=generator)[:max_pairs].tolist()
        x1s, x2s, ys = zip(*(source[i][:3] for i in index))
        x1, x2, labels = _stack(list(x1s)), _stack(list(x2s)), _stack(list(ys))
    elif isinstance(source, Iterable):
        parts: list[tuple[torch.Tensor, ...]] = []
        for batch in source:
            parts.append(tuple(torch.as_tensor(t) for t in batch[:3]))
            if sum(len(p[2]) for p in parts) >= max_pairs:
                break
        if not parts:
            raise DataError("the pair loader yielded no batches")
        x1, x2, labels = (torch.cat(t)[:max_pairs] for t in zip(*parts))
    else:
        raise DataError(
            f"cannot read pairs from {type(source).__name__}; give LabeledData, a PairDataset, a "
            "dataset of (x1, x2, y) items, a loader of (x1, x2, y) batches or one (x1, x2, y) tuple"
        )
    x1, x2, labels = x1[:max_pairs], x2[:max_pairs], labels[:max_pairs].reshape(-1)
    if x1.shape != x2.shape or x1.shape[0] != labels.shape[0]:
        raise DataError(
            f"pair halves and labels must align: x1 {tuple(x1.shape)}, x2 {tuple(x2.shape)}, "
            f"labels {tuple(labels.shape)}"
        )
    return PairSample(x1.float(), x2.float(), labels.double(), torch.cat([x1, x2]).float())
