"""Synthetic tasks (colors, shapes) and one-vs-rest pairs."""

import pytest
import torch

from siamkit.core.errors import ConfigError, DataError
from siamkit.data import DATASETS, OneVsRestPairs, colors, load_dataset, shapes


def test_colors_images_are_entirely_black_or_white():
    data = colors(10, (16, 12), seed=3)
    assert data.x.shape == (10, 3, 16, 12)
    assert data.class_names == ["black", "white"]
    flat = data.x.flatten(1)
    assert torch.equal(flat.min(1).values, flat.max(1).values)  # each image is one value
    assert torch.equal(flat[:, 0], data.y.float())  # 0 = black, 1 = white
    assert int(data.y.sum()) == 5
    assert torch.equal(colors(10, (16, 12), seed=3).y, data.y)
    assert not torch.equal(colors(10, (16, 12), seed=4).y, data.y)


def test_shapes_are_seeded_valid_images_of_four_classes():
    data = shapes(6, seed=1)
    assert data.x.shape == (24, 1, 40, 50)
    assert data.class_names == ["circle", "square", "triangle", "cross"]
    assert torch.bincount(data.y).tolist() == [6, 6, 6, 6]
    assert float(data.x.min()) >= 0 and float(data.x.max()) <= 1
    assert torch.equal(shapes(6, seed=1).x, data.x)
    assert not torch.equal(shapes(6, seed=2).x, data.x)
    bright = (data.x > 0.55).flatten(1).sum(1)  # the shape itself: tens of pixels, not noise
    assert bool((bright >= 20).all())


def test_shapes_differ_by_class_without_noise():
    data = shapes(50, noise=0.0, seed=0)
    area = (data.x > 0).flatten(1).float().sum(1)
    circle, square, triangle = (area[data.y == k].mean() for k in range(3))
    # at half-size r: circle π·r² > square (1.6·r)² > triangle 2·r² (the same spread of r per class)
    assert circle > square > triangle


def test_registered_as_datasets():
    assert {"colors", "shapes"} <= set(DATASETS)
    assert load_dataset("shapes").input_shape == (1, 40, 50)
    assert load_dataset("colors").input_shape == (3, 128, 128)


@pytest.mark.parametrize("bad", [lambda: colors(3), lambda: shapes(1), lambda: shapes(5, size=(8, 8))])
def test_bad_synthetic_arguments(bad):
    with pytest.raises(ConfigError):
        bad()


def test_one_vs_rest_pairs():
    data = shapes(8, seed=0)
    pairs = OneVsRestPairs(data, "square", num_pairs=101, positive_fraction=0.3, seed=5)
    refs, queries = pairs.pairs[:, 0], pairs.pairs[:, 1]
    assert bool((data.y[refs] == 1).all())  # every reference is the target
    assert torch.equal(pairs.labels, (data.y[queries] == 1).long())
    assert int(pairs.labels.sum()) == round(101 * 0.3)
    assert bool((refs != queries).all())  # no item paired with itself
    x1, x2, y = pairs[torch.arange(5)]
    assert x1.shape == x2.shape == (5, 1, 40, 50) and y.shape == (5,)
    first = pairs.pairs.clone()
    pairs.resample(1)
    assert not torch.equal(first, pairs.pairs)
    assert torch.equal(OneVsRestPairs(data, 1, 101, 0.3, seed=5).pairs, first)


def test_one_vs_rest_bad_target():
    with pytest.raises(DataError, match="choose one of"):
        OneVsRestPairs(shapes(4), "hexagon", 10)
    only_one = shapes(4).subset(torch.tensor([0, 1, 2, 3]))
    with pytest.raises(DataError):
        OneVsRestPairs(only_one.subset(torch.nonzero(only_one.y != 0).flatten()), "circle", 10)
