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
    """The results of ``siamkit train`` / ``eval``: test pairs (seen classes for images), and unseen classes
    when held out, each followed by its untrained baselines' rows, then the lift over the best baseline."""
    baselines = metrics.get("baselines", {})
    rows = [("test (seen classes)" if "unseen_classes" in metrics else "test", metrics)]
    rows += [(f"  {baseline_title(name)}", b) for name, b in baselines.items()]
    if "unseen_classes" in metrics:
        unseen = metrics["unseen_classes"]
        rows.append((f"unseen classes {','.join(unseen['classes'])}", unseen))
        rows += [(f"  {baseline_title(name)}", b["unseen_classes"]) for name, b in baselines.items()]
    print_table(title, "pairs", PAIR_COLUMNS, rows)
    print_lifts(metrics)


def baseline_title(name: str) -> str:
    from siamkit.evaluation.baselines import BASELINE_TITLES

    return BASELINE_TITLES.get(name, name)


def print_lifts(metrics: dict) -> None:
    """One line per part: the model's ROC AUC against the best baseline's, and a named finding when it is not above."""
    import typer

    from siamkit.evaluation.baselines import below_baseline, transfer_fix

    lifts = metrics.get("lift_over_best_baseline", {})
    for part, lift in lifts.items():
        typer.echo(
            f"{part.replace('_', ' ')}: ROC AUC {lift['lift']:+.4f} over the best untrained baseline "
            f"({baseline_title(lift['best_baseline'])}, {lift['baseline_roc_auc']:.4f})"
        )
    for message in below_baseline(lifts, transfer_fix(metrics.get("input_kind"))):
        typer.echo(f"warning: {message}", err=True)
