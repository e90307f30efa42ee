"""Neural-network parts: ``encoders`` (one input → embedding ``[B, D]``), ``distances`` (euclidean,
squared_euclidean, cosine as objects), ``heads`` (two embeddings → one score per pair ``[B]``), ``models``
(Siamese, pseudo-Siamese, triplet, 2-channel, single-branch), ``interfaces`` (what a model of each kind
offers, as protocols) and ``projection`` (training-only projection head)."""

from siamkit.nn.distances import (
    DISTANCES,
    CosineDistance,
    Distance,
    EuclideanDistance,
    SquaredEuclideanDistance,
    get_distance,
)
from siamkit.nn.encoders import ENCODERS, MLP, LeNet, PooledSmallCNN, ResNet18, ResNet34, SmallCNN, build_encoder
from siamkit.nn.heads import HEADS, ClassifierHead, DistanceHead
from siamkit.nn.interfaces import EmbeddingModel, EmbeddingPairModel, PairModel, SharedEncoderModel, TwoBranchModel
from siamkit.nn.models import MODELS, PseudoSiameseNet, SiameseNet, SingleBranchClassifier, TripletNet, TwoChannelNet
from siamkit.nn.projection import ProjectionHead

__all__ = [
    "DISTANCES", "ENCODERS", "HEADS", "MODELS", "ClassifierHead", "CosineDistance", "Distance", "DistanceHead",
    "EmbeddingModel", "EmbeddingPairModel", "EuclideanDistance", "LeNet", "MLP", "PairModel", "PooledSmallCNN",
    "ProjectionHead", "PseudoSiameseNet", "ResNet18", "ResNet34", "SharedEncoderModel", "SiameseNet",
    "SingleBranchClassifier", "SmallCNN", "SquaredEuclideanDistance", "TripletNet", "TwoBranchModel",
    "TwoChannelNet", "build_encoder", "get_distance",
]
