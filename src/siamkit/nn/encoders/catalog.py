"""Encoder names for the CLI and checkpoints: ``--encoder lenet`` → :class:`~siamkit.nn.encoders.cnn.LeNet`."""

from __future__ import annotations

from typing import Any

from torch import nn

from siamkit.core.registry import Registry

ENCODERS = Registry("encoder")


def build_encoder(
    name: str, input_shape: tuple[int, ...], embedding_dim: int, **kwargs: Any
) -> nn.Module:
    """Build encoder ``name`` for single inputs of ``input_shape`` (``[C, H, W]`` for images).

    The encoder maps a batch ``[B, *input_shape]`` to embeddings ``[B, embedding_dim]``.
    """
    cls = ENCODERS.get(name)
    return cls.for_input(tuple(input_shape), embedding_dim, **kwargs)
