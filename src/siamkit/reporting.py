"""Full evaluation of a trained pair model on named parts of a dataset, and its report folder.

A *part* is a set of labelled items: ``test`` / ``val`` (seen classes, the stored split),
``unseen`` (classes held out from training) or ``all`` (every item, for data the model never saw).
Each part gets pair verification metrics at the model's calibrated threshold (never re-tuned on
the part), retrieval metrics on its embeddings and N-way 1-shot accuracy. The report folder holds
PNG plots, ``metrics.json`` and an ``index.html`` showing them all.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch
from torch import nn

from siamkit.checkpoint import Checkpoint
from siamkit.conventions import to_similarity
from siamkit.data import LabeledData, PairDataset, load_dataset
from siamkit.errors import ConfigError, DataError
from siamkit.evaluation import embed_items, pair_scores, verification_report
from siamkit.fileio import write_json

SPLITS = ("test", "val", "unseen", "all")
PART_TITLES = {"test": "test (seen classes)", "val": "validation", "unseen": "unseen classes", "all": "all items"}
# Pair-set seeds relative to the split seed, shared by training (validation pairs) and evaluation.
PART_SEED_OFFSETS = {"all": 0, "val": 1, "test": 2, "unseen": 3}
RECALL_KS = (1, 5, 10)


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
    return getattr(getattr(model, "head", None), "metric", "euclidean")


def dataset_parts(meta: dict[str, Any], dataset: str, split: str | None = None) -> dict[str, LabeledData]:
    """The parts of ``dataset`` to evaluate a checkpoint (with metadata ``meta``) on.

    On the dataset it was trained on the stored split is rebuilt: ``split=None`` gives ``test``
    and (when classes were held out) ``unseen``; a named split gives that part alone. Any other
    dataset has only ``all``.
    """
    from siamkit.workflow import split_data

    if split is not None and split not in SPLITS:
        raise ConfigError(f"unknown split '{split}'; choose one of: {', '.join(SPLITS)}")
    data = load_dataset(dataset)
    expected = meta.get("input_shape")
    if expected is not None and list(data.input_shape) != list(expected):
        raise DataError(f"{dataset} items have shape {list(data.input_shape)} but the model expects {list(expected)}")
    if dataset != meta.get("dataset"):
        if split not in (None, "all"):
            raise ConfigError(
                f"the model was not trained on {dataset}, so it has no stored '{split}' split; use --split all"
            )
        return {"all": data}
    stored = meta.get("split", {})
    splits = split_data(data, stored.get("held_out"), tuple(stored.get("fractions")), stored.get("seed", 0))
    available = {"test": splits.test, "val": splits.val, "unseen": splits.unseen, "all": data}
    if split is None:
        return {name: available[name] for name in ("test", "unseen") if available[name] is not None}
    if available[split] is None:
        raise DataError("no unseen classes were held out in training (need ≥ 2); evaluate --split test instead")
    return {split: available[split]}


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
    embeddings, and ``min(ways, classes)``-way 1-shot accuracy over ``episodes`` episodes."""
    from siamkit.fewshot import few_shot_accuracy
    from siamkit.retrieval import retrieval_metrics

    pairs = PairDataset(data, num_pairs, seed=seed)
    scores, labels = pair_scores(model, pairs)
    metrics: dict[str, Any] = verification_report(scores, labels, score_kind, threshold).as_dict()
    embeddings = embed_items(model, data.x) if hasattr(model, "embed") else None
    if embeddings is not None:
        ks = tuple(k for k in RECALL_KS if k < len(data))
        try:
            metrics["retrieval"] = retrieval_metrics(embeddings, data.y, ks=ks, metric=retrieval_metric_of(model)).as_dict()
        except DataError as exc:
            metrics["retrieval"] = {"skipped": str(exc)}
    n_ways = min(ways, len(data.classes()))
    try:
        result = few_shot_accuracy(model, data, ways=n_ways, shots=1, episodes=episodes, seed=seed, score_kind=score_kind)
        metrics["few_shot"] = result.as_dict()
    except (DataError, ConfigError) as exc:
        metrics["few_shot"] = {"skipped": str(exc)}
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


def read_history(path: str | Path) -> list[dict[str, float]]:
    """The per-epoch rows of a ``history.csv`` written by training (empty cells dropped)."""
    with Path(path).open(newline="") as f:
        return [{k: float(v) for k, v in row.items() if v not in ("", None)} for row in csv.DictReader(f)]


