"""Class-disjoint and stratified splits of labelled items into train / validation / test of the seen
classes and the unseen (held-out) classes.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import torch

from siamkit.core.errors import DataError
from siamkit.data import (
    LabeledData,
    class_disjoint_split,
    stratified_split,
)
from siamkit.data.glyphs import character_split

DEFAULT_HELD_OUT = {"digits": ["7", "8", "9"], "fashion-mnist": ["Sneaker", "Bag", "Ankle boot"]}
# data sets with a fixed (train, validation, test) split of their class names (see siamkit.data.glyphs)
CLASS_SPLITS = {"glyphs": character_split}


@dataclass
class Splits:
    """Disjoint item sets: train / val / test of the seen classes, and all items of unseen classes."""

    train: LabeledData
    val: LabeledData
    test: LabeledData
    unseen: LabeledData | None
    held_out: list[str]
    val_classes: list[str] = field(default_factory=list)


def default_held_out(data: LabeledData) -> list[str]:
    if data.name in CLASS_SPLITS:
        return CLASS_SPLITS[data.name](data.class_names)[2]
    if data.name in DEFAULT_HELD_OUT:
        return DEFAULT_HELD_OUT[data.name]
    names = [data.class_names[k] for k in data.classes()]
    return names[-math.ceil(0.3 * len(names)) :] if len(names) >= 5 else []


def held_out_split(data: LabeledData, held_out: list[str]) -> tuple[torch.Tensor, torch.Tensor]:
    """Item indices ``(seen, unseen)``: ``unseen`` are the items of the classes named in ``held_out``.
    A name that is not one of ``data``'s classes is a :class:`DataError` listing the classes."""
    unknown = [name for name in held_out if name not in data.class_names]
    if unknown:
        raise DataError(
            f"held-out classes {unknown} are not in {data.name} (its classes: "
            f"{', '.join(data.class_names)})"
        )
    return class_disjoint_split(data.y, [data.class_names.index(n) for n in held_out])


def split_data(
    data: LabeledData,
    held_out: list[str] | None,
    fractions: tuple[float, ...],
    seed: int,
    val_classes: list[str] | None = None,
) -> Splits:
    """Hold out whole classes (by name), then split the rest into train / val / test.

    Data in :data:`CLASS_SPLITS` (``glyphs``) has a fixed split of its classes: with ``held_out`` and
    ``val_classes`` both ``None`` its test classes are held out and its validation classes validate.

    Without an official split, seen-class items are split stratified by ``fractions``. With one
    (``data.split``: 0 = official train, 1 = official test), the official test items of seen classes
    are the test set, the official train items are split train / val in the ratio of the first two
    fractions, and only official test items of held-out classes are scored as unseen.

    ``val_classes`` (class names, disjoint from ``held_out``): class-disjoint validation (Musgrave et al.
    2020): every item of these seen classes (official train items only, with an official split) is the
    validation set and training never draws from them; train / test then split the other seen classes in
    the ratio of the first and last fractions. The best epoch and the threshold for new identities are
    thus chosen on classes training never saw, never on the test or unseen classes.
    """
    if val_classes is None and held_out is None and data.name in CLASS_SPLITS:
        val_classes = CLASS_SPLITS[data.name](data.class_names)[1]
    held_out = default_held_out(data) if held_out is None else list(held_out)
    val_classes = list(val_classes or [])
    if set(val_classes) & set(held_out):
        raise DataError(
            f"validation classes {sorted(set(val_classes) & set(held_out))} are also held out as unseen; "
            "a class is either for validation or for the final test, never both"
        )
    unseen = None
    seen_data = data
    if held_out:
        seen_idx, unseen_idx = held_out_split(data, held_out)
        seen_data, unseen = data.subset(seen_idx), data.subset(unseen_idx)
    val = None
    if val_classes:
        rest_idx, val_idx = held_out_split(seen_data, val_classes)
        seen_data, val = seen_data.subset(rest_idx), seen_data.subset(val_idx)
        if val.split is not None:
            val = val.subset(torch.nonzero(val.split == 0).flatten())
    if seen_data.split is None:
        if val is None:
            train, val, test = (seen_data.subset(p) for p in stratified_split(seen_data.y, fractions, seed))
        else:
            share = fractions[0] / (fractions[0] + fractions[-1])
            train, test = (seen_data.subset(p) for p in stratified_split(seen_data.y, (share, 1 - share), seed))
    else:
        official_train = seen_data.subset(torch.nonzero(seen_data.split == 0).flatten())
        test = seen_data.subset(torch.nonzero(seen_data.split == 1).flatten())
        if val is None:
            share = fractions[0] / (fractions[0] + fractions[1])
            train, val = (official_train.subset(p) for p in stratified_split(official_train.y, (share, 1 - share), seed))
        else:
            train = official_train
        if unseen is not None:
            unseen = unseen.subset(torch.nonzero(unseen.split == 1).flatten())
    for name, part in (("train", train), ("validation", val), ("test", test)):
        if len(part.classes()) < 2:
            raise DataError(
                f"the {name} split of {data.name} has fewer than two classes; add data or hold out fewer classes"
            )
    unseen = unseen if unseen is not None and len(unseen.classes()) >= 2 else None
    return Splits(train, val, test, unseen, held_out, val_classes)


def stored_split(data: LabeledData, stored: dict) -> Splits:
    """The split a training run stored in its checkpoint (``meta["split"]``: ``held_out``, ``val_classes``,
    ``fractions``, ``seed``), rebuilt on ``data`` exactly as :func:`split_data` made it."""
    return split_data(
        data, stored.get("held_out"), tuple(stored["fractions"]), stored.get("seed", 0), stored.get("val_classes")
    )
