"""ResNet-18, -34 and -50 (He et al. 2016) written here, since torchvision is not available.

The layout follows the paper's table and torchvision's ``resnet.py``, module names included (``conv1``,
``bn1``, ``layer1`` … ``layer4``, ``fc``), so torchvision's ``.pth`` files load with
:func:`~siamkit.nn.encoders.pretrained.load_weights`: a 7×7 stride-2 stem and a 3×3 max-pool, four
stages of :class:`BasicBlock` (ResNet-18/34) or :class:`Bottleneck` (ResNet-50; stride on the 3×3
convolution, as torchvision's "v1.5") with 64, 128, 256, 512 planes (stride 2 from the second stage on),
global average pooling, and one linear layer to the embedding. With ``in_channels=3, embedding_dim=1000``
these are the standard ImageNet models: 11,689,512 / 21,797,672 / 25,557,032 parameters.

Shapes: images ``[B, C, H, W]`` (any size ≥ 1×1; the stem divides by 4, every later stage by 2, and
global pooling removes what is left) → embeddings ``[B, embedding_dim]``. With ``imagenet_input=True``
the images (in [0, 1], 1 or 3 channels) are ImageNet-normalized RGB before the stem, as the
pretrained weights expect (:class:`~siamkit.nn.encoders.pretrained.ImageNetInput`).
"""

from __future__ import annotations

import torch
from torch import nn

from siamkit.core.errors import ConfigError
from siamkit.core.registry import Buildable
from siamkit.nn.encoders.catalog import ENCODERS
from siamkit.nn.encoders.pretrained import ImageNetInput, TorchvisionLayout


def _conv3x3(in_channels: int, out_channels: int, stride: int = 1) -> nn.Conv2d:
    return nn.Conv2d(in_channels, out_channels, kernel_size=3, stride=stride, padding=1, bias=False)


def _shortcut(in_channels: int, out_channels: int, stride: int) -> nn.Module:
    """Identity, or a strided 1×1 projection with batch norm where the shape changes."""
    if stride == 1 and in_channels == out_channels:
        return nn.Identity()
    return nn.Sequential(
        nn.Conv2d(in_channels, out_channels, kernel_size=1, stride=stride, bias=False), nn.BatchNorm2d(out_channels)
    )


class BasicBlock(nn.Module):
    """Two 3×3 convolutions with batch norm and an identity (or 1×1 projection) shortcut.

    Shapes: ``[B, in_channels, H, W]`` → ``[B, planes, ⌈H/stride⌉, ⌈W/stride⌉]``.
    """

    expansion = 1

    def __init__(self, in_channels: int, planes: int, stride: int = 1) -> None:
        super().__init__()
        self.conv1 = _conv3x3(in_channels, planes, stride)
        self.bn1 = nn.BatchNorm2d(planes)
        self.conv2 = _conv3x3(planes, planes)
        self.bn2 = nn.BatchNorm2d(planes)
        self.relu = nn.ReLU(inplace=True)
        self.downsample = _shortcut(in_channels, planes, stride)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        return self.relu(out + self.downsample(x))


class Bottleneck(nn.Module):
    """1×1 reduce → 3×3 (carrying the stride) → 1×1 expand to ``4 · planes``, with batch norm and a shortcut.

    Shapes: ``[B, in_channels, H, W]`` → ``[B, 4 · planes, ⌈H/stride⌉, ⌈W/stride⌉]``.
    """

    expansion = 4

    def __init__(self, in_channels: int, planes: int, stride: int = 1) -> None:
        super().__init__()
        out_channels = planes * self.expansion
        self.conv1 = nn.Conv2d(in_channels, planes, kernel_size=1, bias=False)
        self.bn1 = nn.BatchNorm2d(planes)
        self.conv2 = _conv3x3(planes, planes, stride)
        self.bn2 = nn.BatchNorm2d(planes)
        self.conv3 = nn.Conv2d(planes, out_channels, kernel_size=1, bias=False)
        self.bn3 = nn.BatchNorm2d(out_channels)
        self.relu = nn.ReLU(inplace=True)
        self.downsample = _shortcut(in_channels, out_channels, stride)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.relu(self.bn2(self.conv2(out)))
        out = self.bn3(self.conv3(out))
        return self.relu(out + self.downsample(x))


