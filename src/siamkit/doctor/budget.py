"""Fit a diagnosis into a time budget: time one training step of a copy, then shrink the probes.

The dynamics probes train copies for ``steps`` steps on ``probe_pairs`` pairs; on a large model (two
ResNet-18s on 128×128 images) the defaults take minutes on a CPU. Given ``budget_s``, the probe
batch and step count are reduced (to at least ``MIN_PAIRS`` and ``MIN_STEPS``) and, when that is not
enough, the optional probes (label shuffle, per-branch learnability) are skipped with the reason. A shrunk
overfit probe that has not memorized its batch trains on, up to 3× its steps more, until it does (see
:attr:`~siamkit.doctor.context.DoctorContext.overfit_run`): a broken model costs that much more than estimated.
"""

from __future__ import annotations

import copy
import time

from siamkit.doctor.context import DoctorContext
from siamkit.doctor.optimizer import REFERENCE_OPTIMIZER

MIN_PAIRS, MIN_STEPS = 8, 12
TIMING_PAIRS = 8
# training steps each probe runs, in units of (steps × probe batch); forward-only checks count ~1
COST = {
    "dynamics.overfit_one_batch": 1.0,
    "dynamics.learning_rate": 2.0,
    "dynamics.gradient_flow": 0.1,
    "dynamics.label_shuffle": 4.5,
    "dynamics.branch_learnability": 2.0,
}
OPTIONAL = ("dynamics.label_shuffle", "dynamics.branch_learnability")


def pair_step_seconds(ctx: DoctorContext) -> float:
    """Seconds per pair of one reference-optimizer step of a copy on a ``TIMING_PAIRS`` batch, after a
    warm-up step on half of it (first calls pay one-off allocation costs)."""
    x1, x2, y = ctx.probe_batch(0, TIMING_PAIRS)
    probe = copy.deepcopy(ctx.model).train()
    opt = REFERENCE_OPTIMIZER.build([p for p in probe.parameters() if p.requires_grad])
    seconds = 0.0
    for end in (len(y) // 2, len(y)):
        started = time.perf_counter()
        opt.zero_grad(set_to_none=True)
        ctx.compute_loss(probe, x1[:end], x2[:end], y[:end]).backward()
        opt.step()
        seconds = time.perf_counter() - started
    return seconds / len(y)


def fit_budget(ctx: DoctorContext, names: list[str], budget_s: float) -> dict[str, str]:
    """Shrink ``ctx.probe_pairs`` / ``ctx.steps`` so the dynamics probes in ``names`` fit ``budget_s``;
    returns the optional checks to skip, with why. Leaves ``ctx`` alone when the estimate fits."""
    units = sum(COST.get(n, 0.0) for n in names)
    if units == 0:
        return {}
    try:
        per_pair_step = pair_step_seconds(ctx)
    except Exception:  # Skip or a broken model: the probes themselves will say why
        return {}
    estimate = lambda pairs, steps, u: per_pair_step * pairs * steps * (u + 1.0)  # +1: forward-only checks
    if estimate(ctx.probe_pairs, ctx.steps, units) <= budget_s:
        return {}
    full = estimate(ctx.probe_pairs, ctx.steps, units)
    ctx.shrunk = True
    ctx.probe_pairs = max(MIN_PAIRS, min(ctx.probe_pairs, int(budget_s / (per_pair_step * MIN_STEPS * (units + 1)))))
    ctx.steps = max(MIN_STEPS, min(ctx.steps, int(budget_s / (per_pair_step * ctx.probe_pairs * (units + 1)))))
    skipped: dict[str, str] = {}
    for name in OPTIONAL:
        if name in names and estimate(ctx.probe_pairs, ctx.steps, units) > budget_s:
            units -= COST[name]
            skipped[name] = (
                f"skipped: over the time budget ({full:.0f} s estimated at full size, budget {budget_s:g} s); "
                "pass budget_s=None (--budget 0) to run it"
            )
    return skipped
