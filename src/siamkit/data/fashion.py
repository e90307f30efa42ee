"""Fashion-MNIST (Zalando, MIT licence): 60,000 train + 10,000 test real 28×28 grayscale images, 10 classes.

Read from the IDX files that Debian's package ``dataset-fashion-mnist`` installs under
``/usr/share/datasets/fashion-mnist`` (``apt-get install dataset-fashion-mnist``, or ``make fashion-mnist``).
Images stay ``uint8`` in memory (55 MB instead of 220 MB) and become floats in [0, 1] per batch.
"""

from __future__ import annotations

import os
from pathlib import Path

import torch

from siamkit.core.errors import DataError
from siamkit.data.idx import read_idx
from siamkit.data.labeled import LabeledData

FASHION_MNIST_DIR = Path("/usr/share/datasets/fashion-mnist")
FASHION_MNIST_CLASSES = [
    "T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
    "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot",
]  # fmt: skip
_FILES = {
    "train": ("train-images-idx3-ubyte", "train-labels-idx1-ubyte"),
    "test": ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"),
}


def _find(folder: Path, stem: str) -> Path:
    for name in (f"{stem}.gz", stem):
        if (folder / name).is_file():
            return folder / name
    raise DataError(
        f"Fashion-MNIST file {stem}[.gz] not found in {folder}; install it with "
        "`apt-get install dataset-fashion-mnist` (or `make fashion-mnist`), or set SIAMKIT_FASHION_MNIST_DIR"
    )


def fashion_mnist(folder: str | Path | None = None) -> LabeledData:
    """All 70,000 images: ``x`` uint8 ``[70000, 1, 28, 28]``, ``y`` ``[70000]``, and ``split``
    (0 = the official train images, the first 60,000; 1 = the official test images).

    Args:
        folder: where the IDX files are; default ``$SIAMKIT_FASHION_MNIST_DIR`` or
            ``/usr/share/datasets/fashion-mnist``.
    """
    folder = Path(folder or os.environ.get("SIAMKIT_FASHION_MNIST_DIR", FASHION_MNIST_DIR))
    images, labels, parts = [], [], []
    for part, (image_stem, label_stem) in enumerate(_FILES.values()):
        x = read_idx(_find(folder, image_stem))
        y = read_idx(_find(folder, label_stem))
        if x.ndim != 3 or y.ndim != 1 or x.shape[0] != y.shape[0]:
            raise DataError(
                f"Fashion-MNIST files in {folder} do not match: images {list(x.shape)}, labels {list(y.shape)}"
            )
        images.append(x.unsqueeze(1))
        labels.append(y.long())
        parts.append(torch.full((len(y),), part, dtype=torch.long))
    return LabeledData(
        torch.cat(images), torch.cat(labels), list(FASHION_MNIST_CLASSES), name="fashion-mnist",
        split=torch.cat(parts),
    )
