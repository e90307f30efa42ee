"""Splitting whole batches across distributed processes (DDP ranks), read at iteration time.

Every rank draws the same seeded batch order and keeps every ``world_size``-th batch, starting at its
own rank, so ranks see disjoint batches and together cover the epoch. When the batch count does not
divide by ``world_size``, the first batches are repeated to pad (as ``DistributedSampler`` pads), so
every rank runs the same number of steps — DDP's gradient all-reduce needs that.
"""

from __future__ import annotations

import torch


def rank_and_world_size() -> tuple[int, int]:
    """``(rank, world_size)`` of this process in the default ``torch.distributed`` group; ``(0, 1)`` outside one."""
    if torch.distributed.is_available() and torch.distributed.is_initialized():
        return torch.distributed.get_rank(), torch.distributed.get_world_size()
    return 0, 1


def shard_batch_ids(num_batches: int, rank: int, world_size: int) -> list[int]:
    """Batch positions in ``[0, num_batches)`` that ``rank`` of ``world_size`` takes: ``rank, rank + world_size, …``,
    ``ceil(num_batches / world_size)`` of them (wrapping round to pad).

    Example:
        >>> shard_batch_ids(5, 1, 2)
        [1, 3, 0]
    """
    per_rank = -(-num_batches // world_size)
    return [(rank + world_size * i) % num_batches for i in range(per_rank)] if num_batches else []
