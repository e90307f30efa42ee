"""What callers may rely on in a model, declared as ``typing.Protocol``s (``runtime_checkable``).

Code that works with any model of a kind checks ``isinstance(model, EmbeddingModel)`` instead of
probing for attributes one by one. A runtime check sees only that the members exist, not their
signatures; the shapes below are the contract.

==========================  ====================================================================
protocol                    members
==========================  ====================================================================
:class:`PairModel`          ``model(x1, x2)`` → scores ``[B]``; ``score_kind`` (``"distance"`` / ``"similarity"``)
:class:`EmbeddingModel`     ``embed(x)`` → embeddings ``[B, D]``
:class:`EmbeddingPairModel` both, and ``head(a, b)`` scoring two embeddings ``[B, D]`` → ``[B]``
                            (a shared-weight model: ``model(x1, x2) == head(embed(x1), embed(x2))``)
:class:`SharedEncoderModel` ``encoder``: one module embedding both inputs
:class:`TwoBranchModel`     ``encoder_a`` for ``x1`` and ``encoder_b`` for ``x2`` (pseudo-Siamese)
==========================  ====================================================================

Example:
    >>> from siamkit.nn.encoders import LeNet
    >>> from siamkit.nn.heads import DistanceHead
    >>> from siamkit.nn.models import SiameseNet
    >>> isinstance(SiameseNet(LeNet(1, 8), DistanceHead()), EmbeddingPairModel)
    True
"""

from __future__ import annotations

from typing import Protocol, runtime_checkable

import torch
from torch import nn

from siamkit.core.errors import ConfigError

__all__ = ["EmbeddingModel", "EmbeddingPairModel", "PairModel", "SharedEncoderModel", "TwoBranchModel", "embed_pair"]


@runtime_checkable
class PairModel(Protocol):
    """Scores pairs: ``x1, x2`` ``[B, ...]`` → ``[B]``, oriented as ``score_kind`` says."""

    @property
    def score_kind(self) -> str: ...

    def __call__(self, x1: torch.Tensor, x2: torch.Tensor) -> torch.Tensor: ...


@runtime_checkable
class EmbeddingModel(Protocol):
    """Embeds single inputs: ``embed(x)`` ``[B, ...]`` → ``[B, D]``."""

    def embed(self, x: torch.Tensor) -> torch.Tensor: ...


@runtime_checkable
class EmbeddingPairModel(PairModel, EmbeddingModel, Protocol):
    """A pair model whose score is its ``head`` applied to the two embeddings ``[B, D]``."""

    head: nn.Module


@runtime_checkable
class SharedEncoderModel(Protocol):
    """One ``encoder`` module embeds both inputs of a pair."""

    encoder: nn.Module


@runtime_checkable
class TwoBranchModel(Protocol):
    """``encoder_a`` embeds ``x1``, ``encoder_b`` embeds ``x2`` (inputs of different kinds)."""

    encoder_a: nn.Module
    encoder_b: nn.Module


def embed_pair(model: nn.Module, x1: torch.Tensor, x2: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Embeddings ``[B, D]`` of both sides of a pair batch: a pseudo-Siamese model's two branches
    (``embed_a`` / ``embed_b``), else ``model.embed`` on both halves in one pass.

    Token ids (integer inputs) that occur more than once in the batch, e.g. a word in its same pair and in its
    different pair, are embedded once and shared (one dropout draw, one gradient path summing both uses), as
    sentence-transformers embeds a triplet's anchor once. Text encoders have no batch statistics, so nothing else
    changes; images (floating inputs) are always embedded row by row."""
    if isinstance(model, TwoBranchModel):
        return model.embed_a(x1), model.embed_b(x2)
    if not isinstance(model, EmbeddingModel):
        raise ConfigError(f"{type(model).__name__} has no embed(); a loss on pair embeddings needs a model with an encoder")
    both = torch.cat([x1, x2])
    if not both.is_floating_point():
        rows, index = torch.unique(both, dim=0, return_inverse=True)
        if len(rows) < len(both):
            return model.embed(rows)[index].chunk(2)
    a, b = model.embed(both).chunk(2)
    return a, b
