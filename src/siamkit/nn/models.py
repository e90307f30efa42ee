"""Pair models. A model maps a pair batch ``x1, x2`` (``[B, ...]`` each) to one score per pair ``[B]``
and says which way the score points through ``score_kind`` (see :mod:`siamkit.nn.heads`).
"""

from __future__ import annotations

from typing import Any, Sequence

import torch
from torch import nn

from siamkit.core.errors import ConfigError, DataError
from siamkit.core.registry import Buildable, Registry, spec_of
from siamkit.nn.encoders import ENCODERS
from siamkit.nn.heads import HEADS, DistanceHead, classifier_layers

MODELS = Registry("model")
# The SiamFC tracker imports this module, so it registers itself when first asked for.
MODELS.register_lazy("siamfc", "siamkit.tracking.model")


@MODELS.register("siamese")
class SiameseNet(Buildable, nn.Module):
    """Shared-weight Siamese network: one ``encoder`` embeds both inputs, ``head`` scores the pair.

    Both branches run as **one** batched pass (``torch.cat`` of the two halves), so the weights are
    shared by construction and batch-norm statistics see both halves.

    Any encoder works for training; a checkpoint needs registered parts (see :mod:`siamkit.core.registry`).

    Args:
        encoder: maps ``[B, ...]`` to embeddings ``[B, D]``.
        head: maps two ``[B, D]`` embeddings to scores ``[B]`` and has a ``score_kind``.

    Example:
        >>> from siamkit.nn.encoders import LeNet
        >>> from siamkit.nn.heads import DistanceHead
        >>> net = SiameseNet(LeNet(in_channels=1, embedding_dim=16), DistanceHead())
        >>> net(torch.zeros(4, 1, 8, 8), torch.ones(4, 1, 8, 8)).shape
        torch.Size([4])
    """

    def __init__(self, encoder: nn.Module, head: nn.Module) -> None:
        super().__init__()
        self.encoder = encoder
        self.head = head

    @property
    def spec_args(self) -> dict[str, Any]:  # read at save time, so replaced parts are seen
        return {"encoder": spec_of(self.encoder), "head": spec_of(self.head)}

    @classmethod
    def from_spec_args(cls, encoder: dict[str, Any], head: dict[str, Any]) -> "SiameseNet":
        return cls(ENCODERS.build(encoder), HEADS.build(head))

    @property
    def score_kind(self) -> str:
        return self.head.score_kind

    def embed(self, x: torch.Tensor) -> torch.Tensor:
        """Embeddings ``[B, D]`` of single inputs ``x`` ``[B, ...]``."""
        return self.encoder(x)

    def forward(self, x1: torch.Tensor, x2: torch.Tensor) -> torch.Tensor:
        a, b = self.encoder(torch.cat([x1, x2], dim=0)).chunk(2, dim=0)
        return self.head(a, b)


