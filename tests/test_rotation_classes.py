"""Rotation classes: every 90° (or 180°) turn of a training class is a class of its own, for losses on
class-labelled batches; validation items are never turned."""

from __future__ import annotations

import pytest
import torch
from conftest import RecordingLoss
from torch import nn

from siamkit.core.errors import ConfigError, DataError
from siamkit.data import PairDataset, digits
from siamkit.data.augment import rotated_classes
from siamkit.losses.batch import SupConLoss
from siamkit.losses.names import loss_from_name
from siamkit.losses.pair import ContrastiveLoss
from siamkit.nn.encoders import build_encoder
from siamkit.nn.heads import DistanceHead
from siamkit.nn.models import SiameseNet, TripletNet
from siamkit.training.config import TrainConfig
from siamkit.training.module import TripletModule
from siamkit.training.trainer import fit, fit_triplets


@pytest.mark.parametrize("rotations", [2, 4])
def test_each_item_is_turned_by_its_drawn_multiple_and_labelled_by_class_and_turn(rotations):
    x = torch.rand(64, 2, 5, 5)
    y = torch.randint(0, 3, (64,))
    turned, labels = rotated_classes(x, y, rotations, torch.Generator().manual_seed(0))
    k = labels % rotations
    assert torch.equal(labels // rotations, y)
    assert set(k.tolist()) == set(range(rotations))  # 64 draws hit every turn
    for i in range(len(y)):
        expected = torch.rot90(x[i], int(k[i]) * 4 // rotations, dims=(-2, -1))
        assert torch.equal(turned[i], expected)
    assert turned.shape == x.shape and not torch.equal(turned, x)


def test_the_draw_follows_the_generator_and_one_rotation_changes_nothing():
    x, y = torch.rand(32, 1, 4, 4), torch.arange(32) % 4
    first = rotated_classes(x, y, 4, torch.Generator().manual_seed(3))
    again = rotated_classes(x, y, 4, torch.Generator().manual_seed(3))
    other = rotated_classes(x, y, 4, torch.Generator().manual_seed(4))
    assert torch.equal(first[0], again[0]) and torch.equal(first[1], again[1])
    assert not torch.equal(first[1], other[1])
    same_x, same_y = rotated_classes(x, y, 1, torch.Generator())
    assert same_x is x and same_y is y


def test_quarter_turns_need_square_images_and_counts_are_named():
    with pytest.raises(DataError, match="square images"):
        rotated_classes(torch.rand(4, 1, 4, 6), torch.zeros(4, dtype=torch.long), 4, torch.Generator())
    turned, _ = rotated_classes(torch.rand(4, 1, 4, 6), torch.zeros(4, dtype=torch.long), 2, torch.Generator())
    assert turned.shape == (4, 1, 4, 6)  # half turns keep any shape
    with pytest.raises(DataError, match="image batches"):
        rotated_classes(torch.rand(4, 16), torch.zeros(4, dtype=torch.long), 2, torch.Generator())
    with pytest.raises(ConfigError, match="1, 2 or 4"):
        rotated_classes(torch.rand(4, 1, 4, 4), torch.zeros(4, dtype=torch.long), 3, torch.Generator())
    with pytest.raises(ConfigError, match=r"1 \(off\), 2 .* or 4"):
        TrainConfig(rotation_classes=3)


def test_rotation_classes_need_class_ids_and_a_loss_without_per_class_weights():
    data = digits().subset(torch.arange(0, 200))
    with pytest.raises(ConfigError, match="P×K batches"):
        fit(SiameseNet(build_encoder("mlp", (1, 8, 8), 4), DistanceHead()), ContrastiveLoss(),
            PairDataset(data, 32), None, TrainConfig(rotation_classes=4, progress=False))
    proxies = loss_from_name("proxy_anchor", 0.1, classes=data.y.unique(), embedding_dim=4)
    with pytest.raises(ConfigError, match="weights per training class"):
        fit_triplets(TripletNet(build_encoder("mlp", (1, 8, 8), 4)), proxies, data, None,
                     TrainConfig(rotation_classes=4, progress=False))


def test_training_batches_are_turned_and_relabelled_validation_batches_are_not():
    torch.manual_seed(0)
    net = TripletNet(build_encoder("conv_pooled", (1, 8, 8), 512), "cosine")
    loss = RecordingLoss(SupConLoss())
    module = TripletModule(net, loss, TrainConfig(rotation_classes=4))
    module.log = lambda *args, **kwargs: None
    x, y = digits().x[:16], torch.arange(16) // 4
    total = module.training_step((x, y), 0)
    labels = loss.seen[-1]
    assert torch.equal(labels // 4, y) and len(set((labels % 4).tolist())) > 1
    turned, expected_labels = rotated_classes(x, y, 4, module._augment_generator(0, stream=1))
    assert torch.equal(labels, expected_labels)
    with torch.no_grad():
        torch.testing.assert_close(total.detach(), SupConLoss()(net.embed(turned), labels))
    module.validation_step((x, y), 0)
    assert torch.equal(loss.seen[-1], y)


def test_fit_triplets_trains_with_rotation_classes_and_resumes_exactly(tmp_path):
    data = digits().subset(torch.arange(0, 300))

    def train(epochs: int, **extra) -> nn.Module:
        torch.manual_seed(0)
        net = TripletNet(build_encoder("mlp", (1, 8, 8), 16), "cosine")
        config = TrainConfig(epochs=epochs, batch_size=60, rotation_classes=4, progress=False, **extra)
        result = fit_triplets(net, SupConLoss(), data, data, config)
        assert all(torch.isfinite(torch.tensor(row["train_loss"])) for row in result.history)
        return net

    unbroken = train(2)
    train(1, checkpoint_dir=tmp_path)
    resumed = train(2, checkpoint_dir=tmp_path, resume=True)  # epoch 2 draws the turns an unbroken run draws
    for a, b in zip(unbroken.state_dict().values(), resumed.state_dict().values()):
        torch.testing.assert_close(a, b)
