"""Losses on a labelled batch of embeddings: ``embeddings [B, D]`` with integer **class ids** ``[B]``
(not pair labels), every same-class pair a positive and every other pair a negative.

Each loss here is a thin siamkit wrapper around pytorch-metric-learning's class of the same name (the
library is imported when a loss is built; ``pip install 'siamkit[all]'``). They all compare embeddings
by **cosine similarity** ``s_ij = cos(x_i, x_j)`` (the library L2-normalises the embeddings itself, so
the encoder's output needs no normalisation), so a model trained with one is scored with
``DistanceHead("cosine")`` (``1 − s``): :class:`~siamkit.nn.models.TripletNet` with ``metric="cosine"``.
Train them on class-balanced P×K batches (:func:`siamkit.data.triplets.pk_loader`, K ≥ 2) with
:func:`siamkit.training.trainer.fit_triplets`. Proxy and classifier losses (trainable weights per class)
live in :mod:`siamkit.losses.proxy`. ``docs/losses.md`` gives each formula and when to use it.
"""

from __future__ import annotations

from types import ModuleType

import torch
from torch import nn

from siamkit.core.errors import ConfigError, LabelError
from siamkit.losses.mining import check_class_labels, same_and_positive

__all__ = [
    "CircleLoss", "LabelledBatchLoss", "MultiSimilarityLoss", "NTXentLoss", "SupConLoss", "check_labelled_batch",
    "check_temperature", "pml_losses",
]

PK_FIX = "draw class-balanced P×K batches (siamkit.data.triplets.pk_loader, P ≥ 2 classes, K ≥ 2 items each)"


def pml_losses() -> ModuleType:
    """``pytorch_metric_learning.losses``, or a :class:`ConfigError` naming the package to install."""
    try:
        from pytorch_metric_learning import losses
    except ImportError as error:
        raise ConfigError(
            "the losses on labelled batches come from pytorch-metric-learning; "
            "pip install 'siamkit[all]' (or pytorch-metric-learning)"
        ) from error
    return losses


def check_temperature(temperature: float) -> None:
    """Raise :class:`ConfigError` unless a softmax ``temperature`` is > 0."""
    if not temperature > 0:
        raise ConfigError(f"temperature must be > 0 (smaller is sharper; try 0.1), got {temperature}")


def check_labelled_batch(embeddings: torch.Tensor, labels: torch.Tensor, loss_name: str, needs_pairs: bool) -> None:
    """Raise :class:`LabelError` unless ``embeddings`` ``[B, D]`` come with integer class ids ``[B]``;
    with ``needs_pairs``, also unless the batch holds a positive pair (two items of a class) and a negative
    pair (two classes)."""
    if embeddings.ndim != 2:
        raise LabelError(f"{loss_name} takes embeddings [B, D], got shape {tuple(embeddings.shape)}")
    check_class_labels(labels, embeddings.shape[0])
    if not needs_pairs:
        return
    same, positive = same_and_positive(labels)
    if not bool(positive.any()):
        raise LabelError(f"no two items of the batch share a class, so {loss_name} has no positive pair; {PK_FIX}")
    if bool(same.all()):
        raise LabelError(f"the batch holds one class only, so {loss_name} has no negative pair; {PK_FIX}")


class LabelledBatchLoss(nn.Module):
    """Base of the losses on ``(embeddings [B, D], class ids [B])`` that wrap a pytorch-metric-learning loss.

    ``takes_labelled_batch`` tells the trainers (and ``siamkit train``) to feed it P×K batches;
    ``metric`` is the :class:`~siamkit.nn.heads.DistanceHead` metric a model trained with it scores with;
    ``needs_pairs``: every batch must hold a positive and a negative pair (the pair-based losses here).
    Low-precision embeddings (bf16/fp16 under mixed precision) are scored in float32.
    """

    expects = "distance"
    metric = "cosine"
    takes_labelled_batch = True
    needs_pairs = True

    def __init__(self, pml_loss: nn.Module) -> None:
        super().__init__()
        self.pml = pml_loss

    def class_index(self, labels: torch.Tensor) -> torch.Tensor:
        """The labels the library sees: the class ids themselves (proxy losses map them to weight rows)."""
        return labels

    def compute_dtype(self, embeddings: torch.Tensor) -> torch.dtype:
        return torch.promote_types(embeddings.dtype, torch.float32)

    def forward(self, embeddings: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
        check_labelled_batch(embeddings, labels, type(self).__name__, self.needs_pairs)
        return self.pml(embeddings.to(self.compute_dtype(embeddings)), self.class_index(labels))


class MultiSimilarityLoss(LabelledBatchLoss):
    """Multi-similarity loss (Wang et al., CVPR 2019), mean over anchors ``i``::

        L_i = 1/α · log(1 + Σ_{p ∈ P_i} exp(−α (s_ip − λ))) + 1/β · log(1 + Σ_{n ∈ N_i} exp(β (s_in − λ)))

    ``P_i``/``N_i``: the other items of ``i``'s class / of other classes. Defaults are the library's (and
    the paper's): ``alpha=2``, ``beta=50``, ``base`` λ ``=0.5``. The paper's pair miner
    (``MultiSimilarityMiner``) is not applied: every pair counts.
    """

    def __init__(self, alpha: float = 2.0, beta: float = 50.0, base: float = 0.5) -> None:
        super().__init__(pml_losses().MultiSimilarityLoss(alpha=alpha, beta=beta, base=base))


class SupConLoss(LabelledBatchLoss):
    """Supervised contrastive loss (Khosla et al., NeurIPS 2020), mean over anchors with a loss > 0::

        L_i = −1/|P_i| · Σ_{p ∈ P_i} log( exp(s_ip / τ) / Σ_{a ≠ i} exp(s_ia / τ) )

    Default ``temperature`` τ ``=0.1`` (the library's; the paper's best is about 0.1).
    """

    def __init__(self, temperature: float = 0.1) -> None:
        check_temperature(temperature)
        super().__init__(pml_losses().SupConLoss(temperature=temperature))


class NTXentLoss(LabelledBatchLoss):
    """NT-Xent / InfoNCE (van den Oord et al. 2018; Chen et al. "SimCLR" 2020), mean over positive pairs::

        L_ip = −log( exp(s_ip / τ) / (exp(s_ip / τ) + Σ_{n ∈ N_i} exp(s_in / τ)) )

    SimCLR labels two augmented views of one image as one class; here the labels are class ids, so
    each same-class pair is a positive. Default ``temperature`` τ ``=0.07`` (the library's).
    """

    def __init__(self, temperature: float = 0.07) -> None:
        check_temperature(temperature)
        super().__init__(pml_losses().NTXentLoss(temperature=temperature))


class CircleLoss(LabelledBatchLoss):
    """Circle loss (Sun et al., CVPR 2020), mean over anchors with a loss > 0::

        L_i = softplus( log Σ_{n ∈ N_i} exp(γ a_n (s_in − m)) + log Σ_{p ∈ P_i} exp(−γ a_p (s_ip − 1 + m)) )
        a_p = max(0, 1 + m − s_ip),  a_n = max(0, s_in + m)   (weights, not differentiated)

    Defaults are the library's: relaxation ``margin`` m ``=0.4`` (the library's ``m``), scale ``gamma``
    γ ``=80`` (the paper's setting for fine-grained retrieval).
    """

    def __init__(self, margin: float = 0.4, gamma: float = 80.0) -> None:
        super().__init__(pml_losses().CircleLoss(m=margin, gamma=gamma))
