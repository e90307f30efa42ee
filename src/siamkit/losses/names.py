"""Loss names for the CLI and configs (``siamkit train --loss ...``) and the check that a loss fits
the model's score kind.
"""

from __future__ import annotations

from torch import nn

from siamkit.core.errors import ConfigError, check_choice
from siamkit.losses.pair import (
    ContrastiveLoss,
    CosineEmbeddingPairLoss,
    HingeEmbeddingPairLoss,
    PairBCEWithLogitsLoss,
    PairCrossEntropyLoss,
    PairMSELoss,
)
from siamkit.losses.triplet import OnlineTripletLoss

LOSSES: dict[str, type[nn.Module]] = {
    "contrastive": ContrastiveLoss,
    "triplet": OnlineTripletLoss,
    "bce": PairBCEWithLogitsLoss,
    "ce": PairCrossEntropyLoss,
    "cosine": CosineEmbeddingPairLoss,
    "hinge": HingeEmbeddingPairLoss,
    "mse": PairMSELoss,
}


MARGIN_LOSSES = ("contrastive", "triplet", "cosine", "hinge")


def loss_from_name(name: str, margin: float | None = None, **kwargs) -> nn.Module:
    """Build the loss registered as ``name`` (see ``LOSSES``); ``margin=None`` keeps its default."""
    check_choice(name, LOSSES, "loss")
    if margin is not None:
        if name not in MARGIN_LOSSES:
            raise ConfigError(f"the {name} loss has no margin; drop --margin or use one of {', '.join(MARGIN_LOSSES)}")
        kwargs["margin"] = margin
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
