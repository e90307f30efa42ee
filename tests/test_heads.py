"""Pair heads: distances, classifiers over every pair feature, one vs two logits, never a final ReLU."""

import itertools

import pytest
import torch
import torch.nn.functional as F
from torch import nn

from siamkit.core.errors import ConfigError
from siamkit.nn.heads import HEADS, PAIR_FEATURES, ClassifierHead, DistanceHead

D = 6
A, B = torch.randn(5, D, generator=torch.Generator().manual_seed(0)), torch.randn(5, D, generator=torch.Generator().manual_seed(1))
FEATURE_SETS = [(f,) for f in PAIR_FEATURES] + [("abs", "prod"), ("abs", "sq", "prod", "concat")]


def test_distance_heads_values():
    assert torch.allclose(DistanceHead("euclidean")(A, B), torch.linalg.vector_norm(A - B, dim=1))
    assert torch.allclose(DistanceHead("squared_euclidean")(A, B), ((A - B) ** 2).sum(1))
    assert torch.allclose(DistanceHead("cosine")(A, B), 1 - F.cosine_similarity(A, B))
    assert DistanceHead().score_kind == "distance"


@pytest.mark.parametrize(
    "features,hidden,outputs", list(itertools.product(FEATURE_SETS, [(), (16,), (16, 8)], [1, 2]))
)
def test_classifier_head_shapes_and_last_layer(features, hidden, outputs):
    head = ClassifierHead(D, features, hidden, outputs)
    assert head(A, B).shape == (5,)
    assert head.logits(A, B).shape == (5, outputs)
    modules = list(head.classifier)
    assert isinstance(modules[-1], nn.Linear) and modules[-1].out_features == outputs
    assert sum(isinstance(m, nn.Linear) for m in modules) == len(hidden) + 1
    assert head.score_kind == "similarity"


def test_no_registered_head_ends_in_relu():
    for features, hidden in itertools.product(FEATURE_SETS, [(), (4,)]):
        head = HEADS.build({"name": "classifier", "args": {"embedding_dim": D, "features": features, "hidden": hidden}})
        last = [m for m in head.modules() if not isinstance(m, nn.Sequential) and m is not head][-1]
        assert not isinstance(last, nn.ReLU)
        with torch.no_grad():
            head.classifier[-1].bias.fill_(-100.0)
        assert bool((head(A, B) < 0).all())  # a final ReLU would clamp these logits to 0


def test_two_logit_head_scores_log_odds_and_bce_equals_softmax_ce():
    torch.manual_seed(0)
    head = ClassifierHead(D, ("abs", "prod"), hidden=(8,), outputs=2)
    logits = head.logits(A, B)
    score = head(A, B)
    assert torch.allclose(score, logits[:, 1] - logits[:, 0])
    y = torch.tensor([1, 0, 1, 1, 0])
    bce = F.binary_cross_entropy_with_logits(score, y.float())
    assert torch.allclose(bce, F.cross_entropy(logits, y), atol=1e-6)
    assert torch.allclose(torch.sigmoid(score), logits.softmax(1)[:, 1], atol=1e-6)


@pytest.mark.parametrize("features", [("abs",), ("sq",), ("prod",), ("abs", "prod")])
def test_comparing_features_are_symmetric(features):
    head = ClassifierHead(D, features)
    assert torch.allclose(head(A, B), head(B, A), atol=1e-6)


def test_concat_is_order_sensitive():
    head = ClassifierHead(D, ("concat",))
    assert not torch.allclose(head(A, B), head(B, A))


@pytest.mark.parametrize("kwargs", [{"features": ()}, {"features": ("diff",)}, {"outputs": 3}])
def test_bad_classifier_arguments(kwargs):
    with pytest.raises(ConfigError):
        ClassifierHead(D, **kwargs)
