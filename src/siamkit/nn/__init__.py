"""Neural-network parts: ``encoders`` (one input → embedding ``[B, D]``), ``heads`` (two embeddings →
one score per pair ``[B]``), ``models`` (Siamese, pseudo-Siamese, triplet, 2-channel, single-branch) and
``projection`` (training-only projection head)."""

from siamkit.nn.encoders import ENCODERS, MLP, LeNet, PooledSmallCNN, ResNet18, ResNet34, SmallCNN, build_encoder
from siamkit.nn.heads import HEADS, ClassifierHead, DistanceHead
from siamkit.nn.models import MODELS, PseudoSiameseNet, SiameseNet, SingleBranchClassifier, TripletNet, TwoChannelNet
from siamkit.nn.projection import ProjectionHead

__all__ = [
    "ENCODERS", "HEADS", "MODELS", "ClassifierHead", "DistanceHead",
    "LeNet", "MLP", "PooledSmallCNN", "ProjectionHead", "PseudoSiameseNet", "ResNet18",
    "ResNet34", "SiameseNet", "SingleBranchClassifier", "SmallCNN", "TripletNet", "TwoChannelNet",
    "build_encoder"
]
