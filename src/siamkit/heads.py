"""Pair heads: map two embeddings ``a, b`` of shape ``[B, D]`` to one score per pair ``[B]``.

Every head says which way its score points through ``score_kind``:

- ``"distance"``: smaller means more alike (:class:`DistanceHead`); used with contrastive losses.
- ``"similarity"``: larger means more alike; :class:`ClassifierHead` returns a logit of "same"
  (label 1) for ``BCEWithLogits``.

Nothing downstream guesses the direction: evaluation and thresholds read ``score_kind``.
"""

from __future__ import annotations

from typing import Callable, Sequence

import torch
import torch.nn.functional as F
from torch import nn

from siamkit.errors import ConfigError
from siamkit.registry import Buildable, Registry

HEADS = Registry("head")

_DISTANCES: dict[str, Callable[[torch.Tensor, torch.Tensor], torch.Tensor]] = {
    "euclidean": lambda a, b: (a - b).pow(2).sum(dim=1).clamp_min(1e-12).sqrt(),
    "squared_euclidean": lambda a, b: (a - b).pow(2).sum(dim=1),
    "cosine": lambda a, b: 1.0 - F.cosine_similarity(a, b, dim=1),
}


@HEADS.register("distance")
class DistanceHead(Buildable, nn.Module):
    """A parameter-free distance between the two embeddings.

    Args:
        metric: ``"euclidean"`` (default), ``"squared_euclidean"``, or ``"cosine"`` (``1 − cos``, in [0, 2]).

    Shapes: ``[B, D], [B, D]`` → ``[B]`` distances (``score_kind == "distance"``).
    """

    score_kind = "distance"

    def __init__(self, metric: str = "euclidean") -> None:
        super().__init__()
        if metric not in _DISTANCES:
            raise ConfigError(
                f"unknown distance metric '{metric}'; choose one of: {', '.join(_DISTANCES)}"
            )
        self.spec_args = {"metric": metric}
        self.metric = metric

    def forward(self, a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
        # The epsilon inside the euclidean square root keeps the gradient finite when a == b.
        return _DISTANCES[self.metric](a, b)


PAIR_FEATURES: dict[str, Callable[[torch.Tensor, torch.Tensor], torch.Tensor]] = {
    "abs": lambda a, b: (a - b).abs(),
    "sq": lambda a, b: (a - b).pow(2),
    "prod": lambda a, b: a * b,
    "concat": lambda a, b: torch.cat([a, b], dim=1),
}
_FEATURE_WIDTH = {"abs": 1, "sq": 1, "prod": 1, "concat": 2}


def pair_features(a: torch.Tensor, b: torch.Tensor, features: Sequence[str]) -> torch.Tensor:
    """Concatenate the named pair features of ``a, b`` (``[B, D]`` each) along dim 1.

    ``abs`` = |a−b|, ``sq`` = (a−b)², ``prod`` = a·b (elementwise), ``concat`` = [a, b].
    """
    return torch.cat([PAIR_FEATURES[name](a, b) for name in features], dim=1)


@HEADS.register("classifier")
class ClassifierHead(Buildable, nn.Module):
    """A classifier over pair features that ends in one logit of "same" (no ReLU, no sigmoid).

    Args:
        embedding_dim: size ``D`` of each embedding.
        features: pair features to concatenate, from ``abs``, ``sq``, ``prod``, ``concat``.
            ``abs`` (the default) is symmetric in ``a, b`` and can represent "same"; ``concat``
            followed by a single linear layer cannot (it would have to compute XNOR).
        hidden: widths of hidden layers (Linear → ReLU); empty for a single linear layer.

    Shapes: ``[B, D], [B, D]`` → ``[B]`` logits (``score_kind == "similarity"``; sigmoid = P(same)).
    """

    score_kind = "similarity"

    def __init__(
        self,
        embedding_dim: int,
        features: Sequence[str] = ("abs",),
        hidden: Sequence[int] = (),
    ) -> None:
        super().__init__()
        features = tuple(features)
        unknown = [f for f in features if f not in PAIR_FEATURES]
        if not features or unknown:
            raise ConfigError(
                f"pair features must be a non-empty list from {', '.join(PAIR_FEATURES)}; "
                f"got {list(features)}"
            )
        self.spec_args = {
            "embedding_dim": embedding_dim,
            "features": list(features),
            "hidden": [int(h) for h in hidden],
        }
        self.features = features
        width = embedding_dim * sum(_FEATURE_WIDTH[f] for f in features)
        layers: list[nn.Module] = []
        for h in hidden:
            layers += [nn.Linear(width, int(h)), nn.ReLU(inplace=True)]
            width = int(h)
        layers.append(nn.Linear(width, 1))
        self.classifier = nn.Sequential(*layers)

    def forward(self, a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
        return self.classifier(pair_features(a, b, self.features)).squeeze(1)
