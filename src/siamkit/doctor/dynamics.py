"""Training-dynamics probes: short, seeded training runs of a copy of the model on a few pairs.

- overfit one batch (reference optimizer Adam, lr 1e-3): a working pipeline memorizes 32 pairs;
- learning rate (the user's optimizer): the loss must move at the given lr;
- gradient flow: both inputs must receive gradient;
- label-shuffle control: real labels must generalize better than shuffled ones;
- per-branch learnability: a property of one input alone must be learnable through either branch;
- loss convention: training must not push "same" pairs apart.
"""

from __future__ import annotations

import copy
import math

import torch

from siamkit.doctor.context import OVERFIT_SEPARATION, DoctorContext, Skip, auc, separation
from siamkit.doctor.findings import Finding
from siamkit.doctor.optimizer import REFERENCE_OPTIMIZER

LR_MULTIPLIERS = (10, 100, 1000)
STILL, MOVING = 1e-3, 1e-2  # relative loss decrease: "does not move" / "moves"


def overfit_one_batch(ctx: DoctorContext) -> list[Finding]:
    run = ctx.overfit_run
    _, _, y = ctx.probe_batch()
    after = auc(run.similarity_after, y)
    if run.finite and separation(run.similarity_after, y) >= OVERFIT_SEPARATION:
        return []
    shrunk = " (a probe shrunk to the time budget: rerun with budget_s=None / --budget 0 to confirm)"
    return [
        Finding(
            "dynamics.cannot_overfit",
            "warning" if ctx.shrunk else "error",
            f"the model cannot memorize {len(y)} pairs in {len(run.losses)} Adam steps: the pipeline "
            f"is broken (model, head, loss or data){shrunk if ctx.shrunk else ''}",
            {"pairs": len(y), "steps": len(run.losses), "loss_before": round(run.loss_before, 5),
             "loss_after": round(run.loss_after, 5), "auc_after": round(after, 4)},
            "fix the other errors first; a network that cannot overfit 32 pairs will not learn "
            "from thousands",
        )
    ]


def learning_rate(ctx: DoctorContext) -> list[Finding]:
    x1, x2, y = ctx.probe_batch()
    recipe = ctx.optimizer
    base = ctx.train_probe(x1, x2, y, recipe)
    moved = base.relative_decrease
    evidence: dict[str, float | int | str] = {
        "optimizer": recipe.describe(), "steps": ctx.steps, "relative_loss_decrease": float(f"{moved:.3g}"),
    }
    if not base.finite or moved < -0.5:
        return [
            Finding(
                "dynamics.learning_rate",
                "warning",
                f"the loss {'diverges' if not base.finite else 'rises'} at lr {recipe.lr:g}",
                evidence,
                f"lower the learning rate (try {recipe.lr / 10:g}) or clip gradients",
            )
        ]
    if moved >= STILL:
        return []
    for factor in LR_MULTIPLIERS:
        run = ctx.train_probe(x1, x2, y, recipe, lr=recipe.lr * factor)
        evidence[f"relative_loss_decrease_at_{factor}x"] = float(f"{run.relative_decrease:.3g}")
        if run.relative_decrease >= MOVING:
            return [
                Finding(
                    "dynamics.learning_rate",
                    "error",
                    f"the loss does not move at lr {recipe.lr:g} but does at {factor}× ({recipe.lr * factor:g})",
                    evidence,
                    f"raise the learning rate to about {recipe.lr * factor:g} (or use Adam with lr 1e-3)",
                )
            ]
    reference = ctx.overfit_run.relative_decrease
    evidence["relative_loss_decrease_reference"] = float(f"{reference:.3g}")
    if reference >= MOVING:
        return [
            Finding(
                "dynamics.learning_rate",
                "error",
                f"the loss does not move at lr {recipe.lr:g} ({recipe.describe()}), nor at up to "
                f"{LR_MULTIPLIERS[-1]}× that, while {REFERENCE_OPTIMIZER.describe()} lowers it by {reference:.0%} "
                "in as many steps",
                evidence,
                f"use {REFERENCE_OPTIMIZER.describe()} or raise the learning rate well above "
                f"{recipe.lr * LR_MULTIPLIERS[-1]:g}",
            )
        ]
    return [
        Finding(
            "dynamics.learning_rate",
            "warning",
            f"the loss does not move at lr {recipe.lr:g}, nor at up to {LR_MULTIPLIERS[-1]}× that",
            evidence,
            "the learning rate is not the (only) cause: look at the gradient-flow and activation findings",
        )
    ]


