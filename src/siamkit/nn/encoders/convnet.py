"""A small batch-normalized CNN whose embedding is its pooled feature map: ``[B, C, H, W]`` → ``[B, D]``."""

from __future__ import annotations

import math

import torch
from torch import nn

from siamkit.core.errors import ConfigError
from siamkit.core.registry import Buildable
from siamkit.nn.encoders.catalog import ENCODERS

MAX_GRID = 7  # the feature map is average-pooled to at most 7 × 7 cells


def _conv(c_in: int, c_out: int) -> list[nn.Module]:
    return [nn.Conv2d(c_in, c_out, 3, padding=1, bias=False), nn.BatchNorm2d(c_out), nn.ReLU(inplace=True)]


@ENCODERS.register("conv_pooled")
class PooledConvNet(Buildable, nn.Module):
    """conv 3×3 C→w → conv 3×3 w→2w → max-pool 2 → conv 3×3 2w→4w (each padded, BatchNorm, ReLU), the
    ``[B, 4w, H/2, W/2]`` map average-pooled to ``grid`` (rows × columns) and flattened, with no linear layer:
    ``D = 4w · rows · columns``.

    Meant to be trained under a projection head (``ExperimentConfig.projection_dim``, see
    :mod:`siamkit.nn.projection`): the loss sees ``projection(embedding)``, and the embedding keeps the spatial
    layout of the features, which is what classes never seen in training are told apart by (README, "Defaults
    beside doing nothing"). Padded convolutions take any input from 2×2 up: 8×8 digits and 28×28 images alike.
    The embedding is non-negative (it averages ReLU outputs).

    Args:
        in_channels: channels ``C`` of the input.
        width: ``w``, channels of the first convolution.
        grid: ``(rows, columns)`` of the pooled map.

    Shapes: ``[B, C, H, W]`` → ``[B, 4 · width · rows · columns]``.

    Example:
        >>> net = PooledConvNet(1, width=32, grid=(4, 4))
        >>> net(torch.zeros(2, 1, 8, 8)).shape
        torch.Size([2, 2048])
    """

    def __init__(self, in_channels: int = 1, width: int = 32, grid: tuple[int, int] = (4, 4)) -> None:
        super().__init__()
        grid = (int(grid[0]), int(grid[1]))
        if width < 1 or min(grid) < 1:
            raise ConfigError(f"conv_pooled needs width ≥ 1 and a grid of ≥ 1 × 1 cells, got {width} and {list(grid)}")
        self.spec_args = {"in_channels": in_channels, "width": width, "grid": list(grid)}
        self.embedding_dim = 4 * width * grid[0] * grid[1]
        self.features = nn.Sequential(
            *_conv(in_channels, width), *_conv(width, 2 * width), nn.MaxPool2d(2, ceil_mode=True),
            *_conv(2 * width, 4 * width), nn.AdaptiveAvgPool2d(grid), nn.Flatten(),
        )

    @staticmethod
    def grid_for(input_shape: tuple[int, ...]) -> tuple[int, int]:
        """The pooled map for images ``[C, H, W]``: the map after the max-pool (``⌈H/2⌉ × ⌈W/2⌉``), at most 7 × 7."""
        return tuple(min(MAX_GRID, math.ceil(side / 2)) for side in input_shape[1:])  # type: ignore[return-value]

    @classmethod
    def for_input(cls, input_shape: tuple[int, ...], embedding_dim: int, **kwargs) -> "PooledConvNet":
        """The net for images ``input_shape`` ``[C, H, W]`` whose embedding has ``embedding_dim`` values: the grid
        follows the image size (:meth:`grid_for`), and ``embedding_dim`` sets the width."""
        if len(input_shape) != 3 or min(input_shape[1:]) < 2:
            raise ConfigError(
                f"conv_pooled takes images [C, H, W] of at least 2×2, got {list(input_shape)}; use the mlp encoder"
            )
        grid = cls.grid_for(input_shape)
        cells = 4 * grid[0] * grid[1]
        if embedding_dim % cells:
            sizes = ", ".join(str(cells * w) for w in (8, 16, 32, 64))
            raise ConfigError(
                f"conv_pooled on {input_shape[1]}×{input_shape[2]} images pools 4·width channels to a "
                f"{grid[0]}×{grid[1]} grid, so D must be a multiple of {cells} ({sizes}, ...), got {embedding_dim}; "
                "pick one of those --embedding-dim values"
            )
        return cls(in_channels=input_shape[0], width=embedding_dim // cells, grid=grid, **kwargs)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.features(x)
