"""Batches from items that are either a tensor in memory or :class:`~siamkit.data.files.ImageFiles` on disk.

- :func:`gather` / :func:`keep_decoded`: what pair, triplet and class-batch datasets use to slice a batch and
  leave out the items whose file could not be decoded (in-memory items always decode).
- :func:`loader_workers`: DataLoader worker processes for some items: streamed files decode in ``workers``
  processes (default :func:`~siamkit.core.resources.default_workers`); a tensor in memory is sliced in the
  main process (workers would only copy it).
- :func:`item_batches`: every item once, in order, ``batch_size`` at a time (embedding, checking, caching).
"""

from __future__ import annotations

from typing import Iterator

import torch
from torch.utils.data import DataLoader, Dataset

from siamkit.core.errors import ConfigError
from siamkit.core.resources import default_workers
from siamkit.data.files import ImageFiles
from siamkit.data.labeled import as_float


def is_streamed(items) -> bool:
    """Whether ``items`` are image files decoded on demand rather than a tensor in memory."""
    return isinstance(items, ImageFiles)


def loader_workers(items, workers: int | None = None) -> int:
    """Worker processes a DataLoader over ``items`` should use: 0 for a tensor in memory; for streamed files
    ``workers``, or :func:`~siamkit.core.resources.default_workers` when ``None``."""
    if workers is not None and workers < 0:
        raise ConfigError(f"workers must be ≥ 0 (0: decode in the main process), got {workers}")
    if not is_streamed(items):
        return 0
    return default_workers() if workers is None else workers


def gather(items, index) -> tuple[torch.Tensor, torch.Tensor | None]:
    """Items at ``index`` as floats in [0, 1] and, for streamed files, which of them decoded (``[B]`` bool)."""
    if is_streamed(items):
        x, ok = items.load(index)
        return as_float(x), ok
    return as_float(items[index]), None


def keep_decoded(tensors: tuple[torch.Tensor, ...], *decoded: torch.Tensor | None) -> tuple[torch.Tensor, ...]:
    """``tensors`` (aligned on their first axis) without the rows where any ``decoded`` flag is ``False``.

    Flags that are ``None`` (in-memory items) or 0-dim (a single item, which cannot be left out) are ignored.
    """
    flags = [ok for ok in decoded if ok is not None and ok.ndim == 1]
    if not flags:
        return tensors
    keep = torch.stack(flags).all(0)
    return tensors if bool(keep.all()) else tuple(t[keep] for t in tensors)


def batch_loader(dataset: Dataset, sampler, items, workers: int | None = None) -> DataLoader:
    """A DataLoader of whole batches (``dataset[index tensor]``, not collated) drawn by ``sampler``, decoding in
    :func:`loader_workers` processes. Workers are started afresh every epoch, so they see the pairs that
    ``sampler.set_epoch`` drew for it."""
    return DataLoader(dataset, batch_size=None, sampler=sampler, num_workers=loader_workers(items, workers))


class _Ranges(Dataset):
    """Batch ``b`` is items ``[b·size, (b+1)·size)``: ``(start, uint8 or float items, decoded flags or None)``."""

    def __init__(self, items, batch_size: int) -> None:
        self.items, self.batch_size = items, batch_size

    def __len__(self) -> int:
        return -(-len(self.items) // self.batch_size)

    def __getitem__(self, b: int):
        start = b * self.batch_size
        index = slice(start, min(start + self.batch_size, len(self.items)))
        if is_streamed(self.items):
            return (start, *self.items.load(index))
        return start, self.items[index], None


def item_batches(
    items, batch_size: int = 256, workers: int | None = None
) -> Iterator[tuple[int, torch.Tensor, torch.Tensor | None]]:
    """Every item of ``items`` once, in order: ``(start, x [B, ...], decoded [B] bool or None)``, ``x`` as
    stored (``uint8`` for streamed files: pass it through :func:`~siamkit.data.labeled.as_float` to use it).

    Streamed files decode in :func:`loader_workers` processes; an item that could not be decoded is zeros with
    its flag ``False``.
    """
    ranges = _Ranges(items, batch_size)
    loader = DataLoader(ranges, batch_size=None, shuffle=False, num_workers=loader_workers(items, workers))
    for start, x, ok in loader:
        yield int(start), x, ok
