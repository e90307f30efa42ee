"""Splits of labelled items by index: stratified (same classes everywhere) and class-disjoint."""

from __future__ import annotations

from typing import Sequence

import torch

from siamkit.core.errors import ConfigError, DataError


def stratified_split(
    labels: torch.Tensor, fractions: Sequence[float] = (0.7, 0.15, 0.15), seed: int = 0
) -> list[torch.Tensor]:
    """Split item indices into parts with the given fractions, class by class.

    Every class is shuffled with ``seed`` and cut in the same proportions, so each part holds
    (about) the same class mix. Parts are disjoint and together cover every item.

    Args:
        labels: class ids ``[N]``.
        fractions: one fraction per part; must sum to 1.

    Returns: one sorted ``LongTensor`` of indices per part.

    Example:
        >>> train, val, test = stratified_split(torch.tensor([0, 0, 0, 1, 1, 1]), (0.34, 0.33, 0.33))
    """
    if any(f < 0 for f in fractions) or abs(sum(fractions) - 1.0) > 1e-6:
        raise ConfigError(f"split fractions must be ≥ 0 and sum to 1, got {list(fractions)}")
    generator = torch.Generator().manual_seed(seed)
    parts: list[list[torch.Tensor]] = [[] for _ in fractions]
    bounds = torch.tensor([0.0, *fractions]).cumsum(0)
    for cls in torch.unique(labels):
        members = torch.nonzero(labels == cls).flatten()
        members = members[torch.randperm(len(members), generator=generator)]
        cuts = (bounds * len(members)).round().long().tolist()
        for part, (lo, hi) in zip(parts, zip(cuts[:-1], cuts[1:])):
            part.append(members[lo:hi])
    return [torch.sort(torch.cat(p)).values for p in parts]


def class_disjoint_split(
    labels: torch.Tensor, held_out_classes: Sequence[int]
) -> tuple[torch.Tensor, torch.Tensor]:
    """Split item indices into (seen, unseen): items of ``held_out_classes`` go to ``unseen``.

    Use it to measure generalization to classes never seen in training.
    """
    held = torch.tensor(sorted(set(int(c) for c in held_out_classes)), dtype=labels.dtype)
    present = torch.unique(labels)
    missing = [int(c) for c in held if c not in present]
    if missing:
        raise DataError(
            f"held-out classes {missing} do not occur in the data (classes present: "
            f"{present.tolist()}); choose held-out classes from those"
        )
    unseen_mask = torch.isin(labels, held)
    if bool(unseen_mask.all()):
        raise ConfigError("every class is held out; keep at least one class for training")
    return torch.nonzero(~unseen_mask).flatten(), torch.nonzero(unseen_mask).flatten()
