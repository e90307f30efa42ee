"""Convolutional image encoders: images ``[B, C, H, W]`` → embeddings ``[B, D]``."""

from __future__ import annotations

import math

import torch
from torch import nn

from siamkit.core.errors import ConfigError
from siamkit.core.registry import Buildable
from siamkit.nn.encoders.catalog import ENCODERS


@ENCODERS.register("lenet")
class LeNet(Buildable, nn.Module):
    """LeNet as in Caffe's Siamese MNIST example: conv 5×5 (20) → pool → conv 5×5 (50) → pool →
    FC 500 → ReLU → FC ``embedding_dim``.

    Convolutions are padded (``padding=2``) and followed by adaptive average pooling to
    ``pool_size × pool_size``, so any input of at least 4×4 works: 28×28 MNIST and 8×8 digits alike.
    The last layer is linear: no activation bounds the embedding.

    Args:
        in_channels: channels ``C`` of the input images.
        embedding_dim: size ``D`` of the output embedding.
        pool_size: spatial size of the feature map fed to the fully-connected layers.

    Shapes: ``[B, C, H, W]`` → ``[B, embedding_dim]``.
    """

    def __init__(self, in_channels: int = 1, embedding_dim: int = 32, pool_size: int = 4) -> None:
        super().__init__()
        self.spec_args = {
            "in_channels": in_channels,
            "embedding_dim": embedding_dim,
            "pool_size": pool_size,
        }
        self.embedding_dim = embedding_dim
        self.features = nn.Sequential(
            nn.Conv2d(in_channels, 20, kernel_size=5, padding=2),
            nn.ReLU(inplace=True),
            nn.MaxPool2d(2, ceil_mode=True),
            nn.Conv2d(20, 50, kernel_size=5, padding=2),
            nn.ReLU(inplace=True),
            nn.MaxPool2d(2, ceil_mode=True),
            nn.AdaptiveAvgPool2d(pool_size),
        )
        self.embed = nn.Sequential(
            nn.Flatten(),
            nn.Linear(50 * pool_size * pool_size, 500),
            nn.ReLU(inplace=True),
            nn.Linear(500, embedding_dim),
        )

    @classmethod
    def for_input(cls, input_shape: tuple[int, ...], embedding_dim: int, **kwargs) -> "LeNet":
        return cls(in_channels=input_shape[0], embedding_dim=embedding_dim, **kwargs)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.embed(self.features(x))


@ENCODERS.register("small_cnn")
class SmallCNN(Buildable, nn.Module):
    """The classic small grayscale Siamese branch for ``1 × 40 × 50`` images.

    conv 1→8 (7×7) → ReLU → conv 8→16 (5×5) → ReLU → max-pool 2 → conv 16→32 (3×3, pad 1) → ReLU →
    conv 32→64 (3×3, pad 1) → ReLU → Linear(64·15·20 → ``embedding_dim``).

    For a 40×50 input the feature map is exactly ``[B, 64, 15, 20]`` and the linear layer is the
    classic ``Linear(19200, 100)``. Other sizes (at least 12×12) work through an adaptive average
    pool to ``feature_size`` placed before the linear layer; at 40×50 that pool is the identity.

    Args:
        in_channels: channels ``C`` of the input (1 for grayscale; 2 for a 2-channel pair net).
        embedding_dim: size ``D`` of the output embedding (classic: 100).
        feature_size: ``(h, w)`` of the pooled feature map fed to the linear layer.

    Shapes: ``[B, C, H, W]`` → ``[B, embedding_dim]``; the last layer is linear (no activation).
    """

    min_size = 12  # the two unpadded convolutions take 10 pixels, the pool halves the rest

    def __init__(
        self, in_channels: int = 1, embedding_dim: int = 100, feature_size: tuple[int, int] = (15, 20)
    ) -> None:
        super().__init__()
        feature_size = (int(feature_size[0]), int(feature_size[1]))
        self.spec_args = {
            "in_channels": in_channels,
            "embedding_dim": embedding_dim,
            "feature_size": list(feature_size),
        }
        self.embedding_dim = embedding_dim
        self.features = nn.Sequential(
            nn.Conv2d(in_channels, 8, kernel_size=7),
            nn.ReLU(inplace=True),
            nn.Conv2d(8, 16, kernel_size=5),
            nn.ReLU(inplace=True),
            nn.MaxPool2d(2),
            nn.Conv2d(16, 32, kernel_size=3, padding=1),
            nn.ReLU(inplace=True),
            nn.Conv2d(32, 64, kernel_size=3, padding=1),
            nn.ReLU(inplace=True),
        )
        self.pool = nn.AdaptiveAvgPool2d(feature_size)
        self.embed = self._embedding_layer(64 * feature_size[0] * feature_size[1], embedding_dim)

    @staticmethod
    def _embedding_layer(features: int, embedding_dim: int) -> nn.Module:
        """Flattened pooled features ``[B, features]`` → embeddings ``[B, embedding_dim]``."""
        return nn.Sequential(nn.Flatten(), nn.Linear(features, embedding_dim))

    @classmethod
    def _check_input(cls, input_shape: tuple[int, ...]) -> None:
        if len(input_shape) != 3 or min(input_shape[1:]) < cls.min_size:
            raise ConfigError(
                f"{cls.__name__} needs images [C, H, W] of at least {cls.min_size}×{cls.min_size}, got "
                f"{list(input_shape)}; resize the images or use the mlp encoder"
            )

    @classmethod
    def for_input(cls, input_shape: tuple[int, ...], embedding_dim: int, **kwargs) -> "SmallCNN":
        cls._check_input(input_shape)
        return cls(in_channels=input_shape[0], embedding_dim=embedding_dim, **kwargs)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.embed(self.pool(self.features(x)))


@ENCODERS.register("small_cnn_pooled")
class PooledSmallCNN(SmallCNN):
    """SmallCNN's convolutions average-pooled to a ``grid × grid`` map and flattened, with no linear layer:
    ``embedding_dim = 64 · grid²`` (grid 1, 2, 3, 4 → D 64, 256, 576, 1024).

    Meant to be trained under a projection head (``ExperimentConfig.projection_dim``, see
    :mod:`siamkit.nn.projection`): the loss sees ``projection(embedding)``, and the embedding itself keeps
    what that last layer would throw away (measurements: README, "Fashion-MNIST").
    The embedding is non-negative (it averages ReLU outputs).

    Shapes: ``[B, C, H, W]`` → ``[B, 64 · grid²]``.
    """

    channels = 64

    def __init__(self, in_channels: int = 1, grid: int = 3) -> None:
        super().__init__(in_channels, self.channels * grid * grid, (grid, grid))
        self.spec_args = {"in_channels": in_channels, "grid": grid}

    @staticmethod
    def _embedding_layer(features: int, embedding_dim: int) -> nn.Module:
        return nn.Flatten()

    @classmethod
    def for_input(cls, input_shape: tuple[int, ...], embedding_dim: int, **kwargs) -> "PooledSmallCNN":
        cls._check_input(input_shape)
        grid = math.isqrt(embedding_dim // cls.channels)
        if grid < 1 or cls.channels * grid * grid != embedding_dim:
            sizes = ", ".join(str(cls.channels * g * g) for g in range(1, 5))
            raise ConfigError(
                f"small_cnn_pooled embeds 64 channels pooled to a grid × grid map, so D must be 64 · grid² "
                f"({sizes}, ...), got {embedding_dim}; pick one of those --embedding-dim values"
            )
        return cls(in_channels=input_shape[0], grid=grid, **kwargs)
