"""Each model kind satisfies exactly the protocols its callers rely on."""

from __future__ import annotations

import pytest
from torch import nn

from siamkit.core.errors import ConfigError
from siamkit.nn.encoders import MLP, LeNet
from siamkit.nn.heads import ClassifierHead, DistanceHead
from siamkit.nn.interfaces import EmbeddingModel, EmbeddingPairModel, PairModel, SharedEncoderModel, TwoBranchModel
from siamkit.nn.models import PseudoSiameseNet, SiameseNet, TripletNet, TwoChannelNet
from siamkit.nn.projection import check_projectable

PROTOCOLS = (PairModel, EmbeddingModel, EmbeddingPairModel, SharedEncoderModel, TwoBranchModel)


@pytest.mark.parametrize(
    "model, expected",
    [
        (SiameseNet(LeNet(1, 8), DistanceHead()), {PairModel, EmbeddingModel, EmbeddingPairModel, SharedEncoderModel}),
        (TripletNet(LeNet(1, 8), "cosine"), {PairModel, EmbeddingModel, EmbeddingPairModel, SharedEncoderModel}),
        (PseudoSiameseNet(LeNet(1, 8), MLP(10, 8), DistanceHead()), {PairModel, TwoBranchModel}),
        (TwoChannelNet(LeNet(2, 8)), {PairModel, SharedEncoderModel}),
        (nn.Linear(4, 2), set()),
    ],
    ids=["siamese", "triplet", "pseudo", "two-channel", "plain-module"],
)
def test_models_satisfy_their_protocols(model, expected):
    assert {p for p in PROTOCOLS if isinstance(model, p)} == expected


def test_projection_needs_an_embedding_pair_model_with_a_distance_head():
    check_projectable(SiameseNet(LeNet(1, 8), DistanceHead()))
    for model in (SiameseNet(LeNet(1, 8), ClassifierHead(8)), TwoChannelNet(LeNet(2, 8))):
        with pytest.raises(ConfigError, match="projection head"):
            check_projectable(model)
