"""What every check reads: the pairs, the model, the loss, the optimizer recipe, and short probes.

Probes never touch the user's model: each trains or inspects a deep copy, seeded, for a fixed
small number of steps. Pair labels follow siamkit's convention (1 = same, 0 = different).
"""

from __future__ import annotations

import copy
import math
from dataclasses import dataclass
from functools import cached_property
from typing import Callable

import torch
from torch import nn

from siamkit.core.conventions import SCORE_KINDS, to_similarity
from siamkit.core.errors import ConfigError
from siamkit.doctor.layout import Layout
from siamkit.doctor.optimizer import REFERENCE_OPTIMIZER, OptimizerRecipe
from siamkit.doctor.sample import PairSample
from siamkit.doctor.trace import Trace, trace_forward

OVERFIT_SEPARATION = 0.9  # max(AUC, 1 − AUC) a memorized batch must reach
SHRUNK_OVERFIT_EXTRA = 3  # a budget-shrunk overfit probe may train this many × steps more, until memorized
MONOTONE = (nn.Sigmoid, nn.Tanh, nn.Hardsigmoid, nn.Hardtanh, nn.Softplus, nn.ReLU, nn.ReLU6, nn.Softmax)


class Skip(Exception):
    """Raised by a check that cannot run on this input; the message says why."""


def default_loss(score_kind: str, layout: Layout) -> nn.Module:
    """The loss siamkit trains a ``score_kind`` model with: contrastive (distance) or BCE (similarity);
    cross-entropy for two-class outputs ``[B, 2]``."""
    from siamkit.losses.pair import ContrastiveLoss, PairBCEWithLogitsLoss

    if layout.output == "two_class":
        return nn.CrossEntropyLoss()
    return ContrastiveLoss() if score_kind == "distance" else PairBCEWithLogitsLoss()


def auc(similarity: torch.Tensor, labels: torch.Tensor) -> float:
    """ROC AUC of similarities (ties count one half); 0.5 when one label is missing."""
    pos, neg = similarity[labels == 1].double(), similarity[labels == 0].double()
    if len(pos) == 0 or len(neg) == 0:
        return 0.5
    diff = pos[:, None] - neg[None, :]
    return float(((diff > 0).double() + 0.5 * (diff == 0).double()).mean())


def separation(similarity: torch.Tensor, labels: torch.Tensor) -> float:
    """``max(AUC, 1 − AUC)``: how well the scores split the pairs, in either direction."""
    value = auc(similarity, labels)
    return max(value, 1.0 - value)


@dataclass
class ProbeRun:
    """A short training run of a model copy: losses per step and similarities before / after."""

    losses: list[float]
    loss_after: float
    similarity_before: torch.Tensor
    similarity_after: torch.Tensor
    model: nn.Module

    @property
    def loss_before(self) -> float:
        return self.losses[0]

    @property
    def finite(self) -> bool:
        return all(math.isfinite(v) for v in self.losses) and math.isfinite(self.loss_after)

    @property
    def relative_decrease(self) -> float:
        """``(L_before − L_after) / |L_before|``; ``-inf`` when the run diverged."""
        if not self.finite:
            return -math.inf
        return (self.loss_before - self.loss_after) / max(abs(self.loss_before), 1e-12)


