"""Losses and mining: ``pair`` (contrastive in both label conventions, BCE/CE, cosine, hinge, MSE on one
score per pair), ``inbatch`` (in-batch negatives ranking on pair embeddings, hard-pair contrastive),
``triplet`` (explicit and online-mined triplets), ``batch`` (multi-similarity, SupCon,
NT-Xent, circle on class-labelled batches), ``proxy`` (Proxy-Anchor, ArcFace, normalised softmax: trainable
per-class weights), ``mining`` (batch-all / hard / semi-hard selection) and ``names`` (``--loss`` names).
Pair labels: 1 = same, 0 = different; the batch losses take class ids."""

from siamkit.losses.batch import CircleLoss, LabelledBatchLoss, MultiSimilarityLoss, NTXentLoss, SupConLoss
from siamkit.losses.inbatch import (
    MultipleNegativesRankingLoss,
    MultipleNegativesSymmetricRankingLoss,
    OnlineContrastiveLoss,
)
from siamkit.losses.mining import TripletMiner, pairwise_distances
from siamkit.losses.names import LABELLED_BATCH_LOSSES, LOSSES, check_loss_fits_model, loss_from_name
from siamkit.losses.pair import (
    ContrastiveLoss,
    CosineEmbeddingPairLoss,
    HingeEmbeddingPairLoss,
    PairBCEWithLogitsLoss,
    PairCrossEntropyLoss,
    PairMSELoss,
)
from siamkit.losses.proxy import ArcFaceLoss, NormalizedSoftmaxLoss, ProxyAnchorLoss
from siamkit.losses.triplet import OnlineTripletLoss, TripletLoss

__all__ = [
    "LABELLED_BATCH_LOSSES", "LOSSES", "ArcFaceLoss", "CircleLoss", "ContrastiveLoss", "CosineEmbeddingPairLoss",
    "HingeEmbeddingPairLoss", "LabelledBatchLoss", "MultiSimilarityLoss", "NTXentLoss", "NormalizedSoftmaxLoss",
    "OnlineTripletLoss", "PairBCEWithLogitsLoss", "PairCrossEntropyLoss", "PairMSELoss", "ProxyAnchorLoss",
    "SupConLoss", "TripletLoss", "MultipleNegativesRankingLoss",
    "MultipleNegativesSymmetricRankingLoss", "OnlineContrastiveLoss", "TripletMiner", "check_loss_fits_model", "loss_from_name", "pairwise_distances",
]
