"""Readable output of a :class:`~siamkit.doctor.Diagnosis`: a rich table of findings and a summary line."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from siamkit.doctor.findings import Diagnosis

_STYLE = {"error": "bold red", "warning": "yellow", "info": "cyan"}


def _evidence_text(evidence: dict[str, Any]) -> str:
    return "\n".join(f"{k} = {v:.4g}" if isinstance(v, float) else f"{k} = {v}" for k, v in evidence.items())


def summary(diagnosis: Diagnosis) -> str:
    """One line: how many findings of each severity, how many checks ran, and how long it took."""
    counts = {s: sum(f.severity == s for f in diagnosis.findings) for s in _STYLE}
    ran = sum(status == "ran" for status in diagnosis.checks.values())
    skipped = len(diagnosis.checks) - ran
    verdict = "no errors" if not counts["error"] else f"{counts['error']} error(s)"
    if diagnosis.failed:
        verdict = f"INCOMPLETE ({len(diagnosis.failed)} check(s) could not run), {verdict}"
    return (
        f"{verdict}, {counts['warning']} warning(s), {counts['info']} note(s); {ran} checks ran"
        f"{f', {skipped} skipped/failed' if skipped else ''} in {diagnosis.seconds:.1f} s"
    )


def print_diagnosis(diagnosis: Diagnosis, title: str = "siamkit doctor", show_checks: bool = False) -> None:
    """Print the findings as a table (severity, id, what is wrong, evidence, fix) and a summary."""
    from rich.console import Console
    from rich.markup import escape
    from rich.table import Table

    console = Console()
    if not console.is_terminal:
        console = Console(width=120)
    if diagnosis.findings:
        table = Table(title=title, show_lines=True)
        table.add_column("severity")
        table.add_column("id", overflow="fold")
        table.add_column("finding → fix", overflow="fold", ratio=3)
        table.add_column("evidence", overflow="fold", ratio=2)
        for f in diagnosis.findings:
            table.add_row(
                f"[{_STYLE[f.severity]}]{f.severity}[/]",
                f.id,
                f"{escape(f.title)}\n[green]→ {escape(f.fix)}[/]",
                escape(_evidence_text(f.evidence)),
            )
        console.print(table)
    if show_checks or not diagnosis.findings or diagnosis.failed:
        checks = Table(title=f"{title}: checks")
        checks.add_column("check")
        checks.add_column("status", overflow="fold")
        for name, status in diagnosis.checks.items():
            checks.add_row(name, f"[bold red]{escape(status)}[/]" if status.startswith("failed") else escape(status))
        console.print(checks)
    if diagnosis.layout:
        console.print(f"layout {escape(diagnosis.layout)}")
    console.print(summary(diagnosis))


def print_expected(diagnosis: Diagnosis, expected: Iterable[str], title: str = "siamkit doctor") -> bool:
    """Print the diagnosis, then whether every ``expected`` finding id is among its errors; returns that.

    For reproductions of a known failure mode (``examples/doctor_*.py``) and regression checks of your own.
    """
    print_diagnosis(diagnosis, title)
    wanted = sorted(expected)
    found = set(wanted) <= {f.id for f in diagnosis.errors}
    print(f"expected {wanted}: {'found' if found else 'NOT found'}")
    return found