def gradient_flow(ctx: DoctorContext) -> list[Finding]:
    x1, x2 = ctx.mixed_batch
    if not (x1.dtype.is_floating_point and x2.dtype.is_floating_point):
        raise Skip("inputs are not floating point, so their gradients are undefined")
    _, _, y = ctx.probe_batch(0, len(x1))
    probe = copy.deepcopy(ctx.model).train()
    x1, x2 = x1.clone().requires_grad_(True), x2.clone().requires_grad_(True)
    ctx.compute_loss(probe, x1, x2, y).backward()
    norms = [float(x.grad.norm()) if x.grad is not None else 0.0 for x in (x1, x2)]
    evidence = {"grad_norm_x1": float(f"{norms[0]:.3g}"), "grad_norm_x2": float(f"{norms[1]:.3g}")}
    top = max(norms)
    if not all(math.isfinite(n) for n in norms):
        title = "the gradient is NaN or Inf"
    elif top == 0.0:
        title = "no gradient reaches either input: both branches are dead"
    elif min(norms) < 1e-4 * top:
        dead = "first" if norms[0] < norms[1] else "second"
        title = f"the {dead} input gets (almost) no gradient: its branch is dead or detached"
    else:
        return []
    return [
        Finding(
            "dynamics.gradient_flow",
            "error",
            title,
            evidence,
            "look for .detach(), torch.no_grad or .item() in forward, a frozen branch, or a final "
            "ReLU whose units are all off",
        )
    ]


def _held_out_auc(ctx: DoctorContext, train, test, labels: torch.Tensor) -> float:
    run = ctx.train_probe(train[0], train[1], labels)
    with torch.no_grad():
        similarity = ctx.similarity(ctx.forward(run.model.eval(), test[0], test[1]))
    return auc(similarity, test[2])


def label_shuffle(ctx: DoctorContext) -> list[Finding]:
    size = 2 * ctx.probe_pairs
    train = ctx.probe_batch(0, size)
    test = ctx.probe_batch(size, min(len(ctx.sample) - size, 2 * size))
    generator = torch.Generator().manual_seed(ctx.seed)
    shuffled = train[2][torch.randperm(len(train[2]), generator=generator)]
    real = _held_out_auc(ctx, train, test, train[2])
    control = _held_out_auc(ctx, train, test, shuffled)
    if real >= 0.6 or real > max(control, 0.5) + 0.05:  # held-out pairs are predictable: signal
        return []
    return [
        Finding(
            "dynamics.no_signal",
            "warning",
            "real labels generalize no better than shuffled labels (or chance) in a short probe: "
            "the label signal may not be in the pairs",
            {"held_out_auc_real": round(real, 4), "held_out_auc_shuffled": round(control, 4),
             "train_pairs": len(train[2]), "held_out_pairs": len(test[2])},
            "check that each label belongs to its pair (no shuffled or misaligned label array) and "
            "that the two halves are the items the label talks about",
        )
    ]


def branch_learnability(ctx: DoctorContext) -> list[Finding]:
    x1, x2 = ctx.mixed_batch
    flat = x1.flatten(1).double().mean(dim=1)
    labels = (flat > flat.median()).double()
    if labels.mean() < 0.25 or labels.mean() > 0.75:
        labels = (torch.randperm(len(x1), generator=torch.Generator().manual_seed(ctx.seed)) % 2).double()
    reference = x2[:1].expand_as(x1)
    results = []
    for varying, fixed_first in ((x1, False), (x1, True)):
        a, b = (reference, varying) if fixed_first else (varying, reference)
        run = ctx.train_probe(a, b, labels)
        value = auc(run.similarity_after, labels)
        results.append(max(value, 1.0 - value))
    first, second = results
    evidence = {"separation_first_branch": round(first, 4), "separation_second_branch": round(second, 4)}
    good, bad = max(results), min(results)
    if good < OVERFIT_SEPARATION or bad >= 0.75:
        return []
    weak = "first" if first < second else "second"
    return [
        Finding(
            "dynamics.dead_branch",
            "error",
            f"a property of one input is learnable through one branch but not through the {weak}",
            evidence,
            f"the {weak} branch does not reach the score: check that forward uses both inputs and "
            "that no branch is frozen or detached",
        )
    ]


def loss_convention(ctx: DoctorContext) -> list[Finding]:
    run = ctx.overfit_run
    _, _, y = ctx.probe_batch()
    before, after = auc(run.similarity_before, y), auc(run.similarity_after, y)
    if not (after <= 0.25 and after < before - 0.1):
        return []
    similar_label = getattr(ctx.loss, "similar_label", None)
    return [
        Finding(
            "loss.convention",
            "error",
            f"training with {type(ctx.loss).__name__} pushes 'same' pairs apart and 'different' pairs "
            "together: the labels and the loss use opposite conventions",
            {"auc_before": round(before, 4), "auc_after": round(after, 4), "score_kind": ctx.score_kind,
             **({"similar_label": similar_label} if similar_label is not None else {})},
            "siamkit labels are 1 = same: use ContrastiveLoss(similar_label=1) (the default) or flip the "
            "labels; a loss on a distance must grow with distance for 'same' pairs",
        )
    ]
