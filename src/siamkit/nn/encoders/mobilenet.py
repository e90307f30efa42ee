"""MobileNetV2 (Sandler et al. 2018) in plain torch, with torchvision's module names.

``features`` is torchvision's: a 3×3 stride-2 convolution to 32 channels, 17 inverted-residual blocks
(expansion t, channels c, repeats n, first stride s from the paper's table), and a 1×1 convolution to
1280 channels; every convolution is followed by batch norm and (except the linear bottlenecks) ReLU6.
``classifier`` is ``Dropout → Linear(1280 → embedding_dim)``. So ``state_dict`` keys are exactly
torchvision's (``features.0.0.weight`` … ``classifier.1.bias``) and its ImageNet file
(``mobilenet_v2-b0353104.pth``, :mod:`siamkit.nn.encoders.weights`) loads strictly; with
``embedding_dim=1000`` and that file the output is the ImageNet logits (3,504,872 parameters).

The encoder owns its input convention: images in [0, 1] with 1 or 3 channels are ImageNet-normalized
RGB inside the module (:class:`~siamkit.nn.encoders.pretrained.ImageNetInput`).
The embedding is always the linear layer over the pooled features (``[B, 1280]``, :meth:`MobileNetV2.pooled`):
one meaning of ``embedding_dim`` for every encoder; train with a projection head to keep 1280-D features.

Shapes: ``[B, 1 or 3, H, W]`` (any size ≥ 1×1; the net divides by 32, then pools globally) →
``[B, embedding_dim]``.
"""

from __future__ import annotations

import torch
from torch import nn

from siamkit.core.errors import ConfigError
from siamkit.core.registry import Buildable
from siamkit.nn.encoders.catalog import ENCODERS
from siamkit.nn.encoders.pretrained import ImageNetInput, TorchvisionLayout

# (expansion t, output channels c, repeats n, first stride s), the paper's Table 2.
INVERTED_RESIDUALS = (
    (1, 16, 1, 1), (6, 24, 2, 2), (6, 32, 3, 2), (6, 64, 4, 2), (6, 96, 3, 1), (6, 160, 3, 2), (6, 320, 1, 1)
)
FEATURES = 1280


def conv_bn_relu6(
    in_channels: int, out_channels: int, kernel_size: int = 3, stride: int = 1, groups: int = 1
) -> nn.Sequential:
    """Convolution (no bias, "same" padding) → BatchNorm → ReLU6, torchvision's ``Conv2dNormActivation``."""
    return nn.Sequential(
        nn.Conv2d(in_channels, out_channels, kernel_size, stride, (kernel_size - 1) // 2, groups=groups, bias=False),
        nn.BatchNorm2d(out_channels),
        nn.ReLU6(inplace=True),
    )


class InvertedResidual(nn.Module):
    """1×1 expansion by ``expansion`` (absent when it is 1) → 3×3 depthwise (carrying the stride) → linear
    1×1 projection; a residual connection when the shape is kept.

    Shapes: ``[B, in_channels, H, W]`` → ``[B, out_channels, ⌈H/stride⌉, ⌈W/stride⌉]``.
    """

    def __init__(self, in_channels: int, out_channels: int, stride: int, expansion: int) -> None:
        super().__init__()
        hidden = in_channels * expansion
        self.use_residual = stride == 1 and in_channels == out_channels
        layers = [conv_bn_relu6(in_channels, hidden, kernel_size=1)] if expansion != 1 else []
        layers += [
            conv_bn_relu6(hidden, hidden, stride=stride, groups=hidden),
            nn.Conv2d(hidden, out_channels, 1, bias=False),
            nn.BatchNorm2d(out_channels),
        ]
        self.conv = nn.Sequential(*layers)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + self.conv(x) if self.use_residual else self.conv(x)


@ENCODERS.register("mobilenet_v2")
class MobileNetV2(TorchvisionLayout, Buildable, nn.Module):
    """MobileNetV2 (width 1.0) mapping images to ``embedding_dim`` through a linear layer on pooled features.

    Args:
        in_channels: 1 (grayscale, repeated to RGB) or 3.
        embedding_dim: size ``D`` of the output (1000: the ImageNet classifier).
        dropout: dropout before the last linear layer during training (torchvision's 0.2).
    """

    head_name = "classifier"

    def __init__(self, in_channels: int = 3, embedding_dim: int = 128, dropout: float = 0.2) -> None:
        super().__init__()
        if embedding_dim < 1 or not 0 <= dropout < 1:
            raise ConfigError(f"embedding_dim must be ≥ 1 and dropout in [0, 1), got {embedding_dim} and {dropout}")
        self.spec_args = {"in_channels": in_channels, "embedding_dim": embedding_dim, "dropout": dropout}
        self.embedding_dim = embedding_dim
        self.normalize = ImageNetInput(in_channels)
        layers: list[nn.Module] = [conv_bn_relu6(3, 32, stride=2)]
        channels = 32
        for expansion, out_channels, repeats, stride in INVERTED_RESIDUALS:
            for i in range(repeats):
                layers.append(InvertedResidual(channels, out_channels, stride if i == 0 else 1, expansion))
                channels = out_channels
        layers.append(conv_bn_relu6(channels, FEATURES, kernel_size=1))
        self.features = nn.Sequential(*layers)
        self.classifier = nn.Sequential(nn.Dropout(dropout), nn.Linear(FEATURES, embedding_dim))
        self._init_weights()

    def _init_weights(self) -> None:
        """torchvision's initialization, for training from scratch."""
        for m in self.modules():
            if isinstance(m, nn.Conv2d):
                nn.init.kaiming_normal_(m.weight, mode="fan_out")
            elif isinstance(m, nn.BatchNorm2d):
                nn.init.ones_(m.weight)
                nn.init.zeros_(m.bias)
            elif isinstance(m, nn.Linear):
                nn.init.normal_(m.weight, 0, 0.01)
                nn.init.zeros_(m.bias)

    @classmethod
    def for_input(cls, input_shape: tuple[int, ...], embedding_dim: int, **kwargs) -> "MobileNetV2":
        if len(input_shape) != 3:
            raise ConfigError(f"mobilenet_v2 needs images [C, H, W], got input shape {list(input_shape)}")
        return cls(in_channels=input_shape[0], embedding_dim=embedding_dim, **kwargs)

    def pooled(self, x: torch.Tensor) -> torch.Tensor:
        """Globally average-pooled features: ``[B, C, H, W]`` → ``[B, 1280]``."""
        return self.features(self.normalize(x)).mean(dim=(2, 3))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.classifier(self.pooled(x))
