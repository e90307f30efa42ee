"""Record which leaf modules a forward pass ran, with their outputs, and the inputs of the pair head."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable

import torch
from torch import nn


@dataclass
class Trace:
    """Leaf modules in the order they ran, with their outputs, and where the head started."""

    leaves: list[tuple[str, nn.Module, Any]] = field(default_factory=list)
    head_start: int | None = None
    head_inputs: tuple[torch.Tensor, torch.Tensor] | None = None


def trace_forward(model: nn.Module, fn: Callable[[], Any]) -> Trace:
    """Run ``fn`` (which calls ``model``) while recording every executed leaf module of ``model``."""
    trace = Trace()
    handles = []
    for name, module in model.named_modules():
        if not list(module.children()):
            handles.append(
                module.register_forward_hook(
                    lambda m, args, out, name=name: trace.leaves.append((name, m, out))
                )
            )
    head = getattr(model, "head", None)
    if isinstance(head, nn.Module):

        def at_head(module: nn.Module, args: tuple) -> None:
            if trace.head_start is None:
                trace.head_start = len(trace.leaves)
                if len(args) >= 2 and all(torch.is_tensor(a) for a in args[:2]):
                    trace.head_inputs = (args[0].detach(), args[1].detach())

        handles.append(head.register_forward_pre_hook(at_head))
    try:
        fn()
    finally:
        for handle in handles:
            handle.remove()
    return trace
