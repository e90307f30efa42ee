"""ResNet-18 and ResNet-34 (He et al. 2016) written here, since torchvision is not available.

The layout follows the paper's table (and torchvision's ``resnet.py``): a 7×7 stride-2 stem and a
3×3 max-pool, four stages of :class:`BasicBlock` (64, 128, 256, 512 channels; stride 2 from the
second stage on), global average pooling, and one linear layer to the embedding. With
``in_channels=3, embedding_dim=1000`` ResNet-18 is the standard ImageNet model: 11,689,512
parameters.

Shapes: images ``[B, C, H, W]`` (any size ≥ 1×1; the stem divides by 4, every later stage by 2, and
global pooling removes what is left) → embeddings ``[B, embedding_dim]``.
"""

from __future__ import annotations

import torch
from torch import nn

from siamkit.core.errors import ConfigError
from siamkit.core.registry import Buildable
from siamkit.nn.encoders.catalog import ENCODERS


def _conv3x3(in_channels: int, out_channels: int, stride: int = 1) -> nn.Conv2d:
    return nn.Conv2d(in_channels, out_channels, kernel_size=3, stride=stride, padding=1, bias=False)


class BasicBlock(nn.Module):
    """Two 3×3 convolutions with batch norm and an identity (or 1×1 projection) shortcut.

    Shapes: ``[B, in_channels, H, W]`` → ``[B, out_channels, ⌈H/stride⌉, ⌈W/stride⌉]``.
    """

    def __init__(self, in_channels: int, out_channels: int, stride: int = 1) -> None:
        super().__init__()
        self.conv1 = _conv3x3(in_channels, out_channels, stride)
        self.bn1 = nn.BatchNorm2d(out_channels)
        self.conv2 = _conv3x3(out_channels, out_channels)
        self.bn2 = nn.BatchNorm2d(out_channels)
        self.relu = nn.ReLU(inplace=True)
        self.downsample: nn.Module = nn.Identity()
        if stride != 1 or in_channels != out_channels:
            self.downsample = nn.Sequential(
                nn.Conv2d(in_channels, out_channels, kernel_size=1, stride=stride, bias=False),
                nn.BatchNorm2d(out_channels),
            )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        return self.relu(out + self.downsample(x))


class ResNet(Buildable, nn.Module):
    """A ResNet of :class:`BasicBlock` stages; use :class:`ResNet18` or :class:`ResNet34`.

    Args:
        blocks: number of blocks in each of the four stages.
        in_channels: channels ``C`` of the input images.
        embedding_dim: size ``D`` of the output (1000 for the ImageNet classifier).
        width: channels of the first stage (64 in the paper); stages use width × 1, 2, 4, 8.
            A smaller width gives a faster model of the same depth.
    """

    blocks: tuple[int, ...] = ()

    def __init__(self, in_channels: int = 3, embedding_dim: int = 128, width: int = 64) -> None:
        super().__init__()
        if width < 1 or in_channels < 1 or embedding_dim < 1:
            raise ConfigError(
                f"in_channels, embedding_dim and width must be ≥ 1, got {in_channels}, {embedding_dim}, {width}"
            )
        self.spec_args = {"in_channels": in_channels, "embedding_dim": embedding_dim, "width": width}
        self.embedding_dim = embedding_dim
        self.stem = nn.Sequential(
            nn.Conv2d(in_channels, width, kernel_size=7, stride=2, padding=3, bias=False),
            nn.BatchNorm2d(width),
            nn.ReLU(inplace=True),
            nn.MaxPool2d(kernel_size=3, stride=2, padding=1),
        )
        stages: list[nn.Module] = []
        channels = width
        for i, count in enumerate(self.blocks):
            out_channels = width * 2**i
            stride = 1 if i == 0 else 2
            stages.append(self._stage(channels, out_channels, count, stride))
            channels = out_channels
        self.stages = nn.Sequential(*stages)
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(channels, embedding_dim)

    @staticmethod
    def _stage(in_channels: int, out_channels: int, count: int, stride: int) -> nn.Sequential:
        blocks: list[nn.Module] = [BasicBlock(in_channels, out_channels, stride)]
        blocks += [BasicBlock(out_channels, out_channels) for _ in range(count - 1)]
        return nn.Sequential(*blocks)

    @classmethod
    def for_input(cls, input_shape: tuple[int, ...], embedding_dim: int, **kwargs) -> "ResNet":
        if len(input_shape) != 3:
            raise ConfigError(f"{cls.__name__} needs images [C, H, W], got input shape {list(input_shape)}")
        return cls(in_channels=input_shape[0], embedding_dim=embedding_dim, **kwargs)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.fc(self.pool(self.stages(self.stem(x))).flatten(1))


@ENCODERS.register("resnet18")
class ResNet18(ResNet):
    """ResNet-18: stages of 2, 2, 2, 2 basic blocks."""

    blocks = (2, 2, 2, 2)


@ENCODERS.register("resnet34")
class ResNet34(ResNet):
    """ResNet-34: stages of 3, 4, 6, 3 basic blocks."""

    blocks = (3, 4, 6, 3)
