"""Loss names for the CLI and configs (``siamkit train --loss ...``), which of them train on class-labelled
P×K batches rather than pairs, and the check that a loss fits the model's score kind.
"""

from __future__ import annotations

from torch import nn

from siamkit.core.errors import ConfigError, check_choice
from siamkit.losses.batch import CircleLoss, MultiSimilarityLoss, NTXentLoss, SupConLoss
from siamkit.losses.inbatch import (
    MultipleNegativesRankingLoss,
    MultipleNegativesSymmetricRankingLoss,
    OnlineContrastiveLoss,
)
from siamkit.losses.pair import (
    ContrastiveLoss,
    CosineEmbeddingPairLoss,
    HingeEmbeddingPairLoss,
    PairBCEWithLogitsLoss,
    PairCrossEntropyLoss,
    PairMSELoss,
)
from siamkit.losses.proxy import ArcFaceLoss, NormalizedSoftmaxLoss, ProxyAnchorLoss
from siamkit.losses.triplet import OnlineTripletLoss

LOSSES: dict[str, type[nn.Module]] = {
    "contrastive": ContrastiveLoss,
    "triplet": OnlineTripletLoss,
    "bce": PairBCEWithLogitsLoss,
    "ce": PairCrossEntropyLoss,
    "cosine": CosineEmbeddingPairLoss,
    "hinge": HingeEmbeddingPairLoss,
    "mse": PairMSELoss,
    "multi_similarity": MultiSimilarityLoss,
    "proxy_anchor": ProxyAnchorLoss,
    "arcface": ArcFaceLoss,
    "normalized_softmax": NormalizedSoftmaxLoss,
    "supcon": SupConLoss,
    "ntxent": NTXentLoss,
    "circle": CircleLoss,
    "mnrl": MultipleNegativesRankingLoss,
    "mnrl_symmetric": MultipleNegativesSymmetricRankingLoss,
    "online_contrastive": OnlineContrastiveLoss,
}


MARGIN_LOSSES = ("contrastive", "triplet", "cosine", "hinge", "proxy_anchor", "arcface", "circle", "online_contrastive")

# Losses on (embeddings [B, D], class ids [B]) batches, trained by fit_triplets on P×K batches.
LABELLED_BATCH_LOSSES = tuple(name for name, cls in LOSSES.items() if getattr(cls, "takes_labelled_batch", False))

# Losses on pair embeddings whose negatives are the batch's other pairs (MNRL): same pairs alone can train them.
IN_BATCH_LOSSES = tuple(name for name, cls in LOSSES.items() if getattr(cls, "in_batch_negatives", False))

# Losses with trainable per-class weights: built with the training split's class ids (``classes=``).
CLASS_WEIGHT_LOSSES = tuple(name for name, cls in LOSSES.items() if getattr(cls, "has_class_weights", False))


def fixed_metric(name: str) -> str | None:
    """The :class:`~siamkit.nn.heads.DistanceHead` metric the loss ``name`` trains (``"cosine"`` for the losses
    of :mod:`siamkit.losses.batch` and :mod:`siamkit.losses.proxy`), or ``None`` where the model's metric is free."""
    return getattr(LOSSES.get(name), "metric", None)


def loss_from_name(name: str, margin: float | None = None, **kwargs) -> nn.Module:
    """Build the loss registered as ``name`` (see ``LOSSES``); ``margin=None`` keeps its default.
    ``kwargs`` go to its constructor; :data:`CLASS_WEIGHT_LOSSES` need ``classes`` and ``embedding_dim``."""
    check_choice(name, LOSSES, "loss")
    if margin is not None:
        if name not in MARGIN_LOSSES:
            raise ConfigError(f"the {name} loss has no margin; drop --margin or use one of {', '.join(MARGIN_LOSSES)}")
        kwargs["margin"] = margin
    if name in CLASS_WEIGHT_LOSSES and not {"classes", "embedding_dim"} <= kwargs.keys():
        raise ConfigError(
            f"the {name} loss keeps a trainable weight vector per class; pass classes= (the training split's "
            "class ids) and embedding_dim= (the size of the embeddings it scores)"
        )
    return LOSSES[name](**kwargs)


def check_loss_fits_model(loss: nn.Module, score_kind: str) -> None:
    """Raise :class:`ConfigError` if ``loss`` needs another kind of score than the model gives."""
    expects = getattr(loss, "expects", None)
    if expects is not None and expects != score_kind:
        raise ConfigError(
            f"{type(loss).__name__} needs a head that outputs a {expects}, but the model's head "
            f"outputs a {score_kind}; use a {'distance' if expects == 'distance' else 'classifier'} "
            "head or another loss"
        )
