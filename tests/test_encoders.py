"""Encoders: exact SmallCNN shapes, ResNet parameter counts, every registered encoder's output shape."""

import pytest
import torch
from torch import nn

from siamkit.core.errors import ConfigError
from siamkit.experiments.text import TEXT_ENCODERS
from siamkit.nn.encoders import ENCODERS, PooledSmallCNN, ResNet18, ResNet34, SmallCNN, build_encoder


def n_params(module: nn.Module) -> int:
    return sum(p.numel() for p in module.parameters())


def test_small_cnn_classic_shapes_at_40x50():
    net = SmallCNN()
    x = torch.rand(3, 1, 40, 50)
    feature_map = net.features(x)
    assert feature_map.shape == (3, 64, 15, 20)
    assert torch.equal(net.pool(feature_map), feature_map)  # the pool is the identity at 40×50
    linear = net.embed[-1]
    assert (linear.in_features, linear.out_features) == (64 * 15 * 20, 100)
    assert net(x).shape == (3, 100)
    convs = [m for m in net.features if isinstance(m, nn.Conv2d)]
    assert [(c.in_channels, c.out_channels, c.kernel_size, c.padding) for c in convs] == [
        (1, 8, (7, 7), (0, 0)),
        (8, 16, (5, 5), (0, 0)),
        (16, 32, (3, 3), (1, 1)),
        (32, 64, (3, 3), (1, 1)),
    ]


@pytest.mark.parametrize("shape", [(1, 28, 28), (2, 40, 50), (3, 64, 80), (1, 12, 12)])
def test_small_cnn_other_sizes(shape):
    net = build_encoder("small_cnn", shape, 16)
    assert net(torch.rand(2, *shape)).shape == (2, 16)


def test_small_cnn_rejects_too_small_images():
    with pytest.raises(ConfigError, match="at least 12"):
        build_encoder("small_cnn", (1, 8, 8), 16)


def test_resnet18_imagenet_parameter_count():
    assert n_params(ResNet18(in_channels=3, embedding_dim=1000)) == 11_689_512


def test_resnet34_imagenet_parameter_count():
    assert n_params(ResNet34(in_channels=3, embedding_dim=1000)) == 21_797_672


def test_resnet18_on_128x128_rgb_and_other_channels():
    net = build_encoder("resnet18", (3, 128, 128), 128).eval()
    with torch.no_grad():
        assert net(torch.rand(2, 3, 128, 128)).shape == (2, 128)
    gray = ResNet18(in_channels=1, embedding_dim=8, width=8)
    assert gray(torch.rand(2, 1, 40, 50)).shape == (2, 8)


INPUTS = {
    "lenet": (1, 8, 8), "mlp": (1, 8, 8), "small_cnn": (1, 40, 50), "small_cnn_pooled": (1, 28, 28), "conv_pooled": (1, 8, 8),
    "resnet18": (3, 32, 32), "resnet34": (3, 32, 32), "resnet50": (3, 32, 32), "mobilenet_v2": (1, 32, 32),
}
DIMS = {"small_cnn_pooled": 256, "conv_pooled": 128}  # 64 channels on a 2 × 2 grid; 4·2 channels on 4 × 4; the others take any D


@pytest.mark.parametrize("name", [n for n in ENCODERS.names() if n not in TEXT_ENCODERS])  # text: test_text.py
def test_every_registered_encoder_maps_to_embedding(name):
    shape, dim = INPUTS[name], DIMS.get(name, 7)
    net = build_encoder(name, shape, dim)
    assert net.embedding_dim == dim
    assert net(torch.rand(2, *shape)).shape == (2, dim)
    rebuilt = ENCODERS.build({"name": name, "args": net.spec_args})
    assert n_params(rebuilt) == n_params(net)


def test_pooled_small_cnn_embeds_the_pooled_convolution_features_without_a_linear_layer():
    net = build_encoder("small_cnn_pooled", (1, 28, 28), 576)
    assert isinstance(net, PooledSmallCNN) and net.spec_args == {"in_channels": 1, "grid": 3}
    assert not any(isinstance(m, nn.Linear) for m in net.modules())
    x = torch.rand(4, 1, 28, 28)
    embedding = net(x)
    assert embedding.shape == (4, 576) and (embedding >= 0).all()
    pooled = nn.functional.adaptive_avg_pool2d(net.features(x), 3)  # [4, 64, 3, 3], flattened channel-major
    torch.testing.assert_close(embedding, pooled.flatten(1))
    assert build_encoder("small_cnn_pooled", (1, 28, 28), 64)(x).shape == (4, 64)


@pytest.mark.parametrize("dim", [0, 100, 63])
def test_pooled_small_cnn_names_the_sizes_it_can_embed_to(dim):
    with pytest.raises(ConfigError, match=r"64 · grid² \(64, 256, 576, 1024"):
        build_encoder("small_cnn_pooled", (1, 28, 28), dim)
    with pytest.raises(ConfigError, match="PooledSmallCNN needs images"):
        build_encoder("small_cnn_pooled", (1, 8, 8), 64)
