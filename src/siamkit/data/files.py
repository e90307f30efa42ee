"""Images on disk that stand in for an item tensor: decoded only when indexed, so a collection larger than
memory trains with one batch in memory at a time.

:class:`ImageFiles` answers what code asks of ``LabeledData.x`` (``len``, ``shape``, ``ndim``, ``dtype`` and
indexing by an int, a slice or an index tensor), giving ``uint8`` ``[B, C, H, W]`` (0–255 meaning [0, 1],
like an in-memory ``uint8`` tensor). Indexing inside a DataLoader's ``__getitem__`` decodes in its worker
processes. A file that cannot be decoded is reported by name (a :class:`UnreadableImageWarning`, once per
file and process) and comes back as zeros; :meth:`ImageFiles.load` also says which items decoded, so pair
and batch datasets can leave them out (see :mod:`siamkit.data.streaming`).
"""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Sequence

import numpy as np
import torch

from siamkit.core.errors import DataError
from siamkit.data.image_cache import CACHED, UNREADABLE, ImageCache
from siamkit.data.images import decode_image


class UnreadableImageWarning(UserWarning):
    """An image file could not be decoded while streaming; its item was left out of the batch."""


class ImageFiles:
    """``paths`` decoded to ``uint8`` ``[channels, *size]`` on demand; ``cache`` (optional) keeps decoded items.

    Args:
        paths: one image file per item.
        channels: 1 (grayscale) or 3 (RGB); every file is converted to it.
        size: ``(H, W)`` every file is resized to (bilinear, as :func:`~siamkit.data.images.load_image`).
        cache: an :class:`~siamkit.data.image_cache.ImageCache` of ``len(paths)`` items of this shape.
        skipped: messages about files of the collection left out before streaming (see ``stream_images``).

    Example:
        >>> files = ImageFiles([Path("a.png"), Path("b.png")], channels=1, size=(28, 28))  # doctest: +SKIP
        >>> files[torch.tensor([1, 0])].shape  # doctest: +SKIP
        torch.Size([2, 1, 28, 28])
    """

    dtype = torch.uint8
    ndim = 4

    def __init__(
        self,
        paths: Sequence[Path],
        channels: int,
        size: tuple[int, int],
        cache: ImageCache | None = None,
        skipped: Sequence[str] = (),
        positions: torch.Tensor | None = None,
    ) -> None:
        self.paths = list(paths)
        self.channels = channels
        self.size = (int(size[0]), int(size[1]))
        self.cache = cache
        self.skipped = list(skipped)
        self.positions = torch.arange(len(self.paths)) if positions is None else positions  # cache records
        self._reported: set[Path] = set()

    def __len__(self) -> int:
        return len(self.paths)

    @property
    def shape(self) -> torch.Size:
        return torch.Size((len(self.paths), self.channels, *self.size))

    def __repr__(self) -> str:
        cached = ", cached" if self.cache is not None else ""
        return f"ImageFiles({len(self)} files, {self.channels}×{self.size[0]}×{self.size[1]} uint8{cached})"

    def _indices(self, index) -> tuple[torch.Tensor, bool]:
        """``(long tensor of item indices, whether the index was a single int)``."""
        if isinstance(index, (int, np.integer)) or (isinstance(index, torch.Tensor) and index.ndim == 0):
            i = int(index)
            if not -len(self) <= i < len(self):
                raise IndexError(f"index {i} is out of range for {len(self)} image files")
            return torch.tensor([i % len(self)]), True
        if isinstance(index, slice):
            return torch.arange(len(self))[index], False
        index = torch.as_tensor(index)
        if index.dtype == torch.bool:
            index = torch.nonzero(index).flatten()
        return index.long().flatten(), False

    def subset(self, index) -> "ImageFiles":
        """The files at ``index`` (an index tensor, list or slice), still undecoded and sharing the cache."""
        chosen, _ = self._indices(index)
        paths = [self.paths[i] for i in chosen.tolist()]
        return ImageFiles(paths, self.channels, self.size, self.cache, self.skipped, self.positions[chosen])

    def load(self, index) -> tuple[torch.Tensor, torch.Tensor]:
        """Decode the items at ``index``: ``(uint8 [B, C, H, W], decoded [B] bool)`` (``[C, H, W]`` and a
        0-dim flag for an int). Items whose file cannot be decoded are zeros and flagged ``False``."""
        chosen, single = self._indices(index)
        out = torch.zeros((len(chosen), self.channels, *self.size), dtype=torch.uint8)
        ok = torch.ones(len(chosen), dtype=torch.bool)
        for row, i in enumerate(chosen.tolist()):
            pixels = self._item(i)
            if pixels is None:
                ok[row] = False
            else:
                out[row].numpy()[...] = pixels  # copies; cached records are read-only views
        return (out[0], ok[0]) if single else (out, ok)

    def __getitem__(self, index) -> torch.Tensor:
        return self.load(index)[0]

    def _item(self, i: int) -> np.ndarray | None:
        position = int(self.positions[i])
        if self.cache is not None:
            state, pixels = self.cache.read(position)
            if state == CACHED:
                return pixels
            if state == UNREADABLE:
                self._report(self.paths[i], "it could not be decoded when it was first cached")
                return None
        try:
            pixels = decode_image(self.paths[i], self.channels, self.size).numpy()
        except DataError as exc:
            if self.cache is not None:
                self.cache.mark_unreadable(position)
            self._report(self.paths[i], str(exc))
            return None
        if self.cache is not None:
            self.cache.write(position, pixels)
        return pixels

    def _report(self, path: Path, reason: str) -> None:
        if path not in self._reported:
            self._reported.add(path)
            warnings.warn(
                f"skipped {path}: {reason} (its item is left out of the batch)", UnreadableImageWarning, stacklevel=3
            )
