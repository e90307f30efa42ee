"""Packages whose public names are imported on first use, so ``import siamkit`` stays fast.

Example (in a package's ``__init__.py``)::

    __getattr__, __dir__, __all__ = lazy_exports(__name__, {"fit": "siamkit.training.trainer"})
"""

from __future__ import annotations

import importlib
import sys
from typing import Any, Callable


def lazy_exports(
    package: str, exports: dict[str, str]
) -> tuple[Callable[[str], Any], Callable[[], list[str]], list[str]]:
    """``(__getattr__, __dir__, __all__)`` for ``package``: name ``n`` is ``exports[n]``'s attribute ``n``
    (or the sub-module itself when ``exports[n]`` is ``f"{package}.{n}"``), imported when first read and
    then cached in the package's namespace."""
    names = sorted(exports)

    def __getattr__(name: str) -> Any:
        if name not in exports:
            raise AttributeError(f"module '{package}' has no attribute '{name}'")
        module = importlib.import_module(exports[name])
        value = module if exports[name] == f"{package}.{name}" else getattr(module, name)
        setattr(sys.modules[package], name, value)
        return value

    def __dir__() -> list[str]:
        return names

    return __getattr__, __dir__, names
