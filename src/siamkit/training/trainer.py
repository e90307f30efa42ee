"""Training with Lightning: :func:`fit` (pair batches) and :func:`fit_triplets` (labelled P×K batches).

Both give progress bars, per-epoch checkpoints (``checkpoint_dir/last.ckpt``), resume, precision
settings and Lightning's strategies; they are deterministic for a given ``seed``.
"""

from __future__ import annotations

import logging
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import lightning.pytorch as pl
import torch
from torch import nn

from siamkit.core.errors import ConfigError
from siamkit.data.labeled import LabeledData
from siamkit.data.pairs import PairDataset, pair_loader
from siamkit.data.triplets import check_items_per_class
from siamkit.losses.names import check_loss_fits_model
from siamkit.nn.projection import check_projectable
from siamkit.training.best import BestOnValidation
from siamkit.training.config import TrainConfig
from siamkit.training.module import PairModule, TripletModule

__all__ = ["FitResult", "fit", "fit_triplets", "run_trainer"]


@dataclass
class FitResult:
    """The trained model (in eval mode), its per-epoch loss history and, when the best epoch on
    validation pairs was kept, that epoch (0-based) and its validation ROC AUC."""

    model: nn.Module
    history: list[dict[str, float]] = field(default_factory=list)
    best_epoch: int | None = None
    best_val_roc_auc: float | None = None


def selection_for(config: TrainConfig, pairs) -> BestOnValidation | None:
    """The per-epoch validation-pair check ``config.keep_best`` / ``config.patience`` ask for, on ``pairs``."""
    if not (config.keep_best or config.patience is not None):
        return None
    if pairs is None:
        raise ConfigError("keeping the best epoch or stopping early needs validation pairs; pass val data")
    return BestOnValidation(pairs, config.patience)


def finish(module: PairModule) -> FitResult:
    """The model in eval mode (the best epoch's weights when ``keep_best``) and its history."""
    best = module.best
    if best is None:
        return FitResult(module.model.eval(), module.history)
    if module.config.keep_best:
        best.restore(module.model)
    return FitResult(module.model.eval(), module.history, best.best_epoch, best.best_auc)


def fit(
    model: nn.Module,
    loss: nn.Module,
    train_pairs: PairDataset,
    val_pairs: PairDataset | None = None,
    config: TrainConfig | None = None,
    projection: nn.Module | None = None,
) -> FitResult:
    """Train ``model`` on ``train_pairs`` with ``loss``; validate on ``val_pairs`` each epoch.
    A loss on pair embeddings with in-batch negatives (``takes_pair_embeddings``: MNRL) gets grouped batches: pairs
    of one ``train_pairs.groups`` group (e.g. a word's same and different pairs) share a batch.
    With a ``projection`` (a :class:`~siamkit.nn.projection.ProjectionHead`; distance-head models only) the
    loss scores projected embeddings; the returned model embeds without it.

    Example:
        >>> result = fit(net, ContrastiveLoss(), train_pairs, val_pairs, TrainConfig(epochs=5))  # doctest: +SKIP
        >>> result.history[-1]["val_loss"]  # doctest: +SKIP
    """
    config = config or TrainConfig()
    check_loss_fits_model(loss, getattr(model, "score_kind", loss.expects))
    if getattr(loss, "takes_labelled_batch", False):
        raise ConfigError(
            f"{type(loss).__name__} trains on class-labelled batches (embeddings with class ids), not on pairs; "
            "train it with fit_triplets on a LabeledData"
        )
    if config.instance_weight:
        raise ConfigError(
            "instance_weight contrasts two views of each item of a class-labelled batch, and pair training has no "
            "items; use a loss on P×K batches (--loss supcon, ntxent, triplet, ...) or leave --instance-weight at 0"
        )
    if config.rotation_classes != 1:
        raise ConfigError(
            "rotation_classes turns the items of a class-labelled batch into new classes, and pair training has no "
            "class ids; use a loss on P×K batches (--loss supcon, ntxent, triplet, ...) or leave --rotation-classes at 1"
        )
    if projection is not None:
        check_projectable(model)
    pl.seed_everything(config.seed, workers=True, verbose=False)
    module = PairModule(model, loss, config, projection, selection_for(config, val_pairs))
    train_loader = pair_loader(
        train_pairs, config.batch_size, shuffle=True, seed=config.seed, resample=config.resample_pairs, shard=True,
        workers=config.workers, grouped=getattr(loss, "takes_pair_embeddings", False),
    )
    val_loader = pair_loader(val_pairs, 512, workers=config.workers) if val_pairs is not None else None
    run_trainer(module, train_loader, val_loader, config)
    return finish(module)


