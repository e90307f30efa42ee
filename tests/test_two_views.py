"""Two-view training: the instance term (SimCLR's NT-Xent between two augmented views of each item) added to a
class loss on P×K batches, and the pooled-feature CNN it trains for the per-dataset recipes."""

from __future__ import annotations

import pytest
import torch
from conftest import RecordingLoss
from pytorch_metric_learning import losses as pml
from torch import nn

from siamkit.core.errors import ConfigError, LabelError
from siamkit.data import PairDataset, digits
from siamkit.losses.batch import SupConLoss
from siamkit.losses.pair import ContrastiveLoss
from siamkit.losses.views import TwoViewNTXentLoss
from siamkit.nn.encoders import ENCODERS, PooledConvNet, build_encoder
from siamkit.nn.heads import DistanceHead
from siamkit.nn.models import SiameseNet, TripletNet
from siamkit.nn.projection import ProjectionHead
from siamkit.training.config import TrainConfig
from siamkit.training.module import TripletModule
from siamkit.training.trainer import fit, fit_triplets


@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize("temperature", [0.07, 0.2, 0.5])
def test_two_view_ntxent_equals_the_library_with_item_ids_as_labels(seed, temperature):
    generator = torch.Generator().manual_seed(seed)
    z = torch.randn(2 * 12, 16, generator=generator, dtype=torch.float64)
    ours = TwoViewNTXentLoss(temperature)(z)
    library = pml.NTXentLoss(temperature=temperature)(z, torch.arange(12).repeat(2))
    torch.testing.assert_close(ours, library.to(ours.dtype), rtol=1e-6, atol=1e-6)


def test_two_view_ntxent_is_low_when_views_agree_and_refuses_bad_shapes():
    views = nn.functional.one_hot(torch.arange(8), 8).double()
    agreeing = TwoViewNTXentLoss(0.1)(torch.cat([views, views]))
    shuffled = TwoViewNTXentLoss(0.1)(torch.cat([views, views.roll(1, dims=0)]))
    assert agreeing < 0.01 < 2 < shuffled
    for shape in [(7, 4), (2, 4), (6,)]:
        with pytest.raises(LabelError, match=r"\[2B, D\]"):
            TwoViewNTXentLoss()(torch.rand(*shape))
    with pytest.raises(ConfigError, match="temperature"):
        TwoViewNTXentLoss(0)


def test_pooled_conv_net_keeps_the_spatial_map_and_sizes_itself_from_d():
    digits_net = build_encoder("conv_pooled", (1, 8, 8), 2048)
    assert isinstance(digits_net, PooledConvNet)
    assert digits_net.spec_args == {"in_channels": 1, "width": 32, "grid": [4, 4]}  # the 4×4 map, not pooled
    assert not any(isinstance(m, nn.Linear) for m in digits_net.modules())
    x = torch.rand(3, 1, 8, 8)
    assert digits_net(x).shape == (3, 2048) and (digits_net(x) >= 0).all()
    fashion_net = build_encoder("conv_pooled", (1, 28, 28), 3136)  # 14×14 map pooled to 7×7, width 16
    assert fashion_net.spec_args["grid"] == [7, 7] and fashion_net.spec_args["width"] == 16
    assert fashion_net(torch.rand(2, 1, 28, 28)).shape == (2, 3136)
    assert ENCODERS.build({"name": "conv_pooled", "args": fashion_net.spec_args}).embedding_dim == 3136


def test_pooled_conv_net_names_the_sizes_it_can_embed_to():
    with pytest.raises(ConfigError, match=r"multiple of 64 \(512, 1024, 2048, 4096"):
        build_encoder("conv_pooled", (1, 8, 8), 100)
    with pytest.raises(ConfigError, match="at least 2×2"):
        build_encoder("conv_pooled", (64,), 64)


def test_the_instance_term_needs_augmentation_a_labelled_batch_loss_and_a_valid_weight():
    with pytest.raises(ConfigError, match="add --augment"):
        TrainConfig(instance_weight=1.0)
    with pytest.raises(ConfigError, match="instance_weight must be ≥ 0"):
        TrainConfig(instance_weight=-1.0, augment=("shift",))
    with pytest.raises(ConfigError, match="instance_temperature > 0"):
        TrainConfig(instance_weight=1.0, instance_temperature=0.0, augment=("shift",))
    data = digits().subset(torch.arange(0, 200))
    with pytest.raises(ConfigError, match="P×K batches"):
        fit(SiameseNet(build_encoder("mlp", (1, 8, 8), 4), DistanceHead()), ContrastiveLoss(),
            PairDataset(data, 32), None, TrainConfig(instance_weight=1.0, augment=("shift",), progress=False))


def test_a_training_batch_is_scored_as_two_augmented_views_and_validation_as_it_is():
    torch.manual_seed(0)
    net = TripletNet(build_encoder("conv_pooled", (1, 8, 8), 512), "cosine")
    loss = RecordingLoss(SupConLoss())
    module = TripletModule(net, loss, TrainConfig(instance_weight=0.5, augment=("shift",)), ProjectionHead(512, 16))
    module.log = lambda *args, **kwargs: None
    drawn = []
    augment = module.augment
    module.augment = lambda x, generator: drawn.append(augment(x, generator)) or drawn[-1]
    x, y = digits().x[:8], torch.tensor([0, 0, 1, 1, 2, 2, 3, 3])
    total = module.training_step((x, y), 0)
    assert len(drawn) == 2 and not torch.equal(drawn[0], drawn[1])  # two independent views of the batch
    torch.testing.assert_close(loss.seen[-1], y.repeat(2))  # the class loss scores both views
    with torch.no_grad():
        z = module.projection(net.embed(torch.cat(drawn)))
        expected = SupConLoss()(z, y.repeat(2)) + 0.5 * TwoViewNTXentLoss(0.2)(z)
    torch.testing.assert_close(total.detach(), expected, rtol=1e-5, atol=1e-6)
    module.validation_step((x, y), 0)
    torch.testing.assert_close(loss.seen[-1], y)  # one view, not augmented
    assert len(drawn) == 2


def test_two_view_training_learns_and_resumes_exactly(tmp_path):
    data = digits().subset(torch.arange(0, 600))

    def train(epochs, **extra):
        torch.manual_seed(0)
        net = TripletNet(build_encoder("conv_pooled", (1, 8, 8), 512), "cosine")
        config = TrainConfig(epochs=epochs, batch_size=64, progress=False, augment=("shift",), instance_weight=1.0, **extra)
        result = fit_triplets(net, SupConLoss(), data, None, config, projection=ProjectionHead(512, 16))
        return result.model, result.history

    unbroken, history = train(2)
    assert history[1]["train_loss"] < history[0]["train_loss"]
    train(1, checkpoint_dir=tmp_path)
    resumed, _ = train(2, checkpoint_dir=tmp_path, resume=True)
    for (name, a), b in zip(unbroken.state_dict().items(), resumed.state_dict().values()):
        torch.testing.assert_close(a, b, rtol=0, atol=1e-6, msg=name)
