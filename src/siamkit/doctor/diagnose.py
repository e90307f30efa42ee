"""Run the checks: :func:`diagnose` (API) and :func:`diagnose_checkpoint` (behind ``siamkit doctor``)."""

from __future__ import annotations

import time
from typing import Any, Callable, Sequence

import torch
from torch import nn

from siamkit.core.errors import ConfigError, DataError, SiamkitError
from siamkit.doctor import data_checks, data_repeats, dynamics, model_checks
from siamkit.doctor.budget import fit_budget
from siamkit.doctor.context import DoctorContext, Skip
from siamkit.doctor.detect import detect_layout, layout_finding
from siamkit.doctor.findings import SEVERITIES, Diagnosis, Finding
from siamkit.doctor.layout import Layout, parse_layout
from siamkit.doctor.optimizer import OptimizerRecipe
from siamkit.doctor.sample import as_pair_sample

Check = Callable[[DoctorContext], list[Finding]]

CHECKS: dict[str, Check] = {
    "data.labels": data_checks.labels_not_binary,
    "data.balance": data_checks.label_balance,
    "data.identical_pairs": data_checks.identical_pairs,
    "data.repeated_pairs": data_repeats.repeated_pairs,
    "data.conflicting_labels": data_repeats.conflicting_labels,
    "data.degenerate_inputs": data_checks.degenerate_inputs,
    "data.pair_class_consistency": data_checks.pair_class_consistency,
    "data.train_test_overlap": data_checks.train_test_overlap,
    "model.output_activation": model_checks.output_activation,
    "model.head_capacity": model_checks.head_capacity,
    "model.unshared_encoders": model_checks.unshared_encoders,
    "model.embedding_collapse": model_checks.embedding_collapse,
    "model.constant_output": model_checks.constant_output,
    "dynamics.overfit_one_batch": dynamics.overfit_one_batch,
    "dynamics.learning_rate": dynamics.learning_rate,
    "dynamics.gradient_flow": dynamics.gradient_flow,
    "dynamics.label_shuffle": dynamics.label_shuffle,
    "dynamics.branch_learnability": dynamics.branch_learnability,
    "loss.convention": dynamics.loss_convention,
}


def _test_items(test_data: Any) -> torch.Tensor | None:
    if test_data is None:
        return None
    if torch.is_tensor(test_data):
        return test_data.float()
    items = getattr(test_data, "items", None)  # PairDataset
    if items is None:
        items = getattr(test_data, "x", None)  # LabeledData
    if not torch.is_tensor(items):
        raise DataError(
            f"test data must be LabeledData, a PairDataset or a tensor of items, got {type(test_data).__name__}"
        )
    return items.float()


