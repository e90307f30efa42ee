"""Full evaluation of a trained pair model on named parts of a dataset.

A *part* is a set of labelled items: ``test`` / ``val`` (seen classes, the stored split),
``unseen`` (classes held out from training) or ``all`` (every item, for data the model never saw).
Each part gets pair verification metrics at the model's calibrated threshold (never re-tuned on
the part), retrieval metrics on its embeddings and N-way 1-shot accuracy.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import torch
from torch import nn

from siamkit.core.errors import ConfigError, DataError
from siamkit.data import LabeledData, PairDataset
from siamkit.evaluation.inference import embed_items, pair_scores
from siamkit.evaluation.metrics import verification_report
from siamkit.nn.heads import DistanceHead
from siamkit.nn.interfaces import EmbeddingModel, EmbeddingPairModel

SPLITS = ("test", "val", "unseen", "all")


PART_TITLES = {"test": "test (seen classes)", "val": "validation", "unseen": "unseen classes", "all": "all items"}


# Pair-set seeds relative to the split seed, shared by training (validation pairs) and evaluation.
PART_SEED_OFFSETS = {"all": 0, "val": 1, "test": 2, "unseen": 3}


RECALL_KS = (1, 5, 10)

# (ways, shots) of the Vinyals / Koch one-shot tasks, scored on parts with at least 20 classes (``few_shot_tasks``)
FEW_SHOT_TASKS = ((5, 1), (5, 5), (20, 1), (20, 5))


@dataclass
class PartResult:
    """What one part's evaluation produced: its pairs and their raw scores, embeddings ``[N, D]``
    (``None`` for models without ``embed``) and its metrics dict."""

    name: str
    data: LabeledData
    pairs: PairDataset
    scores: torch.Tensor
    embeddings: torch.Tensor | None
    metrics: dict[str, Any]


def retrieval_metric_of(model: nn.Module) -> str:
    """The embedding metric retrieval uses: the distance head's own metric, else euclidean."""
    head = model.head if isinstance(model, EmbeddingPairModel) else None
    return head.metric if isinstance(head, DistanceHead) else "euclidean"


def evaluate_part(
    model: nn.Module,
    name: str,
    data: LabeledData,
    threshold: float,
    score_kind: str,
    num_pairs: int,
    seed: int,
    ways: int = 5,
    episodes: int = 200,
) -> PartResult:
    """Verification metrics at ``threshold`` (model units), Recall@K / MAP@R on the part's
    embeddings, and ``min(ways, classes)``-way 1-shot accuracy over ``episodes`` episodes; a part with at least
    20 classes also gets every task of :data:`FEW_SHOT_TASKS` under ``few_shot_tasks`` (``"20-way 1-shot"``: ...)."""
    from siamkit.evaluation.fewshot import few_shot_accuracy
    from siamkit.evaluation.retrieval import retrieval_metrics

    pairs = PairDataset(data, num_pairs, seed=seed)
    scores, labels = pair_scores(model, pairs)
    metrics: dict[str, Any] = verification_report(scores, labels, score_kind, threshold).as_dict()
    embeddings = embed_items(model, data.x) if isinstance(model, EmbeddingModel) else None
    if embeddings is not None:
        ks = tuple(k for k in RECALL_KS if k < len(data))
        try:
            metrics["retrieval"] = retrieval_metrics(embeddings, data.y, ks=ks, metric=retrieval_metric_of(model)).as_dict()
        except DataError as exc:
            metrics["retrieval"] = {"skipped": str(exc)}

    def few_shot(n_ways: int, shots: int) -> dict[str, Any]:
        try:
            return few_shot_accuracy(
                model, data, ways=n_ways, shots=shots, episodes=episodes, seed=seed, score_kind=score_kind,
                embeddings=embeddings,
            ).as_dict()
        except (DataError, ConfigError) as exc:
            return {"skipped": str(exc)}

    metrics["few_shot"] = few_shot(min(ways, len(data.classes())), 1)
    if len(data.classes()) >= max(w for w, _ in FEW_SHOT_TASKS):
        metrics["few_shot_tasks"] = {f"{w}-way {k}-shot": few_shot(w, k) for w, k in FEW_SHOT_TASKS}
    return PartResult(name, data, pairs, scores, embeddings, metrics)


def evaluate_parts(
    model: nn.Module,
    parts: dict[str, LabeledData],
    threshold: float,
    score_kind: str,
    num_pairs: int,
    seed: int,
    held_out: list[str] | None = None,
) -> tuple[dict[str, Any], list[PartResult]]:
    """Evaluate every part; the metrics dict keeps ``siamkit eval``'s shape: the first part's
    metrics at the top level, unseen classes under ``"unseen_classes"``, any other part by name."""
    results = [
        evaluate_part(model, name, data, threshold, score_kind, num_pairs, seed + PART_SEED_OFFSETS[name])
        for name, data in parts.items()
    ]
    metrics: dict[str, Any] = {"threshold": threshold, "score_kind": score_kind, "parts": list(parts)}
    for i, result in enumerate(results):
        if i == 0:
            metrics.update(result.metrics)
        elif result.name == "unseen":
            metrics["unseen_classes"] = {"classes": held_out or [], **result.metrics}
        else:
            metrics[result.name] = result.metrics
    return metrics, results


def training_parts(splits: Any) -> dict[str, LabeledData]:
    """The parts a just-trained model is evaluated on: the test split (seen classes) and, when
    classes were held out, the unseen classes of ``splits`` (a :class:`siamkit.experiments.splits.Splits`)."""
    parts = {"test": splits.test}
    if splits.unseen is not None:
        parts["unseen"] = splits.unseen
    return parts
