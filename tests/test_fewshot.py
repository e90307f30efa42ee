"""N-way K-shot episodes: correctness on known geometry, direction handling, seeds, CI."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from siamkit.core.errors import DataError
from siamkit.data import LabeledData
from siamkit.evaluation.fewshot import few_shot_accuracy, run_episodes
from siamkit.nn.encoders import MLP
from siamkit.nn.heads import DistanceHead
from siamkit.nn.models import SiameseNet


class Identity(nn.Module):
    def forward(self, x):
        return x


def _clusters(classes=6, per_class=10, dim=6, spread=0.05, seed=0):
    g = torch.Generator().manual_seed(seed)
    y = torch.arange(classes).repeat_interleave(per_class)
    x = torch.eye(classes, dim)[y] * 5 + spread * torch.randn(len(y), dim, generator=g)
    return LabeledData(x, y, name="clusters")


def _identity_siamese():
    net = SiameseNet(MLP(in_features=6, embedding_dim=6), DistanceHead())
    net.encoder = Identity()  # embeddings are the raw points
    return net


def test_separable_classes_score_one_and_swapped_direction_scores_zero():
    data, net = _clusters(), _identity_siamese()
    right = few_shot_accuracy(net, data, ways=5, shots=1, episodes=50)
    assert right.accuracy == 1.0 and right.ci95 == 0.0
    wrong = few_shot_accuracy(net, data, ways=5, shots=1, episodes=50, score_kind="similarity")
    assert wrong.accuracy == 0.0  # distances read as similarities pick the farthest support


def test_pair_score_of_distance_head_equals_nearest_support_embedding():
    data = _clusters(spread=3.0)  # overlapping classes: accuracy well below 1
    net = _identity_siamese()
    by_score = few_shot_accuracy(net, data, ways=4, shots=2, episodes=60, seed=3)
    by_embedding = few_shot_accuracy(net, data, ways=4, shots=2, episodes=60, seed=3, scorer="embedding")
    assert 0.3 < by_score.accuracy < 1.0
    assert torch.allclose(by_score.per_episode, by_embedding.per_episode)


def test_models_without_embeddings_are_scored_pair_by_pair():
    class TwoInput(nn.Module):  # a score-based model with no encoder: similarity = −distance
        score_kind = "similarity"

        def forward(self, x1, x2):
            return -(x1 - x2).norm(dim=1)

    data = _clusters(spread=3.0)
    pairwise = few_shot_accuracy(TwoInput(), data, ways=3, shots=1, episodes=40, seed=1)
    embedded = few_shot_accuracy(_identity_siamese(), data, ways=3, shots=1, episodes=40, seed=1)
    assert torch.allclose(pairwise.per_episode, embedded.per_episode)


def test_random_scores_give_chance_and_ci_covers_it():
    labels = torch.arange(10).repeat_interleave(8)
    g = torch.Generator().manual_seed(0)
    acc = run_episodes(labels, lambda q, s: torch.rand(len(q), len(s), generator=g), ways=5, shots=1, episodes=400)
    mean, half = float(acc.mean()), 1.96 * float(acc.std()) / 20
    assert abs(mean - 0.2) < 2 * half


def test_episodes_are_seeded():
    data, net = _clusters(spread=3.0), _identity_siamese()
    a = few_shot_accuracy(net, data, ways=3, shots=1, episodes=30, seed=5).per_episode
    b = few_shot_accuracy(net, data, ways=3, shots=1, episodes=30, seed=5).per_episode
    c = few_shot_accuracy(net, data, ways=3, shots=1, episodes=30, seed=6).per_episode
    assert torch.equal(a, b) and not torch.equal(a, c)


def test_too_few_classes_is_a_named_error():
    data, net = _clusters(classes=3), _identity_siamese()
    with pytest.raises(DataError, match="5-way 1-shot .* needs 5 classes"):
        few_shot_accuracy(net, data, ways=5, shots=1, episodes=10)


def test_given_embeddings_are_used_instead_of_embedding_again():
    data, net = _clusters(spread=0.5), _identity_siamese()
    computed = few_shot_accuracy(net, data, ways=5, shots=2, episodes=40, queries=3, seed=1)
    given = few_shot_accuracy(net, data, ways=5, shots=2, episodes=40, queries=3, seed=1, embeddings=data.x.clone())
    assert torch.equal(computed.per_episode, given.per_episode)
    scrambled = few_shot_accuracy(net, data, ways=5, shots=2, episodes=40, queries=3, seed=1,
                                  embeddings=data.x[torch.randperm(len(data.x), generator=torch.Generator().manual_seed(0))])
    assert scrambled.accuracy < computed.accuracy  # the given embeddings, not recomputed ones, decided
