"""Model-structure checks on one eval-mode forward pass of a copy (no training).

They feed *mixed* pairs (halves taken from different pairs), so a data bug that feeds one image twice
cannot make a healthy model look broken.
"""

from __future__ import annotations

import copy

import torch
from torch import nn

from siamkit.doctor.context import DoctorContext, Skip
from siamkit.doctor.data_checks import content_ids
from siamkit.doctor.findings import Finding
from siamkit.doctor.trace import trace_forward

GRID = 8  # distinct inputs per side of the head-capacity score grid
BOUNDING = (nn.ReLU, nn.ReLU6, nn.Sigmoid, nn.Tanh, nn.Hardtanh, nn.Hardsigmoid, nn.Softmax, nn.Softplus)
CLAMPING = (nn.ReLU, nn.ReLU6)  # zero gradient below 0
PROBABILITIES = (nn.Sigmoid, nn.Hardsigmoid, nn.Softmax)
PROBABILITY_LOSSES = (nn.BCELoss,)
REGRESSION_LOSSES = (nn.MSELoss, nn.L1Loss, nn.SmoothL1Loss, nn.HuberLoss)


def _last_leaf(leaves: list, end: int | None = None) -> tuple[str, nn.Module, object] | None:
    leaves = leaves[:end] if end is not None else leaves
    return leaves[-1] if leaves else None


def _embedding_leaf(ctx: DoctorContext) -> tuple[str, nn.Module, torch.Tensor] | None:
    """The leaf whose output is the embedding: the last one before the head, or the last of ``embed``."""
    trace = ctx.trace
    if trace.head_start is not None:
        return _last_leaf(trace.leaves, trace.head_start)
    embed = getattr(ctx.model, "embed", None)
    if not callable(embed):
        return None
    probe = copy.deepcopy(ctx.model).eval()
    with torch.no_grad():
        return _last_leaf(trace_forward(probe, lambda: probe.embed(ctx.mixed_batch[0])).leaves)


def _score_activation(name: str, module: nn.Module, loss: nn.Module) -> Finding | None:
    """A finding on a final activation of the score, judged by what the loss expects; None when fine."""
    act, loss_name = type(module).__name__, type(loss).__name__
    evidence = {"layer": name, "activation": act, "output": "score", "loss": loss_name}
    takes_probabilities = isinstance(loss, PROBABILITY_LOSSES)
    if isinstance(module, CLAMPING):
        fix = "Sigmoid (BCELoss takes probabilities)" if takes_probabilities else "no activation (the loss takes logits)"
        return Finding(
            "model.output_activation", "error",
            f"the score passes through {act} ('{name}') before {loss_name}: every output below 0 is "
            "clamped there and gets no gradient",
            evidence, f"end the model with {fix}; a ReLU on the output kills the 'different' side",
        )
    if takes_probabilities:
        return None if isinstance(module, PROBABILITIES) else Finding(
            "model.output_activation", "error",
            f"{loss_name} takes probabilities in [0, 1] but the score ends in {act} ('{name}')",
            evidence, "end the model with a Sigmoid (or drop it and use BCEWithLogitsLoss)",
        )
    if isinstance(loss, REGRESSION_LOSSES):
        return Finding(
            "model.output_activation", "info",
            f"the score passes through {act} ('{name}') before {loss_name}: it trains, with gradients "
            "that fade as outputs saturate",
            evidence, "optional: return the logit and train with BCEWithLogitsLoss for stronger gradients",
        )
    return Finding(
        "model.output_activation", "error",
        f"the score passes through {act} ('{name}') before {loss_name}, which applies its own squashing",
        evidence,
        "remove the final activation: return the raw logit of 'same' and let the loss apply the sigmoid "
        "(BCEWithLogits)",
    )


