"""The optimizer of a diagnosis as a recipe (class + hyper-parameters), rebuilt on each probe's copy."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterable

import torch
from torch import nn

from siamkit.core.errors import ConfigError


@dataclass
class OptimizerRecipe:
    """An optimizer class and its hyper-parameters, rebuilt on any parameters (e.g. a probe's copy)."""

    cls: type
    kwargs: dict[str, Any]

    @classmethod
    def of(cls, optimizer: Any) -> "OptimizerRecipe":
        """From an optimizer instance, a factory ``params -> optimizer``, or ``None`` (Adam, lr 1e-3)."""
        if optimizer is None:
            return cls(torch.optim.Adam, {"lr": 1e-3})
        if not isinstance(optimizer, torch.optim.Optimizer):
            if not callable(optimizer):
                raise ConfigError(
                    f"optimizer must be a torch optimizer or a function params -> optimizer, got "
                    f"{type(optimizer).__name__}"
                )
            optimizer = optimizer([nn.Parameter(torch.zeros(1))])
        group = optimizer.param_groups[0]
        kwargs = {k: group.get(k, v) for k, v in optimizer.defaults.items()}
        return cls(type(optimizer), kwargs)

    @property
    def lr(self) -> float:
        return float(self.kwargs["lr"])

    def build(self, params: Iterable[nn.Parameter], lr: float | None = None) -> torch.optim.Optimizer:
        kwargs = dict(self.kwargs)
        if lr is not None:
            kwargs["lr"] = lr
        return self.cls(params, **kwargs)

    def describe(self, lr: float | None = None) -> str:
        return f"{self.cls.__name__}(lr={self.lr if lr is None else lr:g})"


REFERENCE_OPTIMIZER = OptimizerRecipe(torch.optim.Adam, {"lr": 1e-3})