class ResNet(TorchvisionLayout, Buildable, nn.Module):
    """A ResNet of four stages; use :class:`ResNet18`, :class:`ResNet34` or :class:`ResNet50`.

    Args:
        in_channels: channels ``C`` of the input images.
        embedding_dim: size ``D`` of the output (1000 for the ImageNet classifier).
        width: planes of the first stage (64 in the paper); stages use width × 1, 2, 4, 8.
            A smaller width gives a faster model of the same depth (torchvision weights need 64).
        imagenet_input: normalize the input as ImageNet weights expect (then the stem takes 3 channels
            and a grayscale input is repeated to RGB).
    """

    blocks: tuple[int, ...] = ()
    block: type[nn.Module] = BasicBlock
    head_name = "fc"

    def __init__(
        self, in_channels: int = 3, embedding_dim: int = 128, width: int = 64, imagenet_input: bool = False
    ) -> None:
        super().__init__()
        if width < 1 or in_channels < 1 or embedding_dim < 1:
            raise ConfigError(
                f"in_channels, embedding_dim and width must be ≥ 1, got {in_channels}, {embedding_dim}, {width}"
            )
        self.spec_args = {
            "in_channels": in_channels, "embedding_dim": embedding_dim, "width": width, "imagenet_input": imagenet_input
        }
        self.embedding_dim = embedding_dim
        self.normalize = ImageNetInput(in_channels) if imagenet_input else nn.Identity()
        self.conv1 = nn.Conv2d(3 if imagenet_input else in_channels, width, kernel_size=7, stride=2, padding=3, bias=False)
        self.bn1 = nn.BatchNorm2d(width)
        self.relu = nn.ReLU(inplace=True)
        self.maxpool = nn.MaxPool2d(kernel_size=3, stride=2, padding=1)
        channels = width
        for i, count in enumerate(self.blocks):
            planes, stride = width * 2**i, 1 if i == 0 else 2
            stage = [self.block(channels, planes, stride)]
            channels = planes * self.block.expansion
            stage += [self.block(channels, planes) for _ in range(count - 1)]
            self.add_module(f"layer{i + 1}", nn.Sequential(*stage))
        self.avgpool = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(channels, embedding_dim)

    @classmethod
    def for_input(cls, input_shape: tuple[int, ...], embedding_dim: int, **kwargs) -> "ResNet":
        if len(input_shape) != 3:
            raise ConfigError(f"{cls.__name__} needs images [C, H, W], got input shape {list(input_shape)}")
        return cls(in_channels=input_shape[0], embedding_dim=embedding_dim, **kwargs)

    @classmethod
    def for_weights(cls, input_shape: tuple[int, ...], embedding_dim: int, **kwargs) -> "ResNet":
        return cls.for_input(input_shape, embedding_dim, imagenet_input=True, **kwargs)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.maxpool(self.relu(self.bn1(self.conv1(self.normalize(x)))))
        x = self.layer4(self.layer3(self.layer2(self.layer1(x))))
        return self.fc(self.avgpool(x).flatten(1))


@ENCODERS.register("resnet18")
class ResNet18(ResNet):
    """ResNet-18: stages of 2, 2, 2, 2 basic blocks."""

    blocks = (2, 2, 2, 2)


@ENCODERS.register("resnet34")
class ResNet34(ResNet):
    """ResNet-34: stages of 3, 4, 6, 3 basic blocks."""

    blocks = (3, 4, 6, 3)


@ENCODERS.register("resnet50")
class ResNet50(ResNet):
    """ResNet-50: stages of 3, 4, 6, 3 bottleneck blocks (2048 pooled features)."""

    blocks = (3, 4, 6, 3)
    block = Bottleneck
