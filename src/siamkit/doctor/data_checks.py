"""Data checks: labels, balance, pairs whose halves are the same image, degenerate inputs, leaks.

Each check reads the :class:`~siamkit.doctor.context.DoctorContext` and returns findings.
Pair labels: 1 = same, 0 = different.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

from siamkit.data.labeled import as_float
from siamkit.doctor.context import DoctorContext, Skip
from siamkit.doctor.findings import Finding

IDENTICAL_ERROR_SHARE = 0.75  # of all pairs with identical halves: an error whatever the labels say


def content_ids(items: torch.Tensor, near: bool = False) -> torch.Tensor:
    """An id per item ``[N]``: equal ids = equal content (exact), or = near-duplicates (``near``).

    The near-duplicate key is a small perceptual hash: images ``[N, C, H, W]`` are average-pooled to
    at most 8×8 and every value is quantized to 32 levels of the items' overall range, so tiny
    noise or re-encoding does not change it, but black and white images stay apart.
    """
    x = items.detach().float()
    if near:
        if x.ndim == 4:
            x = F.adaptive_avg_pool2d(x, (min(8, x.shape[2]), min(8, x.shape[3])))
        x = torch.nan_to_num(x.flatten(1))
        lo, hi = float(x.min()), float(x.max())
        x = ((x - lo) / max(hi - lo, 1e-12) * 31).round()
    return torch.unique(x.flatten(1), dim=0, return_inverse=True)[1]


def _pair_ids(ctx: DoctorContext, near: bool) -> tuple[torch.Tensor, torch.Tensor]:
    s = ctx.sample
    ids = content_ids(torch.cat([s.x1, s.x2]), near)
    return ids[: len(s)], ids[len(s) :]


def labels_not_binary(ctx: DoctorContext) -> list[Finding]:
    y = ctx.sample.labels
    bad = (y != 0) & (y != 1)
    if not bool(bad.any()):
        return []
    values = torch.unique(y)
    if bool((values == -1).any()) and bool(((values == -1) | (values == 1)).all()):
        fix = "labels look like ±1 (CosineEmbeddingLoss style): map them with y01 = (y + 1) / 2"
    else:
        fix = "turn class ids into pair labels: y = 1 if both items share a class, else 0"
    return [
        Finding(
            "data.labels_not_binary",
            "error",
            "pair labels are not all 0 (different) or 1 (same)",
            {"bad_labels": int(bad.sum()), "pairs": len(y), "values": ", ".join(f"{v:g}" for v in values[:6].tolist())},
            fix,
        )
    ]


def label_balance(ctx: DoctorContext) -> list[Finding]:
    y = ctx.sample.labels
    if not ctx.sample.binary_labels:
        raise Skip("labels are not 0/1")
    same = float((y == 1).double().mean())
    majority = max(same, 1.0 - same)
    if majority < 0.75:
        return []
    constant = "same" if same > 0.5 else "different"
    return [
        Finding(
            "data.label_imbalance",
            "error" if majority >= 0.9 else "warning",
            f"pairs are {majority:.0%} '{constant}': always answering '{constant}' scores {majority:.0%}",
            {"same_fraction": round(same, 4), "constant_answer_accuracy": round(majority, 4), "pairs": len(y)},
            "draw balanced pairs (siamkit.PairDataset does, positive_fraction=0.5), or weight the loss "
            "(pos_weight) and judge by ROC AUC / EER instead of accuracy",
        )
    ]


def identical_pairs(ctx: DoctorContext) -> list[Finding]:
    s = ctx.sample
    exact = (s.x1 == s.x2).flatten(1).all(dim=1)
    a, b = _pair_ids(ctx, near=True)
    near = (a == b) & ~exact
    twin = exact | near
    negatives, positives = s.labels == 0, s.labels == 1
    twin_neg = float(twin[negatives].double().mean()) if bool(negatives.any()) else 0.0
    twin_pos = float(twin[positives].double().mean()) if bool(positives.any()) else 0.0
    distinct = int(content_ids(s.items).max()) + 1 if len(s.items) else 0
    evidence = {
        "pairs": len(s),
        "identical_pairs": int(exact.sum()),
        "near_duplicate_pairs": int(near.sum()),
        "different_pairs_with_identical_halves": round(twin_neg, 4),
        "same_pairs_with_identical_halves": round(twin_pos, 4),
        "distinct_items": distinct,
    }
    share = float(twin.double().mean())
    if twin_neg >= 0.05 or share >= IDENTICAL_ERROR_SHARE:
        return [
            Finding(
                "data.identical_pairs",
                "error",
                f"{int(twin.sum())} of {len(s)} pairs ({share:.0%}) feed the same image as both halves, "
                f"{twin_neg:.0%} of the 'different' pairs included",
                evidence,
                "the pair loader indexes one item twice: return items[i], items[j] for the two different "
                "indices of each pair (e.g. x1 = items[pairs[k, 0]], x2 = items[pairs[k, 1]])",
            )
        ]
    if twin_pos >= 0.5 and distinct >= 10:
        return [
            Finding(
                "data.identical_pairs",
                "warning",
                f"{twin_pos:.0%} of the 'same' pairs are an item paired with (a copy of) itself",
                evidence,
                "pair different items of one class (PairDataset with allow_self_pairs=False); the model "
                "otherwise learns 'identical', not 'same class'",
            )
        ]
    return []


def degenerate_inputs(ctx: DoctorContext) -> list[Finding]:
    items = as_float(ctx.sample.items)
    if not items.dtype.is_floating_point:
        raise Skip("inputs are integer ids (e.g. tokens), not images or feature vectors")
    findings = []
    flat = items.flatten(1)
    nonfinite = ~torch.isfinite(flat).all(dim=1)
    if bool(nonfinite.any()):
        findings.append(
            Finding(
                "data.nonfinite_inputs",
                "error",
                f"{int(nonfinite.sum())} of {len(items)} inputs contain NaN or Inf",
                {"items": len(items), "nonfinite_items": int(nonfinite.sum())},
                "find the broken files or the normalisation that divides by zero (std of a constant "
                "image); drop or repair those items",
            )
        )
    finite = flat[~nonfinite]
    if len(finite) == 0:
        return findings
    constant = (finite.amax(dim=1) == finite.amin(dim=1))
    distinct = int(content_ids(finite).max()) + 1
    evidence = {"items": len(finite), "constant_items": int(constant.sum()), "distinct_items": distinct}
    if distinct == 1 and len(finite) > 1:
        findings.append(
            Finding(
                "data.degenerate_inputs",
                "error",
                "every input is the same tensor: there is nothing to compare",
                evidence,
                "check the loading and transform pipeline (an all-zero tensor, a wrong channel, a "
                "normalisation to a constant)",
            )
        )
    elif bool(constant.all()):
        findings.append(
            Finding(
                "data.degenerate_inputs",
                "info",
                "every input is a constant image: only its intensity can carry the label",
                evidence,
                "fine for a synthetic colour task; otherwise images were not read (blank) or were "
                "normalised away",
            )
        )
    elif bool(constant.any()):
        findings.append(
            Finding(
                "data.degenerate_inputs",
                "warning",
                f"{int(constant.sum())} of {len(finite)} inputs are constant (blank) images",
                evidence,
                "find the unreadable or blank files (or a transform that wipes them) and drop them",
            )
        )
    return findings


def pair_class_consistency(ctx: DoctorContext) -> list[Finding]:
    s = ctx.sample
    if s.classes is None:
        raise Skip("the class of each half is not known")
    if not s.binary_labels:
        raise Skip("labels are not 0/1")
    expected = (s.classes[:, 0] == s.classes[:, 1]).double()
    agree = float((expected == s.labels).double().mean())
    if agree >= 0.98:
        return []
    inverted = agree <= 0.05
    return [
        Finding(
            "data.labels_inverted" if inverted else "data.labels_inconsistent",
            "error",
            "pair labels are the opposite of the class labels (0 = same?)"
            if inverted
            else f"{1 - agree:.0%} of pair labels disagree with the classes of their two items",
            {"pairs": len(s), "agreement": round(agree, 4)},
            "siamkit's convention is 1 = same, 0 = different: use y = 1 - y (or "
            "ContrastiveLoss(similar_label=0) for data in Hadsell's convention)"
            if inverted
            else "build pair labels from the item classes: y = (class[i] == class[j])",
        )
    ]


def train_test_overlap(ctx: DoctorContext) -> list[Finding]:
    if ctx.test_items is None:
        raise Skip("no test data given")
    train, test = ctx.sample.items, ctx.test_items
    if train.shape[1:] != test.shape[1:]:
        raise Skip(f"train items {tuple(train.shape[1:])} and test items {tuple(test.shape[1:])} differ in shape")
    ids = content_ids(torch.cat([train, test]))
    train_ids, test_ids = torch.unique(ids[: len(train)]), torch.unique(ids[len(train) :])
    leaked = int(torch.isin(test_ids, train_ids).sum())
    if leaked == 0:
        return []
    share = leaked / len(test_ids)
    return [
        Finding(
            "data.train_test_overlap",
            "error" if share >= 0.05 else "warning",
            f"{leaked} of {len(test_ids)} distinct test items also occur in the training data",
            {"leaked_items": leaked, "distinct_test_items": len(test_ids), "share": round(share, 4)},
            "split items (not pairs) before drawing pairs, and remove duplicate files across splits; "
            "test metrics are inflated until then",
        )
    ]
