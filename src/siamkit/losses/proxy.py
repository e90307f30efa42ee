"""Losses with one trainable weight vector per training class (a proxy, or a classifier row), on a
labelled batch of embeddings ``[B, D]`` with integer **class ids** ``[B]``: Proxy-Anchor, ArcFace and
normalised softmax, each a thin wrapper around pytorch-metric-learning's class of the same name.

Like the losses of :mod:`siamkit.losses.batch` they compare by cosine similarity (embeddings and weights
are L2-normalised inside), so the model is scored with ``DistanceHead("cosine")``. The weights belong to
the loss, not the model: :func:`~siamkit.training.trainer.fit_triplets` trains them in their own optimizer
group at ``lr_scale`` × the model's learning rate, Lightning's ``last.ckpt`` keeps them (and their
optimizer state) so ``resume`` continues them, and the model (``model.ckpt``, exports) embeds without them.
The classes are the training split's: a loss built for class ids ``[0, 3, 5]`` keeps three weight
vectors and refuses a label outside them.
"""

from __future__ import annotations

import math
from typing import Sequence

import torch

from siamkit.core.errors import ConfigError, LabelError
from siamkit.losses.batch import LabelledBatchLoss, check_temperature, pml_losses

Classes = int | Sequence[int] | torch.Tensor  # a class count, or the class ids themselves

__all__ = ["ArcFaceLoss", "ClassWeightLoss", "NormalizedSoftmaxLoss", "ProxyAnchorLoss", "class_ids_of"]


def class_ids_of(classes: Classes) -> torch.Tensor:
    """The sorted distinct class ids ``[C]`` a loss keeps weights for: ``0 … classes − 1`` for an int,
    else the distinct values of ``classes`` (e.g. the training split's labels)."""
    if isinstance(classes, int):
        ids = torch.arange(classes)
    else:
        ids = torch.unique(torch.as_tensor(classes).long())
    if len(ids) < 2:
        raise ConfigError(
            f"a loss with one weight vector per class needs ≥ 2 training classes, got {len(ids)}; "
            "train on data with two or more classes"
        )
    return ids


class ClassWeightLoss(LabelledBatchLoss):
    """Base of the losses with trainable per-class weights (see the module docstring).

    ``class_ids`` ``[C]`` (a buffer): the class id of each weight vector; ``lr_scale``: the weights'
    learning rate over the model's. Batches need no positive pairs: each item is pulled to its class's
    weight, so any batch of known classes works (P×K batches are still what the trainer draws).
    """

    needs_pairs = False
    has_class_weights = True

    def __init__(
        self,
        pml_name: str,
        classes: Classes,
        embedding_dim: int,
        lr_scale: float,
        **pml_kwargs: float,
    ) -> None:
        """Wrap the library's loss ``pml_name``, built for ``classes`` and ``embedding_dim`` with ``pml_kwargs``."""
        if not lr_scale > 0:
            raise ConfigError(f"lr_scale (the class weights' learning rate over the model's) must be > 0, got {lr_scale}")
        if embedding_dim < 1:
            raise ConfigError(f"embedding_dim must be ≥ 1, got {embedding_dim}")
        class_ids = class_ids_of(classes)
        super().__init__(getattr(pml_losses(), pml_name)(len(class_ids), embedding_dim, **pml_kwargs))
        self.register_buffer("class_ids", class_ids)
        self.lr_scale = float(lr_scale)

    def class_index(self, labels: torch.Tensor) -> torch.Tensor:
        index = torch.searchsorted(self.class_ids, labels).clamp_max(len(self.class_ids) - 1)
        unknown = self.class_ids[index] != labels
        if bool(unknown.any()):
            raise LabelError(
                f"class id {int(labels[unknown][0])} is not one of the {len(self.class_ids)} training classes "
                f"{type(self).__name__} keeps weights for ({self.class_ids.tolist()[:10]}…); build the loss "
                "with the training split's class ids and train on that split"
            )
        return index

    def compute_dtype(self, embeddings: torch.Tensor) -> torch.dtype:
        return next(self.pml.parameters()).dtype  # the library would otherwise recast its weights in place


