"""``siamkit eval`` (verification and retrieval metrics) and ``siamkit oneshot`` (N-way K-shot accuracy)."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from siamkit.cli.options import checkpoint_argument, echo_json, image_checkpoint, json_option
from siamkit.cli.tables import print_metrics


def evaluate(
    checkpoint: Path = checkpoint_argument(),
    dataset: str = typer.Option("digits", help="Dataset to evaluate on (its stored split if trained on it)."),
    pairs: Optional[int] = typer.Option(None, min=1, help="Pairs per split (default: as in training)."),
    split: Optional[str] = typer.Option(
        None, help="test, val, unseen or all (default: test and unseen classes; other data: all)."
    ),
    report: Optional[Path] = typer.Option(None, help="Write plots, metrics.json and index.html to this folder."),
    as_json: bool = json_option("Print metrics as JSON."),
    stream: bool = typer.Option(False, help="A folder or CSV manifest: decode images from disk per batch."),
    workers: Optional[int] = typer.Option(None, min=0, help="--stream: decoding processes (default: cores − 1)."),
) -> None:
    """Evaluate a checkpoint at its calibrated threshold: ROC AUC, EER, TAR@FAR, Recall@K, MAP@R, 1-shot."""
    from siamkit.experiments.evaluate import report_checkpoint

    metrics = report_checkpoint(
        image_checkpoint(checkpoint), dataset, split, pairs, report, checkpoint.parent / "history.csv", stream, workers
    )
    if report is not None and not as_json:
        typer.echo(f"report: {report / 'index.html'}")
    if as_json:
        echo_json(metrics)
    elif "unseen_classes" in metrics or "eer" in metrics:
        print_metrics(metrics, f"siamkit eval · {checkpoint} · {dataset}")


def oneshot(
    checkpoint: Path = checkpoint_argument(),
    dataset: str = typer.Option("digits", help="Dataset whose classes the episodes draw from."),
    split: Optional[str] = typer.Option(
        None, help="test, val, unseen or all (default: unseen classes if any were held out, else all)."
    ),
    ways: int = typer.Option(5, min=2, help="N: classes per episode."),
    shots: int = typer.Option(1, min=1, help="K: support items per class."),
    queries: int = typer.Option(5, min=1, help="Query items per class and episode."),
    episodes: int = typer.Option(1000, min=1, help="Episodes to average over."),
    scorer: str = typer.Option("pair_score", help="pair_score (the model's own score) or embedding (nearest support)."),
    seed: int = typer.Option(0, help="Seed of the episode draws."),
    as_json: bool = json_option("Print the result as JSON."),
) -> None:
    """N-way K-shot classification accuracy, averaged over seeded episodes, with a 95 % interval."""
    from siamkit.evaluation.fewshot import few_shot_accuracy
    from siamkit.evaluation.parts import retrieval_metric_of
    from siamkit.experiments.evaluate import dataset_parts

    ckpt = image_checkpoint(checkpoint)
    if split is None:
        held_out = len(ckpt.meta.get("split", {}).get("held_out") or []) >= 2
        split = "unseen" if dataset == ckpt.meta.get("dataset") and held_out else "all"
    data = dataset_parts(ckpt.meta, dataset, split)[0][split]
    result = few_shot_accuracy(
        ckpt.model, data, ways=ways, shots=shots, episodes=episodes, queries=queries, seed=seed,
        scorer=scorer, metric=retrieval_metric_of(ckpt.model), score_kind=ckpt.score_kind,
    )
    out = {**result.as_dict(), "dataset": dataset, "split": split}
    if as_json:
        echo_json(out)
    else:
        typer.echo(
            f"{ways}-way {shots}-shot on {dataset} ({split}: classes {', '.join(result.classes)}): "
            f"accuracy {result.accuracy:.4f} ± {result.ci95:.4f} (95 % CI, {episodes} episodes, {result.scorer})"
        )
