"""Losses and mining: ``pair`` (contrastive in both label conventions, BCE/CE, cosine, hinge, MSE on one
score per pair), ``triplet`` (explicit and online-mined triplets), ``mining`` (batch-all / hard /
semi-hard selection) and ``names`` (``--loss`` names). Pair labels: 1 = same, 0 = different."""

from siamkit.losses.mining import TripletMiner, pairwise_distances
from siamkit.losses.names import LOSSES, check_loss_fits_model, loss_from_name
from siamkit.losses.pair import (
    ContrastiveLoss,
    CosineEmbeddingPairLoss,
    HingeEmbeddingPairLoss,
    PairBCEWithLogitsLoss,
    PairCrossEntropyLoss,
    PairMSELoss,
)
from siamkit.losses.triplet import OnlineTripletLoss, TripletLoss

__all__ = [
    "LOSSES", "ContrastiveLoss", "CosineEmbeddingPairLoss", "HingeEmbeddingPairLoss", "OnlineTripletLoss",
    "PairBCEWithLogitsLoss", "PairCrossEntropyLoss", "PairMSELoss", "TripletLoss", "TripletMiner",
    "check_loss_fits_model", "loss_from_name", "pairwise_distances",
]
