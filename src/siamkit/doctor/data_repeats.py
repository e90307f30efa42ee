"""Data checks for the classic indexing bugs: one pair repeated across the data set, and identical
inputs that carry both labels. Pair labels: 1 = same, 0 = different.

A pair's content is its two halves, unordered (the task is symmetric): ``(a, b)`` and ``(b, a)`` are
one pair. Exact content only: near-duplicates are ``data.identical_pairs``' business.
"""

from __future__ import annotations

import torch

from siamkit.doctor.context import DoctorContext, Skip
from siamkit.doctor.data_checks import content_ids
from siamkit.doctor.findings import Finding

REPEAT_ERROR, REPEAT_WARNING = 0.5, 0.2  # share of pairs that copy another one
CONFLICT_ERROR = 0.05  # share of pairs whose exact inputs also occur with the other label


def pair_content_ids(ctx: DoctorContext) -> torch.Tensor:
    """An id per pair ``[P]``: equal ids = the same two inputs (in either order)."""
    s = ctx.sample
    ids = content_ids(torch.cat([s.x1, s.x2]))
    a, b = ids[: len(s)], ids[len(s) :]
    key = torch.stack([torch.minimum(a, b), torch.maximum(a, b)], 1)
    return torch.unique(key, dim=0, return_inverse=True)[1]


def repeated_pairs(ctx: DoctorContext) -> list[Finding]:
    ids = pair_content_ids(ctx)
    pairs, distinct = len(ids), int(ids.max()) + 1
    repeats = 1.0 - distinct / pairs
    if pairs < 8 or repeats < REPEAT_WARNING:
        return []
    top = int(torch.bincount(ids).max())
    items = int(content_ids(ctx.sample.items).max()) + 1
    evidence = {"pairs": pairs, "distinct_pairs": distinct, "repeated_share": round(repeats, 4),
                "most_common_pair_count": top, "distinct_items": items}
    title = (
        f"every one of the {pairs} pairs is the same two inputs" if distinct == 1
        else f"the {pairs} pairs hold only {distinct} distinct pairs of inputs ({repeats:.0%} are copies; "
        f"the most common one appears {top} times)"
    )
    return [
        Finding(
            "data.repeated_pairs",
            "error" if repeats >= REPEAT_ERROR else "warning",
            title,
            evidence,
            "the dataset indexes the same items for every pair: build item k from its own indices "
            "(x[k] = stack([images[i_k], images[j_k]]), not images[0], images[1]) and check len(dataset) "
            "items really differ",
        )
    ]


def conflicting_labels(ctx: DoctorContext) -> list[Finding]:
    if not ctx.sample.binary_labels:
        raise Skip("labels are not 0/1")
    ids, labels = pair_content_ids(ctx), ctx.sample.labels
    groups = int(ids.max()) + 1
    positives = torch.zeros(groups, dtype=torch.double).index_add_(0, ids, labels.double())
    sizes = torch.bincount(ids, minlength=groups).double()
    mixed = (positives > 0) & (positives < sizes)
    share = float(mixed[ids].double().mean())
    if share < CONFLICT_ERROR:
        return []
    return [
        Finding(
            "data.conflicting_labels",
            "error",
            f"{int(mixed[ids].sum())} of {len(ids)} pairs are identical inputs that carry both labels "
            "(the same two inputs labelled 'same' and 'different'): no model can fit them",
            {"pairs": len(ids), "conflicting_pairs": int(mixed[ids].sum()), "conflicting_share": round(share, 4),
             "conflicting_pair_contents": int(mixed.sum())},
            "each label must belong to its own pair: check that items and labels are indexed together "
            "(one index k for x[k] and y[k]) and that no pair is built from fixed positions",
        )
    ]
