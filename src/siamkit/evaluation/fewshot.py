"""N-way K-shot classification, averaged over seeded episodes, with a 95 % confidence interval.

An episode draws ``ways`` classes, ``shots`` support items and ``queries`` query items of each
(disjoint); each query takes the class of its most similar support item. Similarity comes either
from the model's own pair score (``scorer="pair_score"``, oriented by the model's ``score_kind``,
never guessed) or from nearest support embedding under a named metric (``scorer="embedding"``).

The interval is the normal one over episodes: ``mean ± 1.96 · std / sqrt(episodes)``.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
from typing import Callable

import torch
from torch import nn

from siamkit.core.conventions import to_similarity
from siamkit.core.errors import ConfigError, DataError, check_choice
from siamkit.data import LabeledData
from siamkit.data.labeled import as_float
from siamkit.evaluation.inference import embed_items
from siamkit.nn.distances import Distance, get_distance
from siamkit.nn.heads import DistanceHead
from siamkit.nn.interfaces import EmbeddingPairModel, PairModel

SCORERS = ("pair_score", "embedding")
# similarity(query_idx [Q], support_idx [S]) -> [Q, S], larger = more alike
SimilarityFn = Callable[[torch.Tensor, torch.Tensor], torch.Tensor]


@dataclass
class FewShotResult:
    """Mean episode accuracy with its 95 % interval half-width ``ci95`` (accuracy ± ci95)."""

    ways: int
    shots: int
    queries: int
    episodes: int
    accuracy: float
    ci95: float
    std: float
    scorer: str
    classes: list[str]
    per_episode: torch.Tensor = field(default_factory=lambda: torch.empty(0), repr=False)

    def as_dict(self) -> dict:
        out = asdict(self)
        out.pop("per_episode")
        return out


def run_episodes(
    labels: torch.Tensor,
    similarity: SimilarityFn,
    ways: int,
    shots: int,
    episodes: int,
    queries: int = 5,
    seed: int = 0,
) -> torch.Tensor:
    """Accuracy of each of ``episodes`` seeded N-way K-shot episodes over items with class ids ``labels`` ``[N]``.

    Returns ``[episodes]`` accuracies in [0, 1].
    """
    if ways < 2 or shots < 1 or queries < 1 or episodes < 1:
        raise ConfigError(
            f"need ways ≥ 2, shots ≥ 1, queries ≥ 1 and episodes ≥ 1; got {ways}, {shots}, {queries}, {episodes}"
        )
    labels = torch.as_tensor(labels).long()
    classes, counts = torch.unique(labels, return_counts=True)
    eligible = classes[counts >= shots + queries]
    if len(eligible) < ways:
        raise DataError(
            f"{ways}-way {shots}-shot with {queries} queries per class needs {ways} classes with ≥ "
            f"{shots + queries} items each, found {len(eligible)}; use fewer ways or shots, or more classes"
        )
    members = {int(c): torch.nonzero(labels == c).flatten() for c in eligible}
    generator = torch.Generator().manual_seed(seed)
    accuracies = torch.empty(episodes, dtype=torch.float64)
    for e in range(episodes):
        chosen = eligible[torch.randperm(len(eligible), generator=generator)[:ways]]
        support, query = [], []
        for c in chosen.tolist():
            items = members[c][torch.randperm(len(members[c]), generator=generator)[: shots + queries]]
            support.append(items[:shots])
            query.append(items[shots:])
        support_idx, query_idx = torch.cat(support), torch.cat(query)
        sim = similarity(query_idx, support_idx)
        predicted = torch.arange(ways).repeat_interleave(shots)[sim.argmax(1)]
        truth = torch.arange(ways).repeat_interleave(queries)
        accuracies[e] = (predicted == truth).double().mean()
    return accuracies


def _embedding_similarity(embeddings: torch.Tensor, distance: Distance) -> SimilarityFn:
    return lambda q, s: -distance.pairwise(embeddings[q], embeddings[s])


@torch.no_grad()
def _pair_score_similarity(
    model: nn.Module, x: torch.Tensor, score_kind: str, embeddings: torch.Tensor | None = None
) -> SimilarityFn:
    """The model's own score of every (query, support) pair, oriented so larger = more alike."""
    if isinstance(model, EmbeddingPairModel):
        embeddings = embed_items(model, x) if embeddings is None else embeddings
        if isinstance(model.head, DistanceHead):  # the same distances, without repeating every pair
            return lambda q, s: to_similarity(model.head.distance.pairwise(embeddings[q], embeddings[s]).float(), score_kind)

        def score(q: torch.Tensor, s: torch.Tensor) -> torch.Tensor:
            a = embeddings[q].repeat_interleave(len(s), dim=0)
            b = embeddings[s].repeat(len(q), 1)
            return model.head(a, b).view(len(q), len(s))
    else:

        def score(q: torch.Tensor, s: torch.Tensor) -> torch.Tensor:
            x1 = as_float(x[q]).repeat_interleave(len(s), dim=0)
            x2 = as_float(x[s]).repeat(len(q), *([1] * (x.ndim - 1)))
            return model(x1, x2).view(len(q), len(s))

    def similarity(q: torch.Tensor, s: torch.Tensor) -> torch.Tensor:
        return to_similarity(score(q, s).float(), score_kind)

    return similarity


def few_shot_accuracy(
    model: nn.Module,
    data: LabeledData,
    ways: int = 5,
    shots: int = 1,
    episodes: int = 1000,
    queries: int = 5,
    seed: int = 0,
    scorer: str = "pair_score",
    metric: str | Distance = "euclidean",
    score_kind: str | None = None,
    embeddings: torch.Tensor | None = None,
) -> FewShotResult:
    """N-way K-shot accuracy of ``model`` on the items of ``data`` (use classes it never trained on).

    ``scorer="pair_score"`` ranks supports by the model's own score (direction from ``score_kind``,
    default ``model.score_kind``); ``scorer="embedding"`` by ``metric`` (a
    :class:`~siamkit.nn.distances.Distance` or its name) between embeddings. ``embeddings`` ``[N, D]``: the
    model's embeddings of ``data``'s items when already computed (they are not computed again).

    Example:
        >>> result = few_shot_accuracy(model, unseen, ways=5, shots=1, episodes=1000)  # doctest: +SKIP
        >>> f"{result.accuracy:.3f} ± {result.ci95:.3f}"  # doctest: +SKIP
    """
    check_choice(scorer, SCORERS, "scorer")
    distance = get_distance(metric)
    was_training = model.training
    model.eval()
    try:
        if scorer == "embedding":
            similarity = _embedding_similarity(embed_items(model, data.x) if embeddings is None else embeddings, distance)
        else:
            kind = score_kind or (model.score_kind if isinstance(model, PairModel) else None)
            if kind is None:
                raise ConfigError("the model has no score_kind; pass score_kind='distance' or 'similarity'")
            similarity = _pair_score_similarity(model, data.x, kind, embeddings)
        with torch.no_grad():
            per_episode = run_episodes(data.y, similarity, ways, shots, episodes, queries, seed)
    finally:
        model.train(was_training)
    std = float(per_episode.std(unbiased=True)) if episodes > 1 else 0.0
    return FewShotResult(
        ways=ways,
        shots=shots,
        queries=queries,
        episodes=episodes,
        accuracy=float(per_episode.mean()),
        ci95=1.96 * std / math.sqrt(episodes),
        std=std,
        scorer=scorer if scorer == "pair_score" else f"embedding ({distance.name})",
        classes=[data.class_names[c] for c in data.classes()],
        per_episode=per_episode,
    )
