"""Atomic file writes: write to a temporary file in the target folder, then rename over the target.

A crash mid-write leaves the previous file intact, never a half-written one.
"""

from __future__ import annotations

import json
import os
import re
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator

from siamkit.core.errors import CheckpointError

UNSAFE_IN_FILE_NAMES = re.compile(r'[\\/:*?"<>|\x00-\x1f]+')


def file_stem(name: str) -> str:
    """``name`` (e.g. a class name) made safe as one file name: path separators and characters that
    Windows forbids become ``-``, so ``"T-shirt/top"`` gives ``"T-shirt-top"``, not a sub-folder.

    Example:
        >>> file_stem("T-shirt/top")
        'T-shirt-top'
    """
    stem = UNSAFE_IN_FILE_NAMES.sub("-", name).strip(" .")
    return stem or "-"


@contextmanager
def atomic_path(path: str | Path) -> Iterator[Path]:
    """Yield a temporary path next to ``path``; on success rename it to ``path``, else delete it.

    Example:
        >>> with atomic_path("out.txt") as tmp:  # doctest: +SKIP
        ...     tmp.write_text("done")
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=path.suffix, dir=path.parent)
    os.close(fd)
    tmp = Path(name)
    try:
        yield tmp
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def write_json(path: str | Path, obj: Any) -> None:
    """Write ``obj`` as indented JSON, atomically."""
    with atomic_path(path) as tmp:
        tmp.write_text(json.dumps(obj, indent=2, sort_keys=True) + "\n")


def load_torch_file(path: str | Path, what: str, hint: str) -> Any:
    """``torch.load`` of ``path`` onto the CPU with ``weights_only=True`` (plain data only: no pickled code runs).

    A missing or unreadable file raises :class:`CheckpointError` naming ``what`` it should be, with ``hint``.
    """
    import torch

    path = Path(path)
    if not path.is_file():
        raise CheckpointError(f"{what} not found: {path}")
    try:
        return torch.load(path, map_location="cpu", weights_only=True)
    except Exception as exc:  # torch raises many types for corrupt or foreign files
        raise CheckpointError(f"cannot read {what} {path}: {type(exc).__name__}; {hint}") from None
