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
from torch import nn

from siamkit.core.errors import ConfigError
from siamkit.core.registry import Buildable, Registry
from siamkit.nn.distances import Distance, get_distance

HEADS = Registry("head")


@HEADS.register("distance")
class DistanceHead(Buildable, nn.Module):
    """A parameter-free distance between the two embeddings.

    Args:
        metric: a :class:`~siamkit.nn.distances.Distance` or its name: ``"euclidean"`` (default),
            ``"squared_euclidean"``, or ``"cosine"`` (``1 − cos``, in [0, 2]).

    :attr:`distance` is the :class:`~siamkit.nn.distances.Distance`, :attr:`metric` its name (what a
    checkpoint stores). Shapes: ``[B, D], [B, D]`` → ``[B]`` distances (``score_kind == "distance"``).
    """

    score_kind = "distance"

    def __init__(self, metric: str | Distance = "euclidean") -> None:
        super().__init__()
        self.distance = get_distance(metric)
        self.metric = self.distance.name
        self.spec_args = {"metric": self.metric}

    def forward(self, a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
        return self.distance.paired(a, b)


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


def classifier_layers(in_width: int, hidden: Sequence[int], outputs: int) -> nn.Sequential:
    """(Linear → ReLU) per hidden width, then a final Linear to ``outputs`` logits (never a ReLU).

    ``hidden=()`` gives a single linear layer. Shapes: ``[B, in_width]`` → ``[B, outputs]``.
    """
    layers: list[nn.Module] = []
    width = in_width
    for h in hidden:
        layers += [nn.Linear(width, int(h)), nn.ReLU(inplace=True)]
        width = int(h)
    layers.append(nn.Linear(width, outputs))
    return nn.Sequential(*layers)


@HEADS.register("classifier")
class ClassifierHead(Buildable, nn.Module):
    """A classifier over pair features that ends in logits of "same" (no ReLU, no sigmoid).

    Args:
        embedding_dim: size ``D`` of each embedding.
        features: pair features to concatenate, from ``abs``, ``sq``, ``prod``, ``concat``
            (combinations such as ``("abs", "prod")`` are allowed).
            ``abs`` (the default) is symmetric in ``a, b`` and can represent "same"; ``concat``
            followed by a single linear layer cannot (it would have to compute XNOR).
        hidden: widths of hidden layers (Linear → ReLU); empty for a single linear layer.
        outputs: ``1`` — one logit of "same" (train with sigmoid / BCE); ``2`` — logits
            ``[l0, l1]`` of "different" and "same" (softmax / cross-entropy). With two logits,
            ``forward`` returns ``l1 − l0``, the log-odds of "same", so BCE on it equals softmax
            cross-entropy on the two logits; :meth:`logits` returns both.

    Shapes: ``[B, D], [B, D]`` → ``[B]`` logits of "same" (``score_kind == "similarity"``;
    sigmoid = P(same)).
    """

    score_kind = "similarity"

    def __init__(
        self,
        embedding_dim: int,
        features: Sequence[str] = ("abs",),
        hidden: Sequence[int] = (),
        outputs: int = 1,
    ) -> None:
        super().__init__()
        features = tuple(features)
        unknown = [f for f in features if f not in PAIR_FEATURES]
        if not features or unknown:
            raise ConfigError(
                f"pair features must be a non-empty list from {', '.join(PAIR_FEATURES)}; "
                f"got {list(features)}"
            )
        if outputs not in (1, 2):
            raise ConfigError(
                f"outputs must be 1 (one logit, BCE) or 2 (two logits, cross-entropy), got {outputs}"
            )
        self.spec_args = {
            "embedding_dim": embedding_dim,
            "features": list(features),
            "hidden": [int(h) for h in hidden],
            "outputs": outputs,
        }
        self.features = features
        self.outputs = outputs
        width = embedding_dim * sum(_FEATURE_WIDTH[f] for f in features)
        self.classifier = classifier_layers(width, hidden, outputs)

    def logits(self, a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
        """Raw classifier outputs ``[B, outputs]``: ``[B, 1]`` (same) or ``[B, 2]`` (different, same)."""
        return self.classifier(pair_features(a, b, self.features))

    def forward(self, a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
        logits = self.logits(a, b)
        if self.outputs == 2:
            return logits[:, 1] - logits[:, 0]
        return logits.squeeze(1)