def diagnose(
    model: nn.Module,
    pairs_or_dataset: Any,
    loss: nn.Module | None = None,
    optimizer: Any = None,
    test_data: Any = None,
    checks: Sequence[str] | None = None,
    num_pairs: int = 256,
    probe_pairs: int = 32,
    steps: int = 40,
    seed: int = 0,
    layout: str | Layout | None = None,
    budget_s: float | None = 30.0,
) -> Diagnosis:
    """Find what is wrong with a Siamese setup: data, model structure, training dynamics, loss.

    Nothing is trained in place: probes train seeded deep copies of ``model`` for ``steps`` steps.

    Args:
        model: a pair model, ideally with a ``score_kind`` (``"distance"`` or ``"similarity"``), called
            as ``forward(x1 [B, ...], x2 [B, ...])``, ``forward(data [B, 2, ...])``, ``forward(data
            [2, B, ...])`` or ``forward([x1, x2])`` (detected), returning scores ``[B]``, ``[B, 1]`` or
            two-class outputs ``[B, 2]``.
        pairs_or_dataset: :class:`~siamkit.data.LabeledData` (balanced pairs are drawn), a
            :class:`~siamkit.data.PairDataset`, a dataset of ``(x1, x2, y)`` or ``(x [2, ...], y)``
            items, a loader of ``(x1, x2, y)`` or ``(x [B, 2, ...], y)`` batches, or one such tuple;
            ``y`` ``[B]`` (1 = same, 0 = different) or one-hot ``[B, 2]``.
        loss: the training loss on the model's output and labels in its form (e.g. BCELoss on
            ``[B, 2]`` one-hot); default from ``score_kind`` (contrastive for distances,
            BCE-with-logits for similarities, cross-entropy for ``[B, 2]`` outputs).
        optimizer: the training optimizer (an instance, or a function ``params -> optimizer``); the
            learning-rate probe rebuilds its type and hyper-parameters. Default Adam, lr 1e-3.
        test_data: test items (LabeledData, PairDataset or a tensor ``[N, ...]``) for the leak check.
        checks: names from :data:`CHECKS` to run (default: all).
        num_pairs: pairs read from the data; ``probe_pairs``: pairs per probe batch;
        steps: optimizer steps per probe; ``seed``: seeds every draw and probe.
        layout: overrides of the detected layout, e.g. ``"stack0"`` or ``"stack1,two_class,same=0"``
            (see :func:`~siamkit.doctor.layout.parse_layout`); the assumed one is an info finding.
        budget_s: a time budget for the training probes (seconds): on a large model the probe batch
            and steps shrink, then the optional probes are skipped (see :mod:`siamkit.doctor.budget`);
            ``None`` runs them at full size. Small models fit the default and are not changed.

    Returns: a :class:`~siamkit.doctor.Diagnosis`, errors first. ``diagnosis.ok`` is False when any
    finding has error severity or any check failed (an incomplete diagnosis is no clean bill).

    Raises: :class:`~siamkit.core.errors.ConfigError` when the model cannot be called on the pairs in
    any layout (the message lists each one tried).

    Example:
        >>> report = diagnose(net, siamkit.digits(), loss=ContrastiveLoss())  # doctest: +SKIP
        >>> [f.id for f in report.errors]  # doctest: +SKIP
    """
    names = list(CHECKS) if checks is None else list(checks)
    unknown = [n for n in names if n not in CHECKS]
    if unknown:
        raise ConfigError(f"unknown doctor checks {unknown}; choose from: {', '.join(CHECKS)}")
    if probe_pairs < 4 or steps < 1 or num_pairs < probe_pairs:
        raise ConfigError(
            f"need probe_pairs ≥ 4, steps ≥ 1 and num_pairs ≥ probe_pairs; got {probe_pairs}, {steps}, {num_pairs}"
        )
    started = time.perf_counter()
    sample = as_pair_sample(pairs_or_dataset, num_pairs, seed, parse_layout(layout).get("same_column"))
    assumed, how = detect_layout(model, sample, loss, layout)
    ctx = DoctorContext(
        model, sample, loss, OptimizerRecipe.of(optimizer), _test_items(test_data), probe_pairs, steps, seed,
        assumed,
    )
    diagnosis = Diagnosis(layout=f"{how}: model {assumed.describe()}; data {sample.described}")
    if how == "given" or assumed != Layout() or sample.stacked or sample.one_hot:
        diagnosis.findings.append(layout_finding(assumed, how, sample))
    skipped = {} if budget_s is None else fit_budget(ctx, names, budget_s)
    for name in names:
        if name in skipped:
            diagnosis.checks[name] = skipped[name]
            continue
        try:
            diagnosis.findings.extend(CHECKS[name](ctx))
            diagnosis.checks[name] = "ran"
        except Skip as why:
            diagnosis.checks[name] = f"skipped: {why}"
        except SiamkitError:
            raise
        except Exception as exc:  # a check must not hide the others; the failure is reported
            diagnosis.checks[name] = f"failed: {type(exc).__name__}: {exc}"
    diagnosis.findings.sort(key=lambda f: SEVERITIES.index(f.severity))
    diagnosis.seconds = time.perf_counter() - started
    return diagnosis