def build_report(
    out_dir: str | Path,
    results: list[PartResult],
    metrics: dict[str, Any],
    threshold: float,
    score_kind: str,
    title: str,
    history: list[dict[str, float]] | None = None,
) -> Path:
    """Write the plots, ``metrics.json`` and ``index.html`` of ``results`` to ``out_dir``; returns the page."""
    from siamkit.html_report import write_html_report
    from siamkit.report import plot_embedding_2d, plot_hard_pairs, plot_loss, plot_roc, plot_score_histogram

    out_dir = Path(out_dir)
    figures: list[tuple[str, str]] = []
    if history:
        plot_loss(history, out_dir / "loss.png")
        figures.append(("loss.png", "Training and validation loss per epoch"))
    curves = {
        PART_TITLES[r.name]: (to_similarity(r.scores, score_kind), r.pairs.labels) for r in results
    }
    plot_roc(curves, out_dir / "roc.png")
    plot_roc(curves, out_dir / "roc_log.png", log_x=True)
    figures += [("roc.png", "ROC curve"), ("roc_log.png", "ROC curve, false accept rate on a log scale")]
    for r in results:
        name = f"hist_{r.name}.png"
        plot_score_histogram(r.scores, r.pairs.labels, score_kind, threshold, out_dir / name, PART_TITLES[r.name])
        figures.append((name, f"{PART_TITLES[r.name]}: same vs different pair {score_kind}s, threshold dashed"))
    with_embeddings = [r for r in results if r.embeddings is not None]
    if with_embeddings:
        plot_embedding_2d(
            torch.cat([r.embeddings for r in with_embeddings]),
            torch.cat([r.data.y for r in with_embeddings]),
            with_embeddings[0].data.class_names,
            out_dir / "embedding.png",
        )
        figures.append(("embedding.png", "Embeddings of the evaluated items, coloured by class"))
    for r in results:
        name = f"hard_pairs_{r.name}.png"
        if plot_hard_pairs(r.pairs, r.scores, score_kind, threshold, out_dir / name) is not None:
            figures.append((name, f"{PART_TITLES[r.name]}: hardest false accepts (top) and false rejects (bottom)"))
    write_json(out_dir / "metrics.json", metrics)
    rule = "≤" if score_kind == "distance" else "≥"
    notes = [
        f"Pair label 1 = same, 0 = different. A pair is judged same when its {score_kind} is {rule} "
        f"{threshold:.4f}, the threshold calibrated on validation pairs and applied unchanged here.",
        "TAR@FAR is read off each part's own ROC; retrieval and few-shot metrics use the part's item embeddings.",
    ]
    columns = {PART_TITLES[r.name]: r.metrics for r in results}
    return write_html_report(out_dir / "index.html", title, columns, figures, notes)


def report_checkpoint(
    checkpoint: Checkpoint,
    dataset: str,
    split: str | None = None,
    num_pairs: int | None = None,
    report_dir: str | Path | None = None,
    history_path: str | Path | None = None,
) -> dict[str, Any]:
    """Evaluate a trained checkpoint on ``dataset`` (see :func:`dataset_parts`) at its calibrated
    threshold; with ``report_dir``, also write the report there. Returns the metrics dict."""
    if checkpoint.threshold is None:
        raise ConfigError("the checkpoint has no calibrated threshold; train it with `siamkit train`")
    meta = checkpoint.meta
    parts = dataset_parts(meta, dataset, split)
    seed = meta.get("split", {}).get("seed", 0)
    held_out = meta.get("split", {}).get("held_out")
    metrics, results = evaluate_parts(
        checkpoint.model, parts, checkpoint.threshold, checkpoint.score_kind,
        num_pairs or meta.get("eval_pairs", 4000), seed, held_out,
    )
    metrics["dataset"] = dataset
    if report_dir is not None:
        history = read_history(history_path) if history_path and Path(history_path).is_file() else None
        build_report(
            report_dir, results, metrics, checkpoint.threshold, checkpoint.score_kind,
            f"siamkit evaluation · {dataset}", history,
        )
    return metrics


def training_parts(splits: Any) -> dict[str, LabeledData]:
    """The parts a just-trained model is evaluated on: the test split (seen classes) and, when
    classes were held out, the unseen classes of ``splits`` (a :class:`siamkit.workflow.Splits`)."""
    parts = {"test": splits.test}
    if splits.unseen is not None:
        parts["unseen"] = splits.unseen
    return parts