class ProxyAnchorLoss(ClassWeightLoss):
    """Proxy-Anchor loss (Kim et al., CVPR 2020), one proxy ``p_c`` per class::

        L = 1/|P⁺| Σ_{c ∈ P⁺} log(1 + Σ_{x ∈ X_c⁺} exp(−α (s(x, p_c) − δ)))
          + 1/|P|  Σ_{c ∈ P}  log(1 + Σ_{x ∈ X_c⁻} exp( α (s(x, p_c) + δ)))

    ``P``: all proxies, ``P⁺`` those whose class is in the batch, ``X_c⁺``/``X_c⁻`` the batch items of /
    not of class ``c``, ``s`` the cosine similarity. Defaults are the library's: ``margin`` δ ``=0.1``,
    ``alpha`` ``=32``; proxies initialised Kaiming-normal (fan-out). ``lr_scale=100``: the paper's code trains
    the proxies at 100 × the network's learning rate.

    Shapes: ``embeddings`` ``[B, embedding_dim]``, ``labels`` ``[B]`` class ids → scalar.
    """

    def __init__(
        self,
        classes: Classes,
        embedding_dim: int,
        margin: float = 0.1,
        alpha: float = 32.0,
        lr_scale: float = 100.0,
    ) -> None:
        super().__init__("ProxyAnchorLoss", classes, embedding_dim, lr_scale, margin=margin, alpha=alpha)


class ArcFaceLoss(ClassWeightLoss):
    """Additive angular margin softmax (Deng et al., "ArcFace", CVPR 2019), one weight ``w_c`` per class::

        L_i = −log( e^{S cos(θ_y + m)} / (e^{S cos(θ_y + m)} + Σ_{c ≠ y} e^{S cos θ_c}) ),   θ_c = ∠(x_i, w_c)

    (where ``θ_y + m > π`` the library uses ``cos θ_y − m sin m`` to stay monotonic). ``margin`` m is in
    **radians**, default ``0.5`` (the paper's); the library takes degrees, default 28.6° ≈ 0.4992 rad, so
    this is a change of unit and of 0.03°. ``scale`` S ``=64`` (the library's and paper's); weights
    initialised standard-normal (the library's); ``lr_scale=1``: the weights are a classifier layer trained
    with the network, as in the paper.

    Shapes: ``embeddings`` ``[B, embedding_dim]``, ``labels`` ``[B]`` class ids → scalar.
    """

    def __init__(
        self,
        classes: Classes,
        embedding_dim: int,
        margin: float = 0.5,
        scale: float = 64.0,
        lr_scale: float = 1.0,
    ) -> None:
        if not 0 <= margin < math.pi / 2:
            raise ConfigError(f"the ArcFace margin is an angle in radians in [0, π/2), got {margin}; 0.5 is the paper's")
        super().__init__("ArcFaceLoss", classes, embedding_dim, lr_scale, margin=math.degrees(margin), scale=scale)


class NormalizedSoftmaxLoss(ClassWeightLoss):
    """Normalised softmax (Zhai & Wu, "Classification is a strong baseline for deep metric learning",
    BMVC 2019): cross-entropy over cosine logits at a temperature, one weight ``w_c`` per class::

        L_i = −log( exp(cos(x_i, w_y) / τ) / Σ_c exp(cos(x_i, w_c) / τ) )

    Default ``temperature`` τ ``=0.05`` (the library's and paper's); weights initialised standard-normal
    (the library's); ``lr_scale=1`` (the weights are a classifier layer trained with the network).

    Shapes: ``embeddings`` ``[B, embedding_dim]``, ``labels`` ``[B]`` class ids → scalar.
    """

    def __init__(
        self,
        classes: Classes,
        embedding_dim: int,
        temperature: float = 0.05,
        lr_scale: float = 1.0,
    ) -> None:
        check_temperature(temperature)
        super().__init__("NormalizedSoftmaxLoss", classes, embedding_dim, lr_scale, temperature=temperature)