@MODELS.register("triplet")
class TripletNet(SiameseNet):
    """Triplet network: one shared ``encoder`` embeds anchor, positive and negative in one batched pass.

    Trained with triplet losses on embeddings (:meth:`embed_triplets`, or :meth:`embed` on P×K
    batches for online mining). For evaluation it *is* a Siamese network with a
    :class:`~siamkit.nn.heads.DistanceHead` of the same ``metric``: ``forward(x1, x2)`` returns pair
    distances ``[B]`` (``score_kind == "distance"``), so threshold calibration, ``siamkit eval`` and
    ``siamkit verify`` treat it like any pair model.

    Args:
        encoder: maps ``[B, ...]`` to embeddings ``[B, D]``.
        metric: the distance the triplet loss uses: ``"euclidean"``, ``"squared_euclidean"`` or ``"cosine"``.

    Example:
        >>> from siamkit.nn.encoders import LeNet
        >>> net = TripletNet(LeNet(in_channels=1, embedding_dim=16))
        >>> a, p, n = net.embed_triplets(*torch.zeros(3, 4, 1, 8, 8))
        >>> a.shape
        torch.Size([4, 16])
    """

    def __init__(self, encoder: nn.Module, metric: str = "euclidean") -> None:
        super().__init__(encoder, DistanceHead(metric))

    @property
    def spec_args(self) -> dict[str, Any]:
        return {"encoder": spec_of(self.encoder), "metric": self.metric}

    @classmethod
    def from_spec_args(cls, encoder: dict[str, Any], metric: str = "euclidean") -> "TripletNet":
        return cls(ENCODERS.build(encoder), metric)

    @property
    def metric(self) -> str:
        return self.head.metric

    def embed_triplets(
        self, anchor: torch.Tensor, positive: torch.Tensor, negative: torch.Tensor
    ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """Embeddings ``[B, D]`` of anchors, positives and negatives (``[B, ...]`` each), one encoder pass."""
        a, p, n = self.encoder(torch.cat([anchor, positive, negative], dim=0)).chunk(3, dim=0)
        return a, p, n
@MODELS.register("pseudo_siamese")
class PseudoSiameseNet(Buildable, nn.Module):
    """Two branches with separate weights: ``encoder_a`` embeds ``x1``, ``encoder_b`` embeds ``x2``.

    Use it when the two inputs are of different kinds (a photo and a sketch, an image and a text) or
    should not share weights. Each branch may be projected by its own linear layer to a common
    embedding size, so encoders of different output sizes can meet in one head.

    Args:
        encoder_a: maps ``x1`` ``[B, ...]`` to ``[B, D_a]``.
        encoder_b: maps ``x2`` ``[B, ...]`` (any shape of its own) to ``[B, D_b]``.
        head: maps two ``[B, D]`` embeddings to scores ``[B]`` and has a ``score_kind``.
        projection_dim: ``D`` of the common space; each branch gets ``Linear(D_a|D_b → D)``.
            ``None``: no projection, and ``D_a`` must equal ``D_b``.
        projection_norm: follow each projection by its own ``BatchNorm1d`` (needs
            ``projection_dim``). It centres each modality: two networks trained from scratch
            otherwise start with nearly constant embeddings whose offsets differ, and a cosine
            head then sees every pair at one distance and does not learn.

    Example:
        >>> from siamkit.nn.encoders import LeNet, MLP
        >>> from siamkit.nn.heads import DistanceHead
        >>> net = PseudoSiameseNet(LeNet(1, 16), MLP(10, 8), DistanceHead(), projection_dim=4)
        >>> net(torch.zeros(3, 1, 8, 8), torch.zeros(3, 10)).shape
        torch.Size([3])
    """

    def __init__(
        self,
        encoder_a: nn.Module,
        encoder_b: nn.Module,
        head: nn.Module,
        projection_dim: int | None = None,
        projection_norm: bool = False,
    ) -> None:
        super().__init__()
        dim_a, dim_b = encoder_a.embedding_dim, encoder_b.embedding_dim
        if projection_norm and projection_dim is None:
            raise ConfigError("projection_norm normalizes the projections; give projection_dim too")
        if projection_dim is None and dim_a != dim_b:
            raise ConfigError(
                f"the branches embed to different sizes ({dim_a} and {dim_b}); pass projection_dim "
                "to project both to a common size"
            )
        self.encoder_a = encoder_a
        self.encoder_b = encoder_b
        self.head = head
        self.projection_a: nn.Module = nn.Identity()
        self.projection_b: nn.Module = nn.Identity()
        if projection_dim is not None:
            self.projection_a = nn.Linear(dim_a, projection_dim)
            self.projection_b = nn.Linear(dim_b, projection_dim)
            if projection_norm:
                self.projection_a = nn.Sequential(self.projection_a, nn.BatchNorm1d(projection_dim))
                self.projection_b = nn.Sequential(self.projection_b, nn.BatchNorm1d(projection_dim))
        self.embedding_dim = dim_a if projection_dim is None else projection_dim
        self.projection_dim = projection_dim
        self.projection_norm = projection_norm

    @property
    def spec_args(self) -> dict[str, Any]:  # read at save time, so replaced parts are seen
        return {
            "encoder_a": spec_of(self.encoder_a),
            "encoder_b": spec_of(self.encoder_b),
            "head": spec_of(self.head),
            "projection_dim": self.projection_dim,
            "projection_norm": self.projection_norm,
        }

    @classmethod
    def from_spec_args(
        cls,
        encoder_a: dict[str, Any],
        encoder_b: dict[str, Any],
        head: dict[str, Any],
        projection_dim: int | None = None,
        projection_norm: bool = False,
    ) -> "PseudoSiameseNet":
        return cls(
            ENCODERS.build(encoder_a), ENCODERS.build(encoder_b), HEADS.build(head), projection_dim, projection_norm
        )

    @property
    def score_kind(self) -> str:
        return self.head.score_kind

    def embed_a(self, x: torch.Tensor) -> torch.Tensor:
        """Embeddings ``[B, D]`` of first-branch inputs."""
        return self.projection_a(self.encoder_a(x))

    def embed_b(self, x: torch.Tensor) -> torch.Tensor:
        """Embeddings ``[B, D]`` of second-branch inputs."""
        return self.projection_b(self.encoder_b(x))

    def forward(self, x1: torch.Tensor, x2: torch.Tensor) -> torch.Tensor:
        return self.head(self.embed_a(x1), self.embed_b(x2))


def _logit_layers(embedding_dim: int, hidden: Sequence[int]) -> nn.Sequential:
    """ReLU on an encoder's (linear) output, then a classifier ending in one logit."""
    return nn.Sequential(nn.ReLU(), *classifier_layers(embedding_dim, hidden, 1))


class _EncoderLogitNet(Buildable, nn.Module):
    """An encoder, then a classifier ending in one logit: the body of the 2-channel and single-branch nets.

    Args:
        encoder: maps its input to ``[B, D]`` and has an ``embedding_dim``.
        hidden: hidden widths of the classifier after the encoder (ReLU between layers).
    """

    score_kind = "similarity"

    def __init__(self, encoder: nn.Module, hidden: Sequence[int] = ()) -> None:
        super().__init__()
        self.encoder = encoder
        self.hidden = [int(h) for h in hidden]
        self.classifier = _logit_layers(encoder.embedding_dim, hidden)

    @property
    def spec_args(self) -> dict[str, Any]:
        return {"encoder": spec_of(self.encoder), "hidden": self.hidden}

    @classmethod
    def from_spec_args(cls, encoder: dict[str, Any], hidden: Sequence[int] = ()) -> "_EncoderLogitNet":
        return cls(ENCODERS.build(encoder), hidden)

    def _logit(self, x: torch.Tensor) -> torch.Tensor:
        return self.classifier(self.encoder(x)).squeeze(1)


@MODELS.register("two_channel")
class TwoChannelNet(_EncoderLogitNet):
    """2-channel network (Zagoruyko & Komodakis 2015): the pair is stacked along channels and one
    CNN looks at both images at once, ending in one logit of "same".

    There are no embeddings: the network can compare pixels directly, which makes it strong on
    pairs but unable to index single images. It is not symmetric: ``f(x1, x2)`` may differ from
    ``f(x2, x1)``.

    Args:
        encoder: a network taking ``[B, 2C, H, W]`` (built with ``in_channels = 2C``) to ``[B, D]``.
        hidden: hidden widths of the classifier after the encoder (ReLU between layers).

    Shapes: ``x1, x2`` ``[B, C, H, W]`` → ``[B]`` logits (``score_kind == "similarity"``).
    """

    def forward(self, x1: torch.Tensor, x2: torch.Tensor) -> torch.Tensor:
        if x1.shape != x2.shape:
            raise DataError(
                f"a 2-channel net needs both images of one shape, got {tuple(x1.shape)} and {tuple(x2.shape)}"
            )
        return self._logit(torch.cat([x1, x2], dim=1))


@MODELS.register("single_branch")
class SingleBranchClassifier(_EncoderLogitNet):
    """Baseline: an ordinary binary classifier of single images ("is this the target object?").

    It answers a pair ``(x1, x2)`` from ``x2`` alone: ``x1`` (the reference) is ignored. Trained on
    one-vs-rest pairs (:class:`siamkit.data.OneVsRestPairs`: ``x1`` a target reference, ``x2`` a
    query, label 1 if the query is the target), ``fit`` trains it exactly as a single-image
    classifier of the queries, so it can be compared with Siamese and 2-channel nets on the same
    pairs, loss and metrics.

    Args:
        encoder: maps ``[B, ...]`` to ``[B, D]``.
        hidden: hidden widths of the classifier after the encoder.

    Shapes: ``x1, x2`` ``[B, ...]`` → ``[B]`` logits that ``x2`` is the target (``score_kind ==
    "similarity"``); :meth:`classify` takes single images ``[B, ...]``.
    """

    def classify(self, x: torch.Tensor) -> torch.Tensor:
        """Logits ``[B]`` that each single input ``x`` ``[B, ...]`` is the target."""
        return self._logit(x)

    def forward(self, x1: torch.Tensor, x2: torch.Tensor) -> torch.Tensor:
        return self.classify(x2)
