"""Multi-layer perceptron encoder: any input ``[B, *shape]`` is flattened → embeddings ``[B, D]``."""

from __future__ import annotations

import math

import torch
from torch import nn

from siamkit.core.registry import Buildable
from siamkit.nn.encoders.catalog import ENCODERS


@ENCODERS.register("mlp")
class MLP(Buildable, nn.Module):
    """Flatten → (Linear → ReLU) per hidden size → Linear to ``embedding_dim`` (no final activation).

    Args:
        in_features: number of input values per item (``C·H·W`` for images).
        embedding_dim: size ``D`` of the output embedding.
        hidden: sizes of the hidden layers.

    Shapes: ``[B, *shape]`` with ``prod(shape) == in_features`` → ``[B, embedding_dim]``.
    """

    def __init__(
        self, in_features: int, embedding_dim: int = 32, hidden: tuple[int, ...] = (256, 128)
    ) -> None:
        super().__init__()
        hidden = tuple(int(h) for h in hidden)
        self.spec_args = {
            "in_features": in_features,
            "embedding_dim": embedding_dim,
            "hidden": list(hidden),
        }
        self.embedding_dim = embedding_dim
        layers: list[nn.Module] = [nn.Flatten()]
        width = in_features
        for h in hidden:
            layers += [nn.Linear(width, h), nn.ReLU(inplace=True)]
            width = h
        layers.append(nn.Linear(width, embedding_dim))
        self.net = nn.Sequential(*layers)

    @classmethod
    def for_input(cls, input_shape: tuple[int, ...], embedding_dim: int, **kwargs) -> "MLP":
        return cls(in_features=math.prod(input_shape), embedding_dim=embedding_dim, **kwargs)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(x)
