"""Named constructors for model parts, so a checkpoint or the CLI can rebuild a model from plain data.

A *spec* is a JSON-able dict ``{"name": str, "args": dict}``. Each registered class stores the
arguments it was built with in ``self.spec_args`` (plain values, or nested specs for sub-modules) and
may override ``from_spec_args`` to rebuild nested parts.

Example:
    >>> from siamkit.nn.encoders import ENCODERS
    >>> enc = ENCODERS.build({"name": "mlp", "args": {"in_features": 64, "embedding_dim": 8}})
    >>> spec_of(enc)["name"]
    'mlp'
"""

from __future__ import annotations

import importlib
from typing import Any, Callable, TypeVar

from torch import nn

from siamkit.core.errors import ConfigError

T = TypeVar("T", bound=type)


class Registry:
    """A name → class table for one kind of part (encoder, head, model)."""

    def __init__(self, kind: str) -> None:
        self.kind = kind
        self._classes: dict[str, type] = {}
        self._lazy: dict[str, str] = {}

    def register(self, name: str) -> Callable[[T], T]:
        """Class decorator: make ``cls`` buildable as ``name`` and record the name on the class."""

        def decorate(cls: T) -> T:
            if name in self._classes:
                raise ValueError(f"{self.kind} '{name}' is registered twice")
            cls.registry_name = name
            self._classes[name] = cls
            return cls

        return decorate

    def register_lazy(self, name: str, module: str) -> None:
        """Declare that importing ``module`` registers ``name`` (for parts whose module cannot be
        imported where the registry lives, e.g. because it imports that module itself)."""
        self._lazy[name] = module

    def names(self) -> list[str]:
        return sorted(set(self._classes) | set(self._lazy))

    def get(self, name: str) -> type:
        if name not in self._classes and name in self._lazy:
            importlib.import_module(self._lazy[name])
        try:
            return self._classes[name]
        except KeyError:
            raise ConfigError(
                f"unknown {self.kind} '{name}'; choose one of: {', '.join(self.names())}"
            ) from None

    def build(self, spec: dict[str, Any]) -> nn.Module:
        """Build a part from ``{"name": ..., "args": {...}}``."""
        cls = self.get(spec["name"])
        return cls.from_spec_args(**spec.get("args", {}))


class Buildable:
    """Mixin for registered modules: keeps constructor arguments so the module can be rebuilt."""

    registry_name: str = ""
    spec_args: dict[str, Any]

    @classmethod
    def from_spec_args(cls, **args: Any) -> nn.Module:
        return cls(**args)


def spec_of(module: nn.Module) -> dict[str, Any]:
    """The spec that rebuilds ``module`` (weights not included)."""
    if not isinstance(module, Buildable) or not module.registry_name:
        raise ConfigError(
            f"{type(module).__name__} is not a registered siamkit part, so a checkpoint cannot "
            "rebuild it; register it with a Registry or save its state_dict yourself"
        )
    return {"name": module.registry_name, "args": dict(module.spec_args)}
