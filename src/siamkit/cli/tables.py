"""The metric tables the commands print (rich): one row per set of pairs, model or baseline."""

from __future__ import annotations

from typing import Iterable, Mapping, Sequence

Column = tuple[str, str, str]  # heading, key in a row's metrics, format spec

PAIR_COLUMNS: tuple[Column, ...] = (
    ("ROC AUC", "roc_auc", ".4f"),
    ("EER", "eer", ".4f"),
    ("threshold", "threshold", ".4f"),
    ("accuracy", "accuracy", ".4f"),
)
TEXT_COLUMNS: tuple[Column, ...] = tuple(c for c in PAIR_COLUMNS if c[0] != "threshold")


def print_table(title: str, first: str, columns: Sequence[Column], rows: Iterable[tuple[str, Mapping]]) -> None:
    """A table headed ``first`` + the ``columns`` headings; each row is (name, metrics)."""
    from rich.console import Console
    from rich.table import Table

    table = Table(title=title)
    table.add_column(first)
    for heading, _, _ in columns:
        table.add_column(heading, justify="right")
    for name, metrics in rows:
        table.add_row(name, *(format(metrics[key], spec) for _, key, spec in columns))
    Console().print(table)


def print_metrics(metrics: dict, title: str) -> None:
    """The results of ``siamkit train`` / ``eval``: image pairs (test, and unseen classes when held out),
    or text pairs (the model beside the bag-of-words cosine baseline). A baseline row goes in ``rows``."""
    if "baseline_bow_cosine" in metrics:
        first, columns = "test pairs", TEXT_COLUMNS
        rows = [("model", metrics), ("bag-of-words cosine", metrics["baseline_bow_cosine"])]
    else:
        first, columns = "pairs", PAIR_COLUMNS
        rows = [("test (seen classes)", metrics)]
        if "unseen_classes" in metrics:
            unseen = metrics["unseen_classes"]
            rows.append((f"unseen classes {','.join(unseen['classes'])}", unseen))
    print_table(title, first, columns, rows)
