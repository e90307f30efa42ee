"""What the doctor reports: :class:`Finding` (one cause, its evidence and its fix) and :class:`Diagnosis`."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Union

SEVERITIES = ("error", "warning", "info")

Evidence = dict[str, Union[float, int, str]]


@dataclass(frozen=True)
class Finding:
    """One detected problem.

    Attributes:
        id: stable dotted name of the cause, e.g. ``"data.identical_pairs"``.
        severity: ``"error"`` (training cannot work), ``"warning"`` (likely hurts) or ``"info"``.
        title: one line saying what is wrong.
        evidence: the measured numbers behind the finding (plain JSON-able values).
        fix: a concrete change that removes the cause.
    """

    id: str
    severity: str
    title: str
    evidence: Evidence
    fix: str

    def __post_init__(self) -> None:
        if self.severity not in SEVERITIES:
            raise ValueError(f"severity must be one of {SEVERITIES}, got '{self.severity}'")

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "severity": self.severity,
            "title": self.title,
            "evidence": dict(self.evidence),
            "fix": self.fix,
        }


@dataclass
class Diagnosis:
    """Findings of one :func:`~siamkit.doctor.diagnose` run, most severe first.

    ``checks`` maps each check name to ``"ran"``, ``"skipped: <why>"`` or ``"failed: <error>"``;
    ``seconds`` is the wall-clock time of the whole run; ``layout`` says how the model was called on a
    pair and how the data held it (see :mod:`siamkit.doctor.layout`).
    """

    findings: list[Finding] = field(default_factory=list)
    checks: dict[str, str] = field(default_factory=dict)
    seconds: float = 0.0
    layout: str = ""

    @property
    def errors(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == "error"]

    @property
    def failed(self) -> dict[str, str]:
        """Checks that could not run (an exception inside the check), with why."""
        return {k: v for k, v in self.checks.items() if v.startswith("failed")}

    @property
    def complete(self) -> bool:
        """True when every check ran or was skipped for a stated reason; none failed."""
        return not self.failed

    @property
    def ok(self) -> bool:
        """True when no finding has error severity and the diagnosis is complete."""
        return not self.errors and self.complete

    def ids(self) -> set[str]:
        return {f.id for f in self.findings}

    def get(self, finding_id: str) -> Finding | None:
        """The first finding with ``finding_id``, or ``None``."""
        return next((f for f in self.findings if f.id == finding_id), None)

    def to_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "complete": self.complete,
            "seconds": round(self.seconds, 3),
            "findings": [f.to_dict() for f in self.findings],
            "checks": dict(self.checks),
            "layout": self.layout,
        }
