"""Running a trained model over evaluation data: one score per pair ``[P]`` and embeddings ``[N, D]``,
batched, in eval mode and without gradients.
"""

from __future__ import annotations

import torch
from torch import nn

from siamkit.core.errors import ConfigError
from siamkit.data.labeled import as_float
from siamkit.nn.interfaces import EmbeddingModel


@torch.no_grad()
def pair_scores(
    model: nn.Module, pairs, batch_size: int = 512
) -> tuple[torch.Tensor, torch.Tensor]:
    """Run ``model`` over every pair of ``pairs`` (a :class:`~siamkit.data.PairDataset`) in batches.

    Returns the model's raw scores ``[P]`` (in its own ``score_kind``) and the pair labels ``[P]``.
    """
    was_training = model.training
    model.eval()
    scores = []
    for start in range(0, len(pairs), batch_size):
        x1, x2, _ = pairs[torch.arange(start, min(start + batch_size, len(pairs)))]
        scores.append(model(x1, x2).float())
    model.train(was_training)
    return torch.cat(scores), pairs.labels.clone()


@torch.no_grad()
def embed_items(model: nn.Module, x: torch.Tensor, batch_size: int = 1024) -> torch.Tensor:
    """Embeddings ``[N, D]`` of items ``x`` ``[N, ...]`` through ``model.embed``, ``batch_size`` at a time.

    Only one batch of inputs and activations is alive at once (``uint8`` images become floats per
    batch); the result is float32 on the CPU.
    """
    if not isinstance(model, EmbeddingModel):
        raise ConfigError(
            f"{type(model).__name__} has no embed() method; embedding metrics need a model with an encoder "
            "(use pair-score metrics instead)"
        )
    was_training = model.training
    model.eval()
    parts = [
        model.embed(as_float(x[start : start + batch_size])).float().cpu() for start in range(0, len(x), batch_size)
    ]
    model.train(was_training)
    return torch.cat(parts) if parts else torch.empty(0, 0)
