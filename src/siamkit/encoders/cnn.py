"""Convolutional image encoders: images ``[B, C, H, W]`` → embeddings ``[B, D]``."""

from __future__ import annotations

import torch
from torch import nn

from siamkit.encoders.registry import ENCODERS
from siamkit.registry import Buildable


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
