"""Labelled items held in memory: the input every pair and triplet builder starts from."""

from __future__ import annotations

from dataclasses import dataclass, field

import torch

from siamkit.core.errors import DataError
from siamkit.data.files import ImageFiles


@dataclass
class LabeledData:
    """Items ``x`` ``[N, ...]`` with class ids ``y`` ``[N]``.

    Images are float ``[N, C, H, W]`` in [0, 1], or ``uint8`` (0–255 meaning [0, 1]) to save memory:
    :func:`as_float` converts a batch when it is used. ``x`` may also be
    :class:`~siamkit.data.files.ImageFiles`: image files decoded (as ``uint8``) only when indexed. ``class_names[k]`` names class id ``k``;
    ``name`` says where the data came from; ``split``, when the source defines one, marks each item
    as an official train (0) or test (1) item.
    """

    x: torch.Tensor | ImageFiles
    y: torch.Tensor
    class_names: list[str] = field(default_factory=list)
    name: str = "data"
    split: torch.Tensor | None = None

    def __post_init__(self) -> None:
        if self.x.shape[0] != self.y.shape[0]:
            raise DataError(
                f"{self.name}: {self.x.shape[0]} items but {self.y.shape[0]} labels; "
                "give one class label per item"
            )
        if self.y.dtype.is_floating_point or self.y.dtype == torch.bool:
            raise DataError(f"{self.name}: class labels must be integers, got {self.y.dtype}")
        self.y = self.y.long()
        if not self.class_names and len(self.y):
            self.class_names = [str(k) for k in range(int(self.y.max()) + 1)]

    def __len__(self) -> int:
        return int(self.y.shape[0])

    @property
    def input_shape(self) -> tuple[int, ...]:
        """Shape of one item, e.g. ``(C, H, W)``."""
        return tuple(self.x.shape[1:])

    def classes(self) -> list[int]:
        """Sorted class ids present in this data."""
        return torch.unique(self.y).tolist()

    def subset(self, index: torch.Tensor) -> "LabeledData":
        """Items at ``index`` (class ids and names unchanged); streamed files stay undecoded."""
        split = self.split[index] if self.split is not None else None
        x = self.x.subset(index) if isinstance(self.x, ImageFiles) else self.x[index]
        return LabeledData(x, self.y[index], self.class_names, self.name, split)


def as_float(x: torch.Tensor) -> torch.Tensor:
    """A batch as floats: ``uint8`` images are scaled to [0, 1], float tensors pass unchanged."""
    return x.float().div_(255.0) if x.dtype == torch.uint8 else x
