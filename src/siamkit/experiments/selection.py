"""Choosing a training recipe without looking at the test classes (model selection for unseen classes).

A recipe chosen by its unseen-class test score is tuned to those classes, and its score is optimistic.
The honest way: hide the real held-out classes *and* the official test images entirely, then play the
protocol again inside what is left. Some seen classes become *proxy* unseen classes (a fold); each recipe
trains on the other seen classes and is scored on pairs of the proxy classes. The recipe with the best
mean proxy-unseen ROC AUC over the folds is then trained once on the real protocol and reported.
The proxy measures; it does not promise: on Fashion-MNIST the recipes it chose, twice, did worse on
the real unseen classes than the runner-up (README, "Choosing a recipe without the test classes"); both
times the winner's lead was inside the seed spread, which :func:`lead_over_runner_up` reports.

- :func:`selection_data`: the official training items of the seen classes, with a fresh, stratified
  train/test marking (``split``) so :func:`siamkit.experiments.splits.split_data` runs the protocol on it.
- :func:`run_selection`: every recipe on every fold with every seed; a table of proxy-unseen and
  seen-class ROC AUC, with the spread between seeds (the noise a difference must beat).
- :func:`lead_over_runner_up`: the best recipe's lead and the noise it must beat.
"""

from __future__ import annotations

import json
import math
import statistics
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import torch

from siamkit.core.errors import ConfigError
from siamkit.core.fileio import write_json
from siamkit.data.labeled import LabeledData
from siamkit.data.splits import stratified_split
from siamkit.experiments.config import ExperimentConfig
from siamkit.experiments.image import run_training
from siamkit.experiments.splits import held_out_split

__all__ = ["SelectionRow", "lead_over_runner_up", "run_selection", "selection_data"]


def selection_data(
    data: LabeledData, held_out: Sequence[str], test_fraction: float | None = None, seed: int = 0
) -> LabeledData:
    """Items for recipe selection: never an item of a ``held_out`` class, never an official test item.

    The remaining items get a new ``split`` (0 = train, 1 = test), drawn stratified by class with
    ``test_fraction`` of each class marked 1. Default: the official test share of ``data`` (so the
    proxy protocol has the real one's proportions), or 0.15 for data without an official split.
    ``name`` becomes ``"<name> (selection)"``.
    """
    keep = torch.ones(len(data), dtype=torch.bool)
    if held_out:
        keep[held_out_split(data, list(held_out))[1]] = False
    if data.split is not None:
        keep &= data.split == 0
        if test_fraction is None:
            test_fraction = float((data.split == 1).float().mean())
    test_fraction = 0.15 if test_fraction is None else test_fraction
    if not 0 < test_fraction < 1:
        raise ConfigError(f"test_fraction must be in (0, 1), got {test_fraction}")
    kept = data.subset(torch.nonzero(keep).flatten())
    _, test_idx = stratified_split(kept.y, (1 - test_fraction, test_fraction), seed)
    split = torch.zeros(len(kept), dtype=torch.long)
    split[test_idx] = 1
    return LabeledData(kept.x, kept.y, kept.class_names, f"{data.name} (selection)", split)


@dataclass
class SelectionRow:
    """One recipe's proxy-unseen and seen-class ROC AUC and training seconds, per run, keyed
    ``"<fold>/<seed>"`` (e.g. ``"A/0"``), with means over all runs and the spread between seeds;
    ``baseline_auc``: the best untrained baseline's proxy-unseen ROC AUC on the same pairs, per run."""

    recipe: str
    unseen_auc: dict[str, float]
    seen_auc: dict[str, float]
    train_seconds: dict[str, float]
    baseline_auc: dict[str, float] = field(default_factory=dict)

    @property
    def mean_unseen_auc(self) -> float:
        return statistics.fmean(self.unseen_auc.values())

    @property
    def mean_seen_auc(self) -> float:
        return statistics.fmean(self.seen_auc.values())

    @property
    def mean_lift(self) -> float:
        """Mean proxy-unseen ROC AUC above the best untrained baseline (``nan`` when no baseline was scored)."""
        if not self.baseline_auc:
            return math.nan
        return statistics.fmean(self.unseen_auc[key] - self.baseline_auc[key] for key in self.baseline_auc)

    @property
    def lifts(self) -> dict[str, float]:
        """Proxy-unseen ROC AUC above the best untrained baseline, per run."""
        return {key: self.unseen_auc[key] - auc for key, auc in self.baseline_auc.items()}

    @property
    def unseen_auc_by_seed(self) -> dict[str, float]:
        """Proxy-unseen ROC AUC averaged over the folds, per seed."""
        by_seed: dict[str, list[float]] = {}
        for key, auc in self.unseen_auc.items():
            by_seed.setdefault(key.rsplit("/", 1)[1], []).append(auc)
        return {seed: statistics.fmean(values) for seed, values in by_seed.items()}

    @property
    def seed_spread(self) -> float:
        """Largest minus smallest per-seed mean: how much of a difference between recipes is noise."""
        means = self.unseen_auc_by_seed.values()
        return max(means) - min(means)

    def as_dict(self) -> dict[str, Any]:
        return {
            "recipe": self.recipe, "mean_unseen_auc": self.mean_unseen_auc, "seed_spread": self.seed_spread,
            "mean_seen_auc": self.mean_seen_auc, "unseen_auc": self.unseen_auc, "seen_auc": self.seen_auc,
            "train_seconds": self.train_seconds, "baseline_auc": self.baseline_auc, "mean_lift": self.mean_lift,
        }