def output_activation(ctx: DoctorContext) -> list[Finding]:
    findings = []
    last = _last_leaf(ctx.trace.leaves)
    if ctx.score_kind == "similarity" and last is not None and isinstance(last[1], BOUNDING):
        finding = _score_activation(last[0], last[1], ctx.loss)
        findings += [finding] if finding is not None else []
    leaf = _embedding_leaf(ctx)
    if leaf is not None and isinstance(leaf[1], BOUNDING) and torch.is_tensor(leaf[2]):
        name, module, out = leaf
        dim = int(out.flatten(1).shape[1])
        dead = float((out == 0).double().mean())
        severe = dim <= 16 or dead >= 0.5
        findings.append(
            Finding(
                "model.output_activation",
                "error" if severe else "warning",
                f"the embedding ends in {type(module).__name__} ('{name}'): a {dim}-d embedding confined "
                f"to a bounded region, {dead:.0%} of its values exactly 0",
                {"layer": name, "activation": type(module).__name__, "output": "embedding",
                 "embedding_dim": dim, "zero_fraction": round(dead, 4)},
                "end the encoder with a plain Linear layer (no ReLU/Sigmoid after it); dead ReLU units "
                "give zero distance and zero gradient",
            )
        )
    return findings


def _distinct(x: torch.Tensor, n: int) -> torch.Tensor:
    """Up to ``n`` items of ``x`` ``[P, ...]`` with distinct content, in order of first occurrence."""
    ids = content_ids(x)
    first = torch.full((int(ids.max()) + 1,), len(ids), dtype=torch.long).scatter_reduce(
        0, ids, torch.arange(len(ids)), reduce="amin"
    )
    return x[first.sort().values[:n]]


