"""The project's conventions, coded once.

- Pair label: **1 = same / similar, 0 = different.**
- A score is either a ``"distance"`` (smaller = more alike) or a ``"similarity"`` (larger = more
  alike; logits of "same" are similarities). Never mixed, never guessed.
"""

from __future__ import annotations

import torch

from siamkit.core.errors import ConfigError, LabelError

SCORE_KINDS = ("distance", "similarity")


def to_similarity(scores: torch.Tensor, score_kind: str) -> torch.Tensor:
    """Orient ``scores`` so that larger always means "more alike" (distances are negated)."""
    if score_kind not in SCORE_KINDS:
        raise ConfigError(f"score_kind must be one of {SCORE_KINDS}, got '{score_kind}'")
    return -scores if score_kind == "distance" else scores


def check_pair_labels(labels: torch.Tensor, what: str = "pair labels") -> None:
    """Raise :class:`LabelError` unless every label is 0 or 1 (1 = same, 0 = different).

    Catches the usual mistakes: ±1 labels (as ``CosineEmbeddingLoss`` uses) and class ids passed
    where pair labels are expected.
    """
    if labels.numel() == 0:
        return
    bad = (labels != 0) & (labels != 1)
    if bool(bad.any()):
        values = torch.unique(labels[bad])[:5].tolist()
        hint = (
            "; labels look like ±1: map them with y01 = (y + 1) / 2"
            if bool((labels == -1).any())
            else "; class ids must be turned into pair labels (1 if both items share a class)"
        )
        raise LabelError(f"{what} must be 0 (different) or 1 (same), found {values}{hint}")