def run_selection(
    data: LabeledData,
    recipes: Mapping[str, ExperimentConfig],
    folds: Mapping[str, Sequence[str]],
    out_dir: str | Path,
    seeds: Sequence[int] = (0,),
    on_row: Callable[[SelectionRow], None] | None = None,
) -> list[SelectionRow]:
    """Train every recipe on every fold of ``data`` (from :func:`selection_data`) with every seed;
    best mean proxy-unseen ROC AUC first.

    A fold names the proxy unseen classes (≥ 2). A seed replaces the recipe's ``train.seed`` (its
    train/validation split, initialisation and batches); one recipe's seeds can differ by more than two
    recipes do, so rank on several. Each run writes to ``out_dir/<recipe>/seed-<seed>/<fold>/``; a run
    whose ``metrics.json`` is already there is read, not repeated, so an interrupted selection resumes.
    ``on_row`` is called with each recipe's row as soon as all its runs are done. The table is also
    written to ``out_dir/selection.json``.
    """
    if not folds or any(len(classes) < 2 for classes in folds.values()):
        raise ConfigError("each fold needs two or more proxy unseen classes (pairs of them are scored)")
    if not seeds:
        raise ConfigError("give at least one seed")
    out_dir = Path(out_dir)
    rows = []
    for name, recipe in recipes.items():
        row = SelectionRow(name, {}, {}, {})
        for seed in seeds:
            seeded = replace(recipe, train=replace(recipe.train, seed=seed))
            for fold, classes in folds.items():
                metrics = _fold_metrics(data, seeded, list(classes), out_dir / name / f"seed-{seed}" / fold)
                key = f"{fold}/{seed}"
                row.unseen_auc[key] = metrics["unseen_classes"]["roc_auc"]
                row.seen_auc[key] = metrics["roc_auc"]
                row.train_seconds[key] = metrics["train_seconds"]
                lift = metrics.get("lift_over_best_baseline", {}).get("unseen_classes")
                if lift is not None:
                    row.baseline_auc[key] = lift["baseline_roc_auc"]
        rows.append(row)
        if on_row is not None:
            on_row(row)
    rows.sort(key=lambda r: r.mean_unseen_auc, reverse=True)
    write_json(out_dir / "selection.json", {"folds": {k: list(v) for k, v in folds.items()}, "seeds": list(seeds),
                                            "rows": [r.as_dict() for r in rows]})
    return rows


def lead_over_runner_up(rows: Sequence[SelectionRow]) -> tuple[float, float]:
    """``(lead, noise)`` for rows ranked best first (as :func:`run_selection` returns them): the best
    recipe's lead in mean proxy-unseen ROC AUC over the second, and the larger of their two seed spreads.
    A lead smaller than the noise is no evidence that the best recipe is the better one.

    Example:
        >>> best = SelectionRow("a", {"A/0": 0.80, "A/1": 0.82}, {}, {})
        >>> second = SelectionRow("b", {"A/0": 0.80, "A/1": 0.80}, {}, {})
        >>> tuple(round(v, 3) for v in lead_over_runner_up([best, second]))
        (0.01, 0.02)
    """
    if len(rows) < 2:
        raise ConfigError("a lead needs two or more recipes")
    return rows[0].mean_unseen_auc - rows[1].mean_unseen_auc, max(rows[0].seed_spread, rows[1].seed_spread)


def _fold_metrics(data: LabeledData, recipe: ExperimentConfig, proxy: list[str], run_dir: Path) -> dict[str, Any]:
    done = run_dir / "metrics.json"
    if done.is_file():
        return json.loads(done.read_text())
    return run_training(replace(recipe, protocol="unseen-classes", held_out=proxy), run_dir, data=data)
