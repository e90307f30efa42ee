"""Cross-modal pairs: an item of one kind (an image) against an item of another (a text), label 1 =
same class; and the number phrases ("seven", "7", "three plus four") that name digit classes.
"""

from __future__ import annotations

import torch

from siamkit.core.errors import ConfigError, DataError
from siamkit.data.labeled import LabeledData, as_float
from siamkit.data.text import TextClasses

NUMBER_WORDS = (
    "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen "
    "sixteen seventeen eighteen nineteen twenty"
).split()


def _names(n: int) -> list[str]:
    """The ways a number is written in phrases: the word and, up to 20, the digits."""
    return [NUMBER_WORDS[n], str(n)]


def number_phrases(max_number: int = 9) -> TextClasses:
    """Phrases naming each number ``0 … max_number`` (class ``n`` = the number ``n``): its word and
    digits ("seven", "7", "the number seven"), neighbours ("one more than six", "two less than
    nine"), sums and products, differences of numbers up to ``max_number + 1``, halves ("half of
    fourteen") and doubles; numbers appear as words or digits.

    Every phrase is listed once per class, in a fixed order.
    """
    if not 1 <= max_number <= 10:
        raise ConfigError(f"max_number must be in 1…10, got {max_number}")
    phrases: dict[int, list[str]] = {n: [] for n in range(max_number + 1)}
    for n in phrases:
        bucket = phrases[n]
        for name in _names(n):
            bucket += [name, f"the number {name}", f"number {name}"]
        for k, word in ((1, "one"), (2, "two")):
            if n - k >= 0:
                bucket += [f"{word} more than {m}" for m in _names(n - k)]
            bucket += [f"{word} less than {m}" for m in _names(n + k)]
        for a in range(n + 1):
            bucket += [f"{x} plus {y}" for x in _names(a) for y in _names(n - a)]
        for b in range(1, max_number + 2 - n):
            bucket += [f"{x} minus {y}" for x in _names(n + b) for y in _names(b)]
        for a in range(1, n + 1):
            if n % a == 0:
                bucket += [f"{x} times {y}" for x in _names(a) for y in _names(n // a)]
        bucket += [f"half of {m}" for m in _names(2 * n)]
        if n % 2 == 0:
            bucket += [f"twice {m}" for m in _names(n // 2)]
    texts = [p for n in phrases for p in dict.fromkeys(phrases[n])]
    y = torch.tensor([n for n in phrases for _ in dict.fromkeys(phrases[n])])
    return TextClasses(texts, y, [str(n) for n in phrases], "number phrases")


class CrossModalPairs:
    """Seeded pairs ``(a item, b item, y)`` across two labelled sets of different kinds
    (e.g. images ``[N, C, H, W]`` and token ids ``[M, L]``); ``y`` 1 = same class, 0 = different.

    Each pair takes a uniform item of ``a`` and is same-class with probability
    ``positive_fraction``; a same-class pair adds a uniform ``b`` item of its
    class, a different-class pair a uniform ``b`` item of another class. Indexing with a tensor of
    indices returns a whole batch ``(x1 [B, ...], x2 [B, ...], y [B])`` (``uint8`` items as floats),
    so :func:`~siamkit.data.pair_loader`, :func:`~siamkit.fit` and
    :func:`~siamkit.evaluation.inference.pair_scores` take it like a :class:`~siamkit.data.PairDataset`.

    Args:
        a, b: labelled items sharing class ids (every class of ``a`` must be in ``b``).
        num_pairs: pairs per draw; ``resample(epoch)`` draws a fresh set seeded by ``(seed, epoch)``.
    """

    def __init__(self, a: LabeledData, b: LabeledData, num_pairs: int, positive_fraction: float = 0.5, seed: int = 0) -> None:
        if num_pairs < 1 or not 0.0 <= positive_fraction <= 1.0:
            raise ConfigError(f"need num_pairs ≥ 1 and positive_fraction in [0, 1], got {num_pairs}, {positive_fraction}")
        counts = torch.bincount(b.y, minlength=int(a.y.max()) + 1)
        missing = sorted(set(a.classes()) - set(torch.nonzero(counts).flatten().tolist()))
        if missing:
            raise DataError(f"classes {missing} have items in the first set but none in the second; every class needs both")
        if len(b.classes()) < 2:
            raise DataError("the second set has one class, so no different-class pair exists")
        self.a, self.b = a, b
        self.num_pairs, self.positive_fraction, self.seed = num_pairs, positive_fraction, seed
        self._order = torch.argsort(b.y, stable=True)
        self._counts = counts
        self._offsets = counts.cumsum(0) - counts
        self.resample(0)

    def resample(self, epoch: int) -> None:
        """Draw the pairs ``self.pairs [P, 2]`` (index into ``a``, index into ``b``) and ``self.labels [P]``."""
        g = torch.Generator().manual_seed(self.seed + 7919 * epoch)
        p = self.num_pairs
        first = torch.randint(len(self.a), (p,), generator=g)
        labels = (torch.rand(p, generator=g) < self.positive_fraction).long()
        cls = self.a.y[first]
        same_n = self._counts[cls]
        other_n = len(self.b) - same_n
        draw = (torch.rand(p, generator=g) * torch.where(labels == 1, same_n, other_n)).long()
        # Same class: the draw-th member of the class. Other class: skip over the class's block.
        rank = torch.where(labels == 1, self._offsets[cls] + draw, torch.where(draw < self._offsets[cls], draw, draw + same_n))
        self.pairs = torch.stack([first, self._order[rank]], dim=1)
        self.labels = labels

    def __len__(self) -> int:
        return self.num_pairs

    def __getitem__(self, index):
        pair = self.pairs[index]
        return as_float(self.a.x[pair[..., 0]]), as_float(self.b.x[pair[..., 1]]), self.labels[index]
