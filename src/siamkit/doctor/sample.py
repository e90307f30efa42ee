"""The user's pairs as the doctor reads them: halves, labels and the item pool, from any source.

Batches may be ``(x1 [B, ...], x2 [B, ...], y)``, ``(x [B, 2, ...], y)``, ``(x [2, B, ...], y)`` or
``([x1, x2], y)``, with ``y`` ``[B]`` or one-hot ``[B, 2]``. Pair labels follow siamkit's convention
(1 = same, 0 = different).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterable

import torch
from torch.utils.data import default_collate

from siamkit.core.errors import DataError
from siamkit.data import LabeledData, PairDataset


@dataclass
class PairSample:
    """Pairs drawn from the user's data: halves ``x1, x2`` ``[P, ...]``, raw labels ``[P]`` (float).

    ``classes`` holds the class ids of each half ``[P, 2]`` when the source knows them;
    ``items`` is the pool of distinct-or-not items the pairs come from ``[N, ...]``.
    ``stacked`` names how the data held the pair (``None`` for separate halves, else a call layout:
    ``stack1``, ``stack0`` or ``list``); ``one_hot`` is True when labels came as ``[P, 2]``, whose
    column ``same_column`` is "same"; ``described`` says all that in words.
    """

    x1: torch.Tensor
    x2: torch.Tensor
    labels: torch.Tensor
    items: torch.Tensor
    classes: torch.Tensor | None = None
    stacked: str | None = None
    one_hot: bool = False
    same_column: int = 1
    described: str = "(x1, x2, y)"

    def __len__(self) -> int:
        return int(self.labels.shape[0])

    @property
    def binary_labels(self) -> bool:
        return bool(((self.labels == 0) | (self.labels == 1)).all())


_HINTS = {
    "loader": "a loader of (x1, x2, y) or (x [B, 2, ...], y) batches",
    "dataset": "a dataset of (x1, x2, y) or (x [2, ...], y) items",
}


def split_batch(batch: Any) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, str | None]:
    """``x1, x2, y`` and how the pair was held (``None``, ``stack1``, ``stack0`` or ``list``) of one batch."""
    if not isinstance(batch, (tuple, list)) or len(batch) < 2:
        raise DataError(f"a batch must be (x1, x2, y) or (x, y); got {type(batch).__name__}")
    first, second = batch[0], batch[1]
    if len(batch) >= 3 and torch.is_tensor(first) and torch.is_tensor(second) and first.shape == second.shape:
        return first, second, torch.as_tensor(batch[2]), None
    y = torch.as_tensor(second)
    if isinstance(first, (tuple, list)) and len(first) == 2:
        return torch.as_tensor(first[0]), torch.as_tensor(first[1]), y, "list"
    x = torch.as_tensor(first)
    n = len(y)
    if x.ndim >= 2 and x.shape[0] == 2 and x.shape[1] == n and n != 2:
        return x[0], x[1], y, "stack0"
    if x.ndim >= 2 and x.shape[1] == 2:
        return x[:, 0], x[:, 1], y, "stack1"
    raise DataError(
        f"cannot find the pair in a batch of {len(batch)} parts, the first {tuple(x.shape)} with {n} labels: "
        "give (x1, x2, y), (x [B, 2, ...], y), (x [2, B, ...], y) or ([x1, x2], y)"
    )


def pair_labels(y: torch.Tensor, x1: torch.Tensor, x2: torch.Tensor, same_column: int | None) -> tuple[torch.Tensor, bool, int]:
    """Labels ``[P]`` (1 = same) from ``y`` ``[P]``, ``[P, 1]`` or one-hot ``[P, 2]``, whether they were
    one-hot, and the column meaning "same": given, else the one hot on pairs with identical halves, else 1."""
    if y.ndim == 2 and y.shape[1] == 2:
        if same_column is None:
            identical = (x1 == x2).flatten(1).all(dim=1)
            column_sums = y[identical].double().sum(0) if bool(identical.any()) else torch.zeros(2)
            same_column = 0 if float(column_sums[0]) > float(column_sums[1]) else 1
        return y[:, same_column], True, same_column
    return y.reshape(-1), False, 1 if same_column is None else same_column


def _describe(stacked: str | None, one_hot: bool, same_column: int) -> str:
    x = {None: "x1, x2", "stack1": "x [B, 2, ...]", "stack0": "x [2, B, ...]", "list": "[x1, x2]"}[stacked]
    y = f"y one-hot [B, 2], column {same_column} = same" if one_hot else "y [B]"
    return f"({x}, {y})"


def _read(source: Any, max_pairs: int, generator: torch.Generator) -> tuple:
    if isinstance(source, (tuple, list)) and len(source) in (2, 3) and torch.is_tensor(source[-1]):
        return split_batch(source)
    if hasattr(source, "__getitem__") and hasattr(source, "__len__"):
        if len(source) == 0:
            raise DataError("the pair dataset is empty; give at least a few pairs")
        index = torch.randperm(len(source), generator=generator)[:max_pairs].tolist()
        return split_batch(default_collate([source[i] for i in index]))
    if isinstance(source, Iterable):
        parts = []
        for batch in source:
            parts.append(split_batch(batch))
            if sum(len(p[2]) for p in parts) >= max_pairs:
                break
        if not parts:
            raise DataError("the pair loader yielded no batches")
        x1, x2, y = (torch.cat(t) for t in list(zip(*parts))[:3])
        return x1, x2, y, parts[0][3]
    raise DataError(
        f"cannot read pairs from {type(source).__name__}; give LabeledData, a PairDataset, "
        f"{_HINTS['dataset']}, {_HINTS['loader']} or one such tuple"
    )


def as_pair_sample(source: Any, max_pairs: int, seed: int, same_column: int | None = None) -> PairSample:
    """Read up to ``max_pairs`` pairs from ``source``.

    ``source`` may be :class:`~siamkit.data.LabeledData` (balanced pairs are drawn, seeded), a
    :class:`~siamkit.data.PairDataset`, any map-style dataset of pair items, an iterable of batches
    such as a DataLoader, or one batch (layouts in the module docstring). ``same_column`` says which
    column of one-hot labels means "same" (default: inferred, else 1).
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
    x1, x2, y, stacked = _read(source, max_pairs, generator)
    x1, x2, y = x1[:max_pairs], x2[:max_pairs], y[:max_pairs]
    labels, one_hot, column = pair_labels(y, x1, x2, same_column)
    if x1.shape != x2.shape or x1.shape[0] != labels.shape[0]:
        raise DataError(
            f"pair halves and labels must align: x1 {tuple(x1.shape)}, x2 {tuple(x2.shape)}, "
            f"labels {tuple(labels.shape)}"
        )
    x1, x2 = x1.float(), x2.float()
    return PairSample(
        x1, x2, labels.double(), torch.cat([x1, x2]), stacked=stacked, one_hot=one_hot, same_column=column,
        described=_describe(stacked, one_hot, column),
    )
