"""Find the :class:`~siamkit.doctor.layout.Layout` a user's model and loss take, by trying them on a
few real pairs (a copy of the model, eval mode, no gradient); explicit overrides win."""

from __future__ import annotations

import copy
from typing import Any

import torch
from torch import nn

from siamkit.core.errors import ConfigError
from siamkit.doctor.findings import Finding
from siamkit.doctor.layout import CALLS, Layout, parse_layout
from siamkit.doctor.sample import PairSample

PROBE = 3  # pairs per trial call: not 2, so [2, B, ...] and [B, 2, ...] cannot be confused
INDEX_LOSSES = (nn.CrossEntropyLoss, nn.NLLLoss, nn.MultiMarginLoss)


def _call_order(sample: PairSample) -> list[str]:
    first = [sample.stacked] if sample.stacked else []
    return first + [c for c in CALLS if c not in first]


def _output_of(raw: Any, n: int) -> str:
    """``score`` or ``two_class`` for a valid output of ``n`` pairs; raises ValueError otherwise."""
    if not torch.is_tensor(raw):
        raise ValueError(f"returned {type(raw).__name__}, not a tensor of scores")
    if tuple(raw.shape) in ((n,), (n, 1)):
        return "score"
    if tuple(raw.shape) == (n, 2):
        return "two_class"
    raise ValueError(f"returned {list(raw.shape)} for {n} pairs; expected [{n}], [{n}, 1] or [{n}, 2]")


def _target_order(output: str, loss: nn.Module | None, sample: PairSample) -> list[str]:
    if output == "score":
        return ["score"]
    if isinstance(loss, INDEX_LOSSES):
        return ["index", "one_hot"]
    return ["one_hot", "index"] if loss is not None or sample.one_hot else ["index", "one_hot"]


def detect_layout(
    model: nn.Module, sample: PairSample, loss: nn.Module | None, layout: str | Layout | None = None
) -> tuple[Layout, str]:
    """The layout ``model`` (and ``loss``, when given) accept on the first pairs of ``sample``, and
    ``"given"`` or ``"detected"``.

    Raises :class:`~siamkit.core.errors.ConfigError` naming every layout tried and why it failed.
    """
    overrides = parse_layout(layout)
    probe = copy.deepcopy(model).eval()
    x1, x2 = sample.x1[:PROBE], sample.x2[:PROBE]
    y = sample.labels[:PROBE].clamp(0, 1)
    n = len(x1)
    tried: list[str] = []
    calls = [overrides["call"]] if "call" in overrides else _call_order(sample)
    for call in calls:
        try:
            with torch.no_grad():
                raw = Layout(call).forward(probe, x1, x2)
            output = _output_of(raw, n)
        except Exception as exc:  # any failure means: not this layout
            tried.append(f"{CALLS[call]}: {type(exc).__name__}: {exc}")
            continue
        output = overrides.get("output", output)
        same = overrides.get("same_column", sample.same_column)
        targets = [overrides["targets"]] if "targets" in overrides else _target_order(output, loss, sample)
        for target in targets:
            candidate = Layout(call, output, same, target)
            if loss is None or _loss_accepts(loss, candidate, raw, y):
                return candidate, "given" if overrides else "detected"
        tried.append(f"{CALLS[call]} → {list(raw.shape)}: {type(loss).__name__} takes none of the targets {targets}")
    raise ConfigError(
        f"cannot call {type(model).__name__} on the pairs ({tuple(x1.shape)} each) in any layout:\n  "
        + "\n  ".join(tried)
        + "\nmake forward take (x1, x2), or name the layout: layout='stack1' (--layout stack1), 'stack0', "
        "'list' or 'pair', plus 'two_class' / 'same=0' / 'targets=index' for [B, 2] outputs"
    )


def _loss_accepts(loss: nn.Module, layout: Layout, raw: torch.Tensor, labels: torch.Tensor) -> bool:
    try:
        with torch.no_grad():
            value = loss(raw, layout.target(labels, raw))
        return torch.is_tensor(value) and value.numel() == 1
    except Exception:  # the loss rejects this target form
        return False


def layout_finding(layout: Layout, how: str, sample: PairSample) -> Finding:
    """The info finding that says which layout the diagnosis assumed."""
    return Finding(
        "doctor.layout",
        "info",
        f"{how} layout: model {layout.describe()}; data {sample.described}",
        {"call": layout.call, "output": layout.output, "same_column": layout.same_column,
         "targets": layout.targets, "data": sample.described, "how": how},
        "if this is not how your model takes a pair, pass layout= (CLI: --layout), e.g. 'stack0' or "
        "'stack1,two_class,same=0'",
    )
