"""A disk cache of decoded images: ``uint8`` ``[C, H, W]`` at the training size, one fixed-size record per item.

Each record is one state byte (0 = not cached yet, 1 = cached, 2 = the file could not be decoded) and the
``C·H·W`` pixel bytes. Records are read and written with ``pread`` / ``pwrite``, so every DataLoader worker
process shares one file without locks: the pixels are written before the state byte says they are there,
and two workers caching one item write the same bytes. The file goes through the page cache, not through the
processes' memory, so a cache larger than RAM works and adds nothing to their resident size.

The file is created empty (sparse) under a temporary name and renamed into place; a cache whose size does
not match the collection is replaced the same way.
"""

from __future__ import annotations

import hashlib
import math
import os
from pathlib import Path
from typing import Sequence

import numpy as np

from siamkit.core.fileio import atomic_path
from siamkit.core.resources import siamkit_home

MISSING, CACHED, UNREADABLE = 0, 1, 2


def default_cache_dir() -> Path:
    """Where image caches live by default: ``$SIAMKIT_HOME/images`` (else ``~/.cache/siamkit/images``)."""
    return siamkit_home() / "images"


def cache_key(paths: Sequence[Path], item_shape: tuple[int, int, int]) -> str:
    """A name for the cache of ``paths`` decoded to ``item_shape``: changes when a file's path, size or
    modification time does, or when the shape does."""
    digest = hashlib.sha256(repr(tuple(item_shape)).encode())
    for path in paths:
        try:
            stat = os.stat(path)
            stamp = f"{stat.st_size}:{stat.st_mtime_ns}"
        except OSError:
            stamp = "missing"
        digest.update(f"{os.path.abspath(path)}\0{stamp}\n".encode())
    return digest.hexdigest()[:24]


class ImageCache:
    """``count`` cached items of ``item_shape`` ``(C, H, W)`` in the file ``path`` (created if absent).

    :meth:`read` gives ``(state, pixels)``; :meth:`write` stores an item's pixels, :meth:`mark_unreadable` that
    it cannot be decoded. Safe to use from several processes at once (see the module docstring).
    """

    def __init__(self, path: str | Path, count: int, item_shape: tuple[int, int, int]) -> None:
        self.path = Path(path)
        self.count = count
        self.item_shape = tuple(item_shape)
        self.item_bytes = math.prod(self.item_shape)
        self.record = 1 + self.item_bytes
        if not self.path.is_file() or self.path.stat().st_size != count * self.record:
            with atomic_path(self.path) as tmp:
                with tmp.open("wb") as f:
                    f.truncate(count * self.record)
        self._fd: int | None = None
        self._pid: int | None = None

    def _file(self) -> int:
        if self._fd is None or self._pid != os.getpid():  # a forked worker opens its own descriptor
            self._fd, self._pid = os.open(self.path, os.O_RDWR), os.getpid()
        return self._fd

    def read(self, position: int) -> tuple[int, np.ndarray | None]:
        """``(state, pixels [C, H, W] uint8 or None)`` of item ``position``."""
        data = os.pread(self._file(), self.record, position * self.record)
        if len(data) < self.record or data[0] != CACHED:
            return (data[0] if data else MISSING), None
        return CACHED, np.frombuffer(data, dtype=np.uint8, offset=1).reshape(self.item_shape)

    def write(self, position: int, pixels: np.ndarray) -> None:
        """Store item ``position``'s ``uint8`` pixels ``[C, H, W]``, then mark it cached."""
        os.pwrite(self._file(), np.ascontiguousarray(pixels, dtype=np.uint8).tobytes(), position * self.record + 1)
        os.pwrite(self._file(), bytes([CACHED]), position * self.record)

    def mark_unreadable(self, position: int) -> None:
        os.pwrite(self._file(), bytes([UNREADABLE]), position * self.record)

    def __getstate__(self) -> dict:
        return {**self.__dict__, "_fd": None, "_pid": None}

    def __del__(self) -> None:
        if self._fd is not None and self._pid == os.getpid():
            os.close(self._fd)