class DoctorContext:
    """Inputs of one diagnosis plus lazily computed, shared probe results.

    Args:
        model: a pair model, called in ``layout`` (``forward(x1, x2) -> scores [B]`` by default), with
            (ideally) a ``score_kind``.
        sample: pairs read from the user's data.
        loss: the training loss ``loss(output, targets) -> scalar`` (targets as ``layout`` forms them).
        optimizer: recipe of the user's optimizer (used by the learning-rate probe).
        test_items: items ``[N, ...]`` of a test split, for the leak check.
        probe_pairs: pairs per probe batch; ``steps``: optimizer steps per probe; ``seed``: seeds all probes.
        layout: how the model takes a pair and what it returns (:mod:`siamkit.doctor.layout`).
    """

    def __init__(
        self,
        model: nn.Module,
        sample: PairSample,
        loss: nn.Module | None,
        optimizer: OptimizerRecipe,
        test_items: torch.Tensor | None = None,
        probe_pairs: int = 32,
        steps: int = 40,
        seed: int = 0,
        layout: Layout = Layout(),
    ) -> None:
        kind = getattr(model, "score_kind", None) or getattr(loss, "expects", None) or "similarity"
        if kind not in SCORE_KINDS:
            raise ConfigError(f"model.score_kind must be one of {SCORE_KINDS}, got '{kind}'")
        self.model = model
        self.sample = sample
        self.score_kind = kind
        self.layout = layout
        self.loss = loss if loss is not None else default_loss(kind, layout)
        self.optimizer = optimizer
        self.test_items = test_items
        self.probe_pairs = probe_pairs
        self.steps = steps
        self.seed = seed
        self.shrunk = False  # set when a time budget made the probes smaller than asked

    # ---- batches ---------------------------------------------------------------------------
    def probe_batch(self, start: int = 0, size: int | None = None) -> tuple[torch.Tensor, ...]:
        """Real pairs ``x1, x2, y``: ``size`` (default ``probe_pairs``) pairs from pair ``start`` on."""
        if not self.sample.binary_labels:
            raise Skip("pair labels are not all 0/1 (see data.labels_not_binary)")
        size = size or self.probe_pairs
        sl = slice(start, start + size)
        x1, x2, y = self.sample.x1[sl], self.sample.x2[sl], self.sample.labels[sl]
        if len(y) < 4 or len(torch.unique(y)) < 2:
            raise Skip("the probe batch needs at least 4 pairs with both labels")
        return x1, x2, y

    @cached_property
    def mixed_batch(self) -> tuple[torch.Tensor, torch.Tensor]:
        """Halves of *different* pairs (``x2`` rolled by one), so the two inputs differ even when the
        data feeds one image twice: model checks then see the model, not a data bug."""
        n = min(self.probe_pairs, len(self.sample))
        if n < 2:
            raise Skip("need at least 2 pairs")
        return self.sample.x1[:n], self.sample.x2.roll(1, dims=0)[:n]

    # ---- model calls -------------------------------------------------------------------------
    def forward(self, model: nn.Module, x1: torch.Tensor, x2: torch.Tensor) -> torch.Tensor:
        """``model`` (the user's or a copy) on the pair ``x1, x2`` in the layout: its raw output."""
        return self.layout.forward(model, x1, x2)

    def similarity(self, raw: torch.Tensor) -> torch.Tensor:
        """Raw outputs → similarity of each pair ``[B]`` (larger = same)."""
        return to_similarity(self.layout.score(raw.detach().float()), self.score_kind)

    def loss_of(self, raw: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        return self.loss(raw, self.layout.target(y, raw))

    def safe_loss(self, raw: torch.Tensor, y: torch.Tensor) -> float:
        """The loss as a float; ``inf`` when the loss rejects outputs outside its range."""
        try:
            return float(self.loss_of(raw, y))
        except RuntimeError:
            return math.inf

    def compute_loss(self, model: nn.Module, x1: torch.Tensor, x2: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        return self.loss_of(self.forward(model, x1, x2), y)

    def precise_scores(self, x1: torch.Tensor, x2: torch.Tensor) -> torch.Tensor:
        """:meth:`eval_scores` (before a final squash) of a float64 copy, so that structure in the scores
        (an exact sum of two terms) is not hidden by float32 rounding; float32 when the model or the
        layout rejects float64."""
        if x1.is_floating_point() and x2.is_floating_point():
            try:
                return self.eval_scores(x1.double(), x2.double(), before_squash=True, dtype=torch.float64)
            except (RuntimeError, TypeError):
                pass
        return self.eval_scores(x1, x2, before_squash=True).double()

    @torch.no_grad()
    def eval_scores(
        self, x1: torch.Tensor, x2: torch.Tensor, before_squash: bool = False, dtype: torch.dtype | None = None
    ) -> torch.Tensor:
        """Scores ``[B]`` of an eval-mode copy (``score_kind`` orientation), its parameters cast to
        ``dtype`` when given. ``before_squash``: read them before a final element-wise monotone activation
        (the logit under a Sigmoid), when there is one."""
        probe = copy.deepcopy(self.model).eval()
        if dtype is not None:
            probe = probe.to(dtype)
        out = dtype or torch.float32
        last = self.trace.leaves[-1] if self.trace.leaves else None
        if not (before_squash and last is not None and isinstance(last[1], MONOTONE)):
            return self.layout.score(self.forward(probe, x1, x2).to(out))
        seen: list[torch.Tensor] = []
        module = dict(probe.named_modules())[last[0]]
        handle = module.register_forward_hook(lambda m, args, out: seen.append(args[0]))
        try:
            raw = self.forward(probe, x1, x2)
        finally:
            handle.remove()
        if not seen or seen[-1].numel() != raw.numel():
            return self.layout.score(raw.to(out))
        return self.layout.score(seen[-1].reshape(raw.shape).to(out))

    @cached_property
    def trace(self) -> Trace:
        """Leaves executed by one eval-mode forward pass of a copy on the mixed batch."""
        probe = copy.deepcopy(self.model).eval()
        x1, x2 = self.mixed_batch
        with torch.no_grad():
            return trace_forward(probe, lambda: self.forward(probe, x1, x2))

    def embeddings(self) -> torch.Tensor:
        """Embeddings ``[2B, D]`` of both halves of the mixed batch (head inputs or ``model.embed``)."""
        if self.trace.head_inputs is not None:
            a, b = self.trace.head_inputs
            if a.ndim == 2 and a.shape == b.shape:
                return torch.cat([a, b]).float()
        embed = getattr(self.model, "embed", None)
        if callable(embed):
            probe = copy.deepcopy(self.model).eval()
            x1, x2 = self.mixed_batch
            with torch.no_grad():
                return torch.cat([probe.embed(x1), probe.embed(x2)]).float().flatten(1)
        raise Skip("the model has neither a `head(a, b)` nor an `embed(x)` to read embeddings from")

    # ---- training probes ---------------------------------------------------------------------
    def train_probe(
        self,
        x1: torch.Tensor,
        x2: torch.Tensor,
        y: torch.Tensor,
        optimizer: OptimizerRecipe = REFERENCE_OPTIMIZER,
        lr: float | None = None,
        steps: int | None = None,
        extra_steps: int = 0,
        done: Callable[[torch.Tensor], bool] | None = None,
    ) -> ProbeRun:
        """Train a seeded deep copy for ``steps`` full-batch steps on ``(x1, x2, y)``, then for up to
        ``extra_steps`` more until ``done(similarity [B])`` holds on the outputs of a step's forward pass."""
        torch.manual_seed(self.seed)
        probe = copy.deepcopy(self.model).train()
        with torch.no_grad():
            before = self.similarity(self.forward(probe, x1, x2))
        opt = optimizer.build([p for p in probe.parameters() if p.requires_grad], lr)
        losses: list[float] = []
        planned = steps or self.steps
        for step in range(planned + extra_steps):
            opt.zero_grad(set_to_none=True)
            try:
                raw = self.forward(probe, x1, x2)
                loss = self.loss_of(raw, y)
            except RuntimeError:  # e.g. BCELoss on outputs the probe drove above 1: diverged
                if not losses:
                    raise
                losses.append(math.inf)
                break
            if step >= planned and done is not None and done(self.similarity(raw)):
                break
            losses.append(float(loss.detach()))
            if not math.isfinite(losses[-1]):
                break
            loss.backward()
            opt.step()
        with torch.no_grad():
            after_scores = self.forward(probe, x1, x2)
            loss_after = self.safe_loss(after_scores, y)
        return ProbeRun(losses, loss_after, before, self.similarity(after_scores), probe)

    @cached_property
    def overfit_run(self) -> ProbeRun:
        """The reference optimizer (Adam, lr 1e-3) memorizing one real probe batch. A probe shrunk to a
        time budget (fewer pairs, fewer steps) may train up to ``SHRUNK_OVERFIT_EXTRA`` × ``steps`` more,
        until the batch is memorized: a healthy model stops early, only a broken one pays it all."""
        x1, x2, y = self.probe_batch()
        extra = SHRUNK_OVERFIT_EXTRA * self.steps if self.shrunk else 0
        return self.train_probe(x1, x2, y, extra_steps=extra, done=lambda s: separation(s, y) >= OVERFIT_SEPARATION)
