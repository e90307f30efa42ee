"""How a user's model takes a pair and what it returns: the doctor's :class:`Layout`.

Call layouts (``call``):

- ``pair``: ``forward(x1 [B, ...], x2 [B, ...])``;
- ``stack1``: ``forward(data)`` with ``data = torch.stack([x1, x2], 1)`` ``[B, 2, ...]``;
- ``stack0``: ``forward(data)`` with ``data = torch.stack([x1, x2])`` ``[2, B, ...]``;
- ``list``: ``forward([x1, x2])``.

Output layouts (``output``): ``score`` (``[B]`` or ``[B, 1]``) or ``two_class`` (``[B, 2]`` logits or
probabilities; column ``same_column`` means "same"). Loss targets (``targets``): ``score`` (the labels
shaped like the output), ``one_hot`` (``[B, 2]``) or ``index`` (class ids ``[B]``, for cross-entropy).
Pair labels: 1 = same, 0 = different.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

import torch
from torch import nn

from siamkit.core.errors import ConfigError

CALLS = {
    "pair": "forward(x1, x2)",
    "stack1": "forward(torch.stack([x1, x2], 1))  # [B, 2, ...]",
    "stack0": "forward(torch.stack([x1, x2]))  # [2, B, ...]",
    "list": "forward([x1, x2])",
}
OUTPUTS = ("score", "two_class")
TARGETS = ("score", "one_hot", "index")


@dataclass(frozen=True)
class Layout:
    """One way of calling the model on a pair and reading a score ``[B]`` from what it returns."""

    call: str = "pair"
    output: str = "score"
    same_column: int = 1
    targets: str = "score"

    def __post_init__(self) -> None:
        if self.call not in CALLS or self.output not in OUTPUTS or self.targets not in TARGETS:
            raise ConfigError(
                f"layout call must be one of {list(CALLS)}, output one of {list(OUTPUTS)}, targets one of "
                f"{list(TARGETS)}; got {self.call}, {self.output}, {self.targets}"
            )
        if self.same_column not in (0, 1):
            raise ConfigError(f"same_column must be 0 or 1, got {self.same_column}")

    def forward(self, model: nn.Module, x1: torch.Tensor, x2: torch.Tensor) -> Any:
        """Call ``model`` on the pair ``x1, x2`` (both ``[B, ...]``) in this layout; the raw output."""
        if self.call == "pair":
            return model(x1, x2)
        if self.call == "list":
            return model([x1, x2])
        return model(torch.stack([x1, x2], 1 if self.call == "stack1" else 0))

    def score(self, raw: torch.Tensor) -> torch.Tensor:
        """The score of "same" ``[B]``: the output itself, or column ``same`` minus the other one."""
        if self.output == "two_class":
            return raw[:, self.same_column] - raw[:, 1 - self.same_column]
        return raw.reshape(-1)

    def target(self, labels: torch.Tensor, raw: torch.Tensor) -> torch.Tensor:
        """Pair labels ``[B]`` (1 = same) in the form the loss takes next to ``raw``."""
        if self.targets == "index":
            return (labels if self.same_column == 1 else 1 - labels).long()
        labels = labels.to(raw.dtype)
        if self.targets == "one_hot":
            columns = [1 - labels, labels] if self.same_column == 1 else [labels, 1 - labels]
            return torch.stack(columns, 1)
        return labels.reshape(raw.shape)

    def describe(self) -> str:
        out = "a score [B]" if self.output == "score" else f"two classes [B, 2], column {self.same_column} = same"
        return f"{CALLS[self.call].split('  #')[0]} → {out}; loss targets: {self.targets}"


def parse_layout(text: str | Layout | None) -> dict[str, Any]:
    """Overrides from ``layout=`` / ``--layout``: a :class:`Layout`, or comma-separated words such as
    ``"stack1"``, ``"stack0,two_class"`` or ``"pair,two_class,same=0,targets=index"``."""
    if text is None:
        return {}
    if isinstance(text, Layout):
        return {k: getattr(text, k) for k in ("call", "output", "same_column", "targets")}
    overrides: dict[str, Any] = {}
    for word in (w.strip() for w in str(text).split(",") if w.strip()):
        key, _, value = word.partition("=")
        if not value and key in CALLS:
            overrides["call"] = key
        elif not value and key in OUTPUTS:
            overrides["output"] = key
        elif key == "same" and value in ("0", "1"):
            overrides["same_column"] = int(value)
        elif key == "targets" and value in TARGETS:
            overrides["targets"] = value
        else:
            raise ConfigError(
                f"unknown layout word '{word}': use a call ({', '.join(CALLS)}), an output "
                f"({', '.join(OUTPUTS)}), same=0|1 or targets=({'|'.join(TARGETS)}), comma-separated"
            )
    Layout(**overrides)  # validates the combination
    return overrides


def with_overrides(layout: Layout, overrides: dict[str, Any]) -> Layout:
    return replace(layout, **overrides)