def run_trainer(module: PairModule, train_loader, val_loader, config: TrainConfig) -> None:
    """Fit ``module`` with a Lightning Trainer configured by ``config`` (checkpoints, resume, precision)."""
    callbacks = []
    ckpt_path = None
    if config.checkpoint_dir is not None:
        from lightning.pytorch.callbacks import ModelCheckpoint

        callbacks.append(ModelCheckpoint(dirpath=config.checkpoint_dir, save_last=True, save_top_k=0))
        last = Path(config.checkpoint_dir) / "last.ckpt"
        if config.resume and last.is_file():
            ckpt_path = str(last)
    elif config.resume:
        raise ConfigError("resume needs a checkpoint_dir to resume from")

    warn_if_bf16_is_emulated(config)
    # Lightning's start-up chatter (accelerator lines, tips) is noise for a library call.
    for name in ("lightning.pytorch", "lightning.pytorch.utilities.rank_zero", "lightning.fabric"):
        logging.getLogger(name).setLevel(logging.WARNING)
    trainer = pl.Trainer(
        max_epochs=config.epochs,
        accelerator=config.accelerator,
        devices=config.devices,
        num_nodes=config.num_nodes,
        strategy=config.strategy,
        precision=config.precision,
        accumulate_grad_batches=config.accumulate_grad_batches,
        gradient_clip_val=config.grad_clip,
        deterministic=True,
        logger=False,
        callbacks=callbacks,
        enable_checkpointing=bool(callbacks),
        enable_progress_bar=config.progress,
        enable_model_summary=False,
        num_sanity_val_steps=0,
        use_distributed_sampler=False,  # our batch samplers shard themselves (siamkit.data.sharding)
    )
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*does not have many workers.*")
        # DDP: the history sums every rank's training loss itself (on_train_epoch_end); validation is not sharded.
        warnings.filterwarnings("ignore", message=".*sync_dist=True.*")
        warnings.filterwarnings("ignore", message=".*`isinstance\\(treespec, LeafSpec\\)`.*")
        trainer.fit(module, train_loader, val_loader, ckpt_path=ckpt_path)


class SlowPrecisionWarning(UserWarning):
    """The precision asked for runs in software on this machine: training is many times slower than float32."""


def cpu_has_bf16() -> bool:
    """Whether this CPU computes bf16 in hardware (oneDNN's check: AVX512-BF16 or AMX)."""
    return bool(torch.ops.mkldnn._is_mkldnn_bf16_supported())


def warn_if_bf16_is_emulated(config: TrainConfig) -> None:
    """Warn when bf16 runs on a CPU without bf16 instructions (AVX512-BF16 or AMX): PyTorch then emulates it,
    measured 27× slower than float32 for a MiniLM training step on an AVX2-only CPU."""
    if config.accelerator != "cpu" or not config.precision.startswith("bf16"):
        return
    if cpu_has_bf16():
        return
    warnings.warn(
        SlowPrecisionWarning(
            f"precision {config.precision!r}: this CPU ({torch.backends.cpu.get_cpu_capability()}) has no bf16 "
            "instructions (AVX512-BF16 or AMX), so bf16 is emulated and training runs many times slower than in "
            "float32; use --precision 32-true (TrainConfig(precision='32-true')) here"
        ),
        stacklevel=3,
    )


def fit_triplets(
    model: nn.Module,
    loss: nn.Module,
    train_data: LabeledData,
    val_data: LabeledData | None = None,
    config: TrainConfig | None = None,
    items_per_class: int = 4,
    projection: nn.Module | None = None,
    val_pairs: PairDataset | None = None,
) -> FitResult:
    """Train ``model`` (e.g. a :class:`~siamkit.nn.models.TripletNet`) with a loss on class-labelled batches:
    online triplet mining, or any loss with ``takes_labelled_batch`` (:mod:`siamkit.losses.batch`,
    :mod:`siamkit.losses.proxy`; a proxy loss must know ``train_data``'s classes).

    Batches hold ``P`` classes × ``K = items_per_class`` items, ``P = min(classes, batch_size // K)``;
    if that caps ``P`` at the number of classes, ``K`` grows to ``batch_size // P`` so batches keep
    about ``config.batch_size`` items. An epoch shows about ``len(train_data)`` items. Validation
    loss is the same mined loss on P×K batches of ``val_data``. A ``projection`` works as in :func:`fit`;
    ``val_pairs`` (pairs of validation items) serve ``config.keep_best`` / ``config.patience``.

    Example:
        >>> net = TripletNet(LeNet(in_channels=1, embedding_dim=32))  # doctest: +SKIP
        >>> fit_triplets(net, OnlineTripletLoss(0.2, "batch_hard"), train, val, TrainConfig(epochs=5))  # doctest: +SKIP
    """
    config = config or TrainConfig()
    check_loss_fits_model(loss, getattr(model, "score_kind", loss.expects))
    if not getattr(loss, "takes_labelled_batch", False):
        raise ConfigError(f"{type(loss).__name__} trains on pairs, not on class-labelled batches; train it with fit")
    check_items_per_class(items_per_class)
    if config.rotation_classes != 1 and getattr(loss, "has_class_weights", False):
        raise ConfigError(
            f"{type(loss).__name__} keeps weights per training class, and rotation_classes makes new classes it has "
            "no weights for; use a loss without class weights (supcon, ntxent, triplet, multi_similarity, circle) "
            "or leave --rotation-classes at 1"
        )
    model_metric, loss_metric = getattr(model, "metric", None), getattr(loss, "metric", None)
    if model_metric is not None and loss_metric is not None and model_metric != loss_metric:
        raise ConfigError(
            f"the model scores pairs by {model_metric} distance but the loss trains {loss_metric} distances; "
            "build both with the same metric"
        )
    pl.seed_everything(config.seed, workers=True, verbose=False)
    module = TripletModule(model, loss, config, projection, selection_for(config, val_pairs))
    train_loader = _pk_loader_for(train_data, config, items_per_class, config.seed, shard=True)
    val_loader = _pk_loader_for(val_data, config, items_per_class, config.seed + 1) if val_data else None
    run_trainer(module, train_loader, val_loader, config)
    return finish(module)


def _pk_loader_for(data: LabeledData, config: TrainConfig, items_per_class: int, seed: int, shard: bool = False):
    from siamkit.data.triplets import pk_loader

    batch_size = config.batch_size
    num_classes = int((torch.bincount(data.y) >= 2).sum())
    p = min(num_classes, max(2, batch_size // items_per_class))
    k = max(items_per_class, batch_size // p)
    return pk_loader(data, p, k, seed=seed, shard=shard, workers=config.workers)
