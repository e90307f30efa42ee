"""The report folder of an evaluation: PNG plots, ``metrics.json`` and an ``index.html`` showing them all.
"""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

import torch

from siamkit.core.conventions import to_similarity
from siamkit.core.fileio import write_json
from siamkit.evaluation.baselines import BASELINE_TITLES
from siamkit.evaluation.parts import PART_TITLES, PartResult


def read_history(path: str | Path) -> list[dict[str, float]]:
    """The per-epoch rows of a ``history.csv`` written by training (empty cells dropped)."""
    with Path(path).open(newline="") as f:
        return [{k: float(v) for k, v in row.items() if v not in ("", None)} for row in csv.DictReader(f)]


def part_curves(results: list[PartResult], score_kind: str, suffix: str = "") -> dict[str, tuple]:
    """``{part title + suffix: (similarity [P], labels [P])}`` of evaluated parts, for ROC plots."""
    return {PART_TITLES[r.name] + suffix: (to_similarity(r.scores, score_kind), r.pairs.labels) for r in results}


def build_report(
    out_dir: str | Path,
    results: list[PartResult],
    metrics: dict[str, Any],
    threshold: float,
    score_kind: str,
    title: str,
    history: list[dict[str, float]] | None = None,
    baselines: dict[str, list[PartResult]] | None = None,
) -> Path:
    """Write the plots, ``metrics.json`` and ``index.html`` of ``results`` to ``out_dir``; returns the page.
    ``baselines`` (name → the same parts scored by an untrained baseline) join the ROC plots and the table."""
    from siamkit.reporting.html import write_html_report
    from siamkit.reporting.plots import (
        plot_embedding_2d,
        plot_hard_pairs,
        plot_loss,
        plot_roc,
        plot_score_histogram,
    )

    out_dir = Path(out_dir)
    figures: list[tuple[str, str]] = []
    if history:
        plot_loss(history, out_dir / "loss.png")
        figures.append(("loss.png", "Training and validation loss per epoch"))
    baselines = baselines or {}
    curves = part_curves(results, score_kind)
    for name, parts in baselines.items():
        curves.update(part_curves(parts, "distance", f" · {BASELINE_TITLES.get(name, name)}"))
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
    for name, parts in baselines.items():
        columns.update({f"{PART_TITLES[r.name]} · {BASELINE_TITLES.get(name, name)}": r.metrics for r in parts})
    if baselines:
        notes.append(
            "Baselines are untrained (raw inputs; PCA fit on training items only), scored on the very same pairs and "
            "episodes, each with its own threshold calibrated on the same validation pairs."
        )
    return write_html_report(out_dir / "index.html", title, columns, figures, notes)
