"""One-vs-rest pairs for one chosen target object: "is the query the same object as this reference?"

They put a Siamese net, a 2-channel net and a single-image classifier on the same data: each pair is
``(reference, query)`` where the reference is always an item of the target class and the query is
any item; the label is 1 when the query is the target (pair label 1 = same). A single-image
classifier that reads only the query answers the same question.
"""

from __future__ import annotations

import torch

from siamkit.core.errors import ConfigError, DataError
from siamkit.data.labeled import LabeledData
from siamkit.data.pairs import PairDataset


def target_class(data: LabeledData, target: int | str) -> int:
    """The class id of ``target`` given as a class name or id."""
    if isinstance(target, str) and target in data.class_names:
        return data.class_names.index(target)
    if isinstance(target, int) and target in data.classes():
        return target
    raise DataError(
        f"target '{target}' is not a class of {data.name}; choose one of: {', '.join(data.class_names)}"
    )


class OneVsRestPairs(PairDataset):
    """Pairs ``(x1 = target reference, x2 = query, y = query is target)`` over the items of ``data``.

    Positives pair a uniform target item with another target item; negatives pair a uniform target
    item with a uniform item of any other class. ``positive_fraction`` sets the share of positives
    exactly; each epoch's :meth:`resample` draws a fresh set, seeded by ``(seed, epoch)``.

    Args:
        data: labelled items with at least two target items and one other item.
        target: the target class, by name or id.
        num_pairs: ``P``.
        positive_fraction: share of pairs whose query is the target.
        seed: seeds the draw.

    Example:
        >>> from siamkit.data import shapes
        >>> pairs = OneVsRestPairs(shapes(10), "circle", num_pairs=100)
        >>> x1, x2, y = pairs[torch.arange(8)]
    """

    def __init__(
        self,
        data: LabeledData,
        target: int | str,
        num_pairs: int,
        positive_fraction: float = 0.5,
        seed: int = 0,
    ) -> None:
        self.target = target_class(data, target)
        if not 0.0 <= positive_fraction <= 1.0 or num_pairs < 1:
            raise ConfigError(
                f"need num_pairs ≥ 1 and positive_fraction in [0, 1], got {num_pairs} and {positive_fraction}"
            )
        is_target = data.y == self.target
        if int(is_target.sum()) < 2 or bool(is_target.all()):
            raise DataError(
                f"one-vs-rest pairs need at least two '{data.class_names[self.target]}' items and one "
                f"other item in {data.name}; add items or choose another target"
            )
        self._targets = torch.nonzero(is_target).flatten()
        self._others = torch.nonzero(~is_target).flatten()
        super().__init__(data, num_pairs, positive_fraction, seed)

    def resample(self, epoch: int) -> None:
        """Draw a fresh pair set seeded by ``(seed, epoch)``."""
        generator = torch.Generator().manual_seed(self.seed + 7919 * epoch)
        num_pos = round(self.num_pairs * self.positive_fraction)
        num_neg = self.num_pairs - num_pos
        t = len(self._targets)
        ref = torch.randint(t, (self.num_pairs,), generator=generator)
        # a positive query is another target item: shift the reference by 1..t-1 places
        shift = torch.randint(1, t, (num_pos,), generator=generator)
        pos_query = self._targets[(ref[:num_pos] + shift) % t]
        neg_query = self._others[torch.randint(len(self._others), (num_neg,), generator=generator)]
        pairs = torch.stack([self._targets[ref], torch.cat([pos_query, neg_query])], dim=1)
        labels = torch.cat([torch.ones(num_pos, dtype=torch.long), torch.zeros(num_neg, dtype=torch.long)])
        perm = torch.randperm(self.num_pairs, generator=generator)
        self.pairs, self.labels = pairs[perm], labels[perm]
