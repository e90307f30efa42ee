import pytest
import torch

from siamkit.core.errors import DataError, LabelError
from siamkit.data import (
    LabeledData,
    PairBatchSampler,
    PairDataset,
    digits,
    sample_pairs,
    stack_pairs,
    unstack_pairs,
)


@pytest.fixture(scope="module")
def data() -> LabeledData:
    return digits()


def test_pairs_are_exactly_balanced_and_never_self_pairs(data):
    g = torch.Generator().manual_seed(1)
    pairs, y = sample_pairs(data.y, 2001, positive_fraction=0.5, generator=g)
    assert pairs.shape == (2001, 2) and y.shape == (2001,)
    assert int(y.sum()) == round(2001 * 0.5)
    assert bool((pairs[:, 0] != pairs[:, 1]).all())


def test_pair_labels_agree_with_class_labels(data):
    pairs, y = sample_pairs(data.y, 3000, positive_fraction=0.3, generator=torch.Generator().manual_seed(2))
    same_class = data.y[pairs[:, 0]] == data.y[pairs[:, 1]]
    assert torch.equal(same_class.long(), y)
    assert int(y.sum()) == 900


def test_pairs_cover_both_orders_and_all_classes(data):
    pairs, y = sample_pairs(data.y, 4000, generator=torch.Generator().manual_seed(3))
    assert set(data.y[pairs[y == 1, 0]].tolist()) == set(range(10))
    # halves are swapped at random, so the smaller index is first about half of the time
    first_smaller = (pairs[:, 0] < pairs[:, 1]).float().mean()
    assert 0.4 < float(first_smaller) < 0.6


def test_pair_sampling_is_seeded(data):
    a = sample_pairs(data.y, 500, generator=torch.Generator().manual_seed(7))
    b = sample_pairs(data.y, 500, generator=torch.Generator().manual_seed(7))
    c = sample_pairs(data.y, 500, generator=torch.Generator().manual_seed(8))
    assert torch.equal(a[0], b[0]) and torch.equal(a[1], b[1])
    assert not torch.equal(a[0], c[0])


def test_self_pairs_only_when_asked():
    labels = torch.tensor([0, 1, 2, 3])  # every class has a single item
    with pytest.raises(DataError, match="two or more items"):
        sample_pairs(labels, 10)
    pairs, y = sample_pairs(labels, 10, positive_fraction=1.0, allow_self_pairs=True)
    assert bool((pairs[:, 0] == pairs[:, 1]).all()) and bool((y == 1).all())


def test_single_class_cannot_make_negative_pairs():
    with pytest.raises(DataError, match="one class"):
        sample_pairs(torch.zeros(5, dtype=torch.long), 10)


def test_pair_dataset_returns_sliced_batches(data):
    ds = PairDataset(data, num_pairs=100, seed=0)
    x1, x2, y = ds[torch.arange(16)]
    assert x1.shape == (16, 1, 8, 8) and x2.shape == (16, 1, 8, 8) and y.shape == (16,)
    i = 5
    a, b, label = ds[i]
    assert torch.equal(a, data.x[ds.pairs[i, 0]]) and torch.equal(b, data.x[ds.pairs[i, 1]])
    assert int(label) == int(ds.labels[i])


def test_resample_draws_fresh_seeded_pairs(data):
    ds = PairDataset(data, num_pairs=200, seed=4)
    first = ds.pairs.clone()
    ds.resample(1)
    assert not torch.equal(first, ds.pairs)
    ds.resample(0)
    assert torch.equal(first, ds.pairs)


def test_batch_sampler_visits_every_pair_once_and_reshuffles(data):
    ds = PairDataset(data, num_pairs=103, seed=0)
    sampler = PairBatchSampler(ds, batch_size=10, shuffle=True, seed=0)
    epoch0 = torch.cat(list(sampler))
    assert len(sampler) == 11 and sorted(epoch0.tolist()) == list(range(103))
    sampler.set_epoch(1)
    assert not torch.equal(epoch0, torch.cat(list(sampler)))


def test_stacked_layout_round_trips():
    stacked = torch.rand(6, 2, 5, 7)
    x1, x2 = unstack_pairs(stacked)
    assert x1.shape == (6, 1, 5, 7)
    assert torch.equal(stack_pairs(x1, x2), stacked)
    colour = torch.rand(3, 2, 3, 4, 4)
    assert torch.equal(stack_pairs(*unstack_pairs(colour)), colour)
    ds = PairDataset.from_stacked(stacked, torch.tensor([1, 0, 1, 0, 1, 0]))
    a, b, _ = ds[torch.arange(6)]
    assert torch.equal(a, x1) and torch.equal(b, x2)


def test_stacked_layout_rejects_other_shapes():
    with pytest.raises(DataError, match=r"\[P, 2, H, W\]"):
        unstack_pairs(torch.rand(4, 3, 8, 8))


def test_explicit_pairs_reject_non_binary_labels():
    x = torch.rand(3, 1, 4, 4)
    with pytest.raises(LabelError, match="±1"):
        PairDataset.from_pairs(x, x, torch.tensor([1, -1, 1]))
