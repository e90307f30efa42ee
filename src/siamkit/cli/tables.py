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
        rows.append((f"unseen classes {class_list(unseen['classes'])}", unseen))
        rows += [(f"  {baseline_title(name)}", b["unseen_classes"]) for name, b in baselines.items()]
    print_table(title, "pairs", PAIR_COLUMNS, rows)
    print_lifts(metrics)
    if "few_shot_tasks" in metrics.get("unseen_classes", {}):
        print_few_shot_tasks(metrics["unseen_classes"], {name: b["unseen_classes"] for name, b in baselines.items()})


def class_list(names: Sequence[str], most: int = 10) -> str:
    """``"7,8,9"``, or ``"(922 classes)"`` past ``most`` names."""
    return ",".join(names) if len(names) <= most else f"({len(names)} classes)"


def print_few_shot_tasks(unseen: Mapping, baselines: Mapping[str, Mapping]) -> None:
    """N-way K-shot accuracy in % ± 95 % CI on the unseen classes, one row per task: the model, then each
    baseline (by its ``metrics.json`` name) on the same episodes."""
    scored = {"model": unseen, **baselines}

    def cell(metrics: Mapping, task: str) -> str:
        result = metrics.get("few_shot_tasks", {}).get(task, {})
        return f"{100 * result['accuracy']:.1f}±{100 * result['ci95']:.1f}" if "accuracy" in result else "—"

    rows = [(task, {name: cell(m, task) for name, m in scored.items()}) for task in unseen["few_shot_tasks"]]
    print_table("unseen classes: N-way K-shot accuracy, % (± 95 % CI)", "task", [(n, n, "") for n in scored], rows)


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