def _grid_sides(ctx: DoctorContext, n: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Distinct first and second inputs for the score grid; both from the item pool when one side of
    the data never varies (one template compared with many candidates)."""
    s = ctx.sample
    a, b = _distinct(s.x1, n), _distinct(s.x2, n)
    if (len(a) < 2 or len(b) < 2) and s.x1.shape[1:] == s.x2.shape[1:]:
        a = b = _distinct(torch.cat([s.x1, s.x2]), n)
    if len(a) < 2 or len(b) < 2:
        raise Skip("the inputs do not vary (fewer than 2 distinct items per side)")
    return a, b


def _interaction_ratio(scores: torch.Tensor) -> float:
    """``‖interaction‖ / ‖centred scores‖`` of a score grid ``[n, m]``: 0 when it is ``u_i + v_j``."""
    centred = scores - scores.mean()
    interaction = centred - centred.mean(0, keepdim=True) - centred.mean(1, keepdim=True)
    return float(interaction.norm()) / float(centred.norm())


def head_capacity(ctx: DoctorContext) -> list[Finding]:
    """Is the score additive, ``s(x1, x2) = u(x1) + v(x2)``? Then it cannot express "same or not".

    Read on a grid of distinct inputs, before a final Sigmoid-like module (σ(u + v) is additive
    underneath); scores in (0, 1) are also read through the logit, for a sigmoid applied as a function."""
    a, b = _grid_sides(ctx, min(GRID, max(4, ctx.probe_pairs // 4)))  # a budget-shrunk probe: a smaller grid
    i, j = torch.meshgrid(torch.arange(len(a)), torch.arange(len(b)), indexing="ij")
    scores = ctx.precise_scores(a[i.flatten()], b[j.flatten()]).reshape(len(a), len(b))
    n = f"{len(a)}x{len(b)}"
    spread = float((scores - scores.mean()).norm())
    if spread <= 1e-9 * (1.0 + float(scores.abs().mean())):
        raise Skip("scores do not vary over the probe pairs (see model.constant_output)")
    ratio = _interaction_ratio(scores)
    if ratio > 1e-4 and float(scores.min()) > 1e-4 and float(scores.max()) < 1 - 1e-4:
        ratio = min(ratio, _interaction_ratio(torch.logit(scores)))
    if ratio > 1e-4:
        return []
    head = getattr(ctx.model, "head", None)
    features = getattr(head, "features", None)
    return [
        Finding(
            "model.head_capacity",
            "error",
            "the score is a sum u(x1) + v(x2) of one term per input (e.g. concat → one Linear): it "
            "cannot tell 'same' from 'different' (that needs XNOR of the inputs' properties)",
            {"interaction_ratio": float(f"{ratio:.3g}"), "score_grid": n,
             **({"head_features": ",".join(features)} if features else {})},
            "compare the embeddings instead: a |a−b| head (ClassifierHead(d, features=('abs', 'prod'))), a "
            "distance head, or a hidden layer after the concatenation (hidden=(64,))",
        )
    ]


def _declared_siamese(model: nn.Module) -> bool:
    from siamkit.nn.models import SiameseNet

    name = type(model).__name__.lower()
    declared = getattr(model, "shares_weights", None)
    if declared is not None:
        return bool(declared)
    return isinstance(model, SiameseNet) or ("siamese" in name and "pseudo" not in name)


def _twin_branches(model: nn.Module) -> list[tuple[str, str, int]]:
    """Pairs of direct children of one type, with equal parameter shapes but separate tensors."""
    children = [(n, c) for n, c in model.named_children() if any(True for _ in c.parameters())]
    twins = []
    for k, (name_a, a) in enumerate(children):
        for name_b, b in children[k + 1 :]:
            pa, pb = list(a.parameters()), list(b.parameters())
            same_shape = type(a) is type(b) and [p.shape for p in pa] == [p.shape for p in pb]
            shared = {id(p) for p in pa} & {id(p) for p in pb}
            if same_shape and not shared:
                twins.append((name_a, name_b, sum(p.numel() for p in pa)))
    return twins


def unshared_encoders(ctx: DoctorContext) -> list[Finding]:
    if not _declared_siamese(ctx.model):
        raise Skip(f"{type(ctx.model).__name__} is not declared Siamese (separate encoders may be intended)")
    twins = _twin_branches(ctx.model)
    if not twins:
        return []
    name_a, name_b, count = twins[0]
    x1, x2 = ctx.mixed_batch
    forward, backward = ctx.eval_scores(x1, x2), ctx.eval_scores(x2, x1)
    asym = float((forward - backward).abs().mean() / (forward.abs().mean() + 1e-12))
    return [
        Finding(
            "model.unshared_encoders",
            "warning",
            f"'{name_a}' and '{name_b}' are two copies of one encoder with separate weights in a model "
            f"declared Siamese",
            {"branch_a": name_a, "branch_b": name_b, "parameters_each": count,
             "asymmetry": round(asym, 4)},
            "use one encoder for both inputs (siamkit.SiameseNet runs both halves through it in one "
            "batch); keep two only for a deliberate pseudo-Siamese model",
        )
    ]


def embedding_collapse(ctx: DoctorContext) -> list[Finding]:
    emb = ctx.embeddings()
    scale = float(emb.pow(2).sum(dim=1).mean())
    spread = float(emb.var(dim=0).sum()) if len(emb) > 1 else 0.0
    ratio = spread / scale if scale > 0 else 0.0
    if ratio >= 1e-4:
        return []
    return [
        Finding(
            "model.embedding_collapse",
            "error",
            "embeddings of different inputs are (almost) the same vector",
            {"variance_ratio": float(f"{ratio:.3g}"), "mean_squared_norm": float(f"{scale:.3g}"),
             "inputs": len(emb), "embedding_dim": int(emb.shape[1])},
            "check for a dead final ReLU, a too-large learning rate or a contrastive margin of 0; "
            "retrain from a fresh initialisation after fixing it",
        )
    ]


def constant_output(ctx: DoctorContext) -> list[Finding]:
    x1, x2 = ctx.mixed_batch
    scores = ctx.eval_scores(x1, x2).double()
    std, mean = float(scores.std()), float(scores.mean())
    if std > 1e-6 * (1.0 + abs(mean)):
        return []
    return [
        Finding(
            "model.constant_output",
            "error",
            f"the model gives the same score ({mean:.4g}) to every pair",
            {"score_std": float(f"{std:.3g}"), "score_mean": float(f"{mean:.4g}"), "pairs": len(scores)},
            "look at the other findings for the cause (dead final activation, collapsed embeddings, "
            "identical halves); a score that ignores its inputs cannot learn",
        )
    ]

