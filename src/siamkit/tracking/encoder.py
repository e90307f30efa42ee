"""Fully-convolutional encoders for tracking: images ``[B, 3, H, W]`` → feature maps ``[B, C, h, w]``.

No layer pads its input, so the encoder is translation-equivariant: shifting the input by
``total_stride`` pixels shifts the feature map by one cell. That is what lets a score map computed
by cross-correlation be read as positions in the search image.
"""

from __future__ import annotations

from typing import Any, Sequence

import torch
from torch import nn

from siamkit.core.errors import ConfigError
from siamkit.core.registry import Buildable, Registry

TRACKING_ENCODERS = Registry("tracking encoder")


@TRACKING_ENCODERS.register("fcnet")
class FCNet(Buildable, nn.Module):
    """A small AlexNet-like fully-convolutional encoder with total stride 8 and no padding.

    Layers: conv 4×4 stride 4 → max-pool 2 → conv 3×3 × (len(widths) − 1), each conv followed by
    batch norm and ReLU except the last (plain linear features for correlation). With the default
    five convs the receptive field is 72 px; a 127×127 exemplar gives a 7×7 map and a 255×255
    search image a 23×23 map, so their correlation is 17×17.

    Args:
        in_channels: image channels (3 for RGB).
        widths: output channels of each conv, at least 2 values.

    Example:
        >>> FCNet()(torch.zeros(1, 3, 127, 127)).shape
        torch.Size([1, 32, 7, 7])
    """

    total_stride = 8

    def __init__(self, in_channels: int = 3, widths: Sequence[int] = (16, 32, 32, 32, 32)) -> None:
        super().__init__()
        widths = [int(w) for w in widths]
        if len(widths) < 2 or min(widths) < 1:
            raise ConfigError(f"widths must hold at least 2 positive channel counts, got {widths}")
        self.spec_args: dict[str, Any] = {"in_channels": in_channels, "widths": widths}
        layers: list[nn.Module] = [nn.Conv2d(in_channels, widths[0], 4, stride=4)]
        for i, (previous, width) in enumerate(zip(widths, widths[1:])):
            layers += [nn.BatchNorm2d(previous), nn.ReLU(inplace=True)]
            if i == 0:
                layers.append(nn.MaxPool2d(2))
            layers.append(nn.Conv2d(previous, width, 3))
        self.layers = nn.Sequential(*layers)
        self.out_channels = widths[-1]

    def output_size(self, size: int) -> int:
        """Side of the feature map for a ``size``×``size`` input."""
        return ((size - 4) // 4 + 1) // 2 - 2 * (len(self.spec_args["widths"]) - 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.layers(x)
