"""Encoders: ``nn.Module``s mapping one input to an embedding ``[B, D]``, registered by name."""

from siamkit.encoders.cnn import LeNet
from siamkit.encoders.mlp import MLP
from siamkit.encoders.registry import ENCODERS, build_encoder

__all__ = ["ENCODERS", "LeNet", "MLP", "build_encoder"]
