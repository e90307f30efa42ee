"""Training with Lightning: a LightningModule for pair models and :func:`fit`.

``fit`` gives progress bars, per-epoch checkpoints (``checkpoint_dir/last.ckpt``), resume,
precision settings and Lightning's strategies; it is deterministic for a given ``seed``.
"""

from __future__ import annotations

import logging
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import lightning.pytorch as pl
import torch
from torch import nn

from siamkit.core.errors import ConfigError
from siamkit.core.registry import spec_of
from siamkit.data.augment import BatchAugment
from siamkit.data.labeled import LabeledData
from siamkit.data.pairs import PairDataset, pair_loader
from siamkit.data.triplets import check_items_per_class
from siamkit.losses.names import check_loss_fits_model
from siamkit.nn.encoders.pretrained import backbone_modules, backbone_parameters
from siamkit.nn.projection import check_projectable, project_pair
from siamkit.training.best import BestOnValidation
from siamkit.training.config import TrainConfig

__all__ = ["FitResult", "PairModule", "TrainConfig", "TripletModule", "fit", "fit_triplets"]


class PairModule(pl.LightningModule):
    """Wraps a pair model and a pair loss; batches are ``(x1, x2, y)`` with y 1 = same.

    ``history`` holds one dict per epoch: ``epoch``, ``lr`` (the learning rate at the epoch's end),
    ``train_loss`` and, with validation pairs, ``val_loss`` (means over pairs). It is saved in checkpoints, so a resumed run keeps it.
    With ``config.augment``, training batches (each side of a pair on its own) are augmented with a
    generator seeded by ``(seed, epoch, batch, rank)``, so a resumed run draws what an unbroken one would.
    With a ``projection`` (:mod:`siamkit.nn.projection`) the loss sees projected embeddings; the projection
    trains along with the model and stays out of it.
    With ``best`` (:class:`~siamkit.training.best.BestOnValidation`) each row also has ``val_roc_auc`` and
    training stops early once it has not improved for ``config.patience`` epochs.
    ``config.freeze_backbone`` / ``backbone_lr_mult`` act on the backbone of a torchvision-layout encoder
    (:func:`~siamkit.nn.encoders.pretrained.backbone_modules`): frozen, its parameters stop requiring
    gradients and it stays in eval mode (BatchNorm statistics fixed) whenever the module trains.
    """

    def __init__(
        self,
        model: nn.Module,
        loss: nn.Module,
        config: TrainConfig,
        projection: nn.Module | None = None,
        best: BestOnValidation | None = None,
    ) -> None:
        super().__init__()
        self.model = model
        self.loss = loss
        self.config = config
        self.projection = projection
        self.best = best
        self.history: list[dict[str, float]] = []
        self._sums: dict[str, list[torch.Tensor]] = {}
        self.augment = BatchAugment(config.augment) if config.augment else None
        tunes_backbone = config.freeze_backbone or config.backbone_lr_mult != 1
        self.backbone = backbone_modules(model) if tunes_backbone else []
        if tunes_backbone and not self.backbone:
            raise ConfigError(
                f"freeze_backbone / backbone_lr_mult need an encoder with a pretrained backbone, and "
                f"{type(model).__name__} has none; use resnet18, resnet34, resnet50 or mobilenet_v2"
            )
        if config.freeze_backbone:
            for p in backbone_parameters(model):
                p.requires_grad_(False)

    def on_train_start(self) -> None:  # Lightning keeps the modes it finds; this applies the frozen backbone's
        self.train()

    def train(self, mode: bool = True) -> "PairModule":
        super().train(mode)
        if mode and self.config.freeze_backbone:
            for module in self.backbone:
                module.eval()
        return self

    def _batch_loss(self, batch) -> tuple[torch.Tensor, torch.Tensor]:
        x1, x2, y = batch
        scores = self.model(x1, x2) if self.projection is None else project_pair(self.model, self.projection, x1, x2)
        return self.loss(scores, y), y

    def _step(self, batch, stage: str) -> torch.Tensor:
        loss, y = self._batch_loss(batch)
        self.log(f"{stage}_loss", loss, prog_bar=True, on_step=False, on_epoch=True, batch_size=len(y))
        total = self._sums.setdefault(stage, [loss.new_zeros((), dtype=torch.float32)] * 2)
        total[0] = total[0] + loss.detach().float() * len(y)
        total[1] = total[1] + len(y)
        return loss

    def training_step(self, batch, batch_idx: int) -> torch.Tensor:
        if self.augment is not None:
            batch = self._augmented(batch, batch_idx)
        return self._step(batch, "train")

    def _augmented(self, batch, batch_idx: int):
        """``(*inputs, labels)`` with every input batch augmented; labels unchanged."""
        *inputs, labels = batch
        seed = self.config.seed + 1_000_003 * self.current_epoch + 7_919 * batch_idx + 104_729 * self.global_rank
        generator = torch.Generator().manual_seed(seed)
        return (*(self.augment(x, generator) for x in inputs), labels)

    def validation_step(self, batch, batch_idx: int) -> None:
        self._step(batch, "val")

    def setup(self, stage: str) -> None:  # before DDP wraps the model, so its gradient buckets match the layout
        if self.config.channels_last:
            self.model.to(memory_format=torch.channels_last)

    def on_train_epoch_end(self) -> None:
        row: dict[str, float] = {"epoch": self.current_epoch, "lr": self.optimizers().param_groups[0]["lr"]}
        for stage, (loss_sum, count) in self._sums.items():
            if stage == "train":  # under DDP each rank trained on its own share: add all shares up
                loss_sum, count = (self.trainer.strategy.reduce(t, reduce_op="sum") for t in (loss_sum, count))
            row[f"{stage}_loss"] = float(loss_sum / count.clamp_min(1))
        self._sums.clear()
        if self.best is not None:
            row["val_roc_auc"], stop = self.best.after_epoch(self.model, self.current_epoch)
            self.trainer.should_stop = self.trainer.should_stop or stop
        self.history.append(row)

    def _param_groups(self) -> list[dict[str, Any]]:
        """The head group first (its lr is the one ``history`` logs), then the backbone at ``lr × backbone_lr_mult``
        (frozen parameters left out), then a loss's own weights (class proxies) at ``loss.lr_scale × lr``.
        The cosine schedule decays every group alike."""
        c = self.config
        params = [*self.model.parameters(), *(self.projection.parameters() if self.projection is not None else ())]
        backbone = backbone_parameters(self.model) if self.backbone else []
        in_backbone = {id(p) for p in backbone}
        groups = [{"params": [p for p in params if id(p) not in in_backbone], "lr": c.lr}]
        if backbone and not c.freeze_backbone:
            groups.append({"params": backbone, "lr": c.lr * c.backbone_lr_mult})
        loss_params = list(self.loss.parameters())
        if loss_params:
            groups.append({"params": loss_params, "lr": c.lr * getattr(self.loss, "lr_scale", 1.0)})
        return groups

    def configure_optimizers(self):
        c = self.config
        groups = self._param_groups()
        if c.optimizer == "sgd":
            optimizer = torch.optim.SGD(groups, lr=c.lr, momentum=0.9, weight_decay=c.weight_decay)
        else:
            optimizer_class = torch.optim.AdamW if c.optimizer == "adamw" else torch.optim.Adam
            optimizer = optimizer_class(groups, lr=c.lr, weight_decay=c.weight_decay)
        if c.lr_schedule == "constant":
            return optimizer
        steps = max(1, int(self.trainer.estimated_stepping_batches))
        schedule = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=steps)
        return {"optimizer": optimizer, "lr_scheduler": {"scheduler": schedule, "interval": "step"}}

    def on_save_checkpoint(self, checkpoint: dict[str, Any]) -> None:
        checkpoint["siamkit"] = {"model_spec": spec_of(self.model), "history": self.history}
        if self.best is not None:
            checkpoint["siamkit"]["best"] = self.best.state_dict()

    def on_load_checkpoint(self, checkpoint: dict[str, Any]) -> None:
        self.history = list(checkpoint.get("siamkit", {}).get("history", []))
        if self.best is not None and "best" in checkpoint.get("siamkit", {}):
            self.best.load_state_dict(checkpoint["siamkit"]["best"])


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
    if projection is not None:
        check_projectable(model)
    pl.seed_everything(config.seed, workers=True, verbose=False)
    module = PairModule(model, loss, config, projection, selection_for(config, val_pairs))
    train_loader = pair_loader(
        train_pairs, config.batch_size, shuffle=True, seed=config.seed, resample=config.resample_pairs, shard=True
    )
    val_loader = pair_loader(val_pairs, 512) if val_pairs is not None else None
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


class TripletModule(PairModule):
    """Training on class-labelled batches ``(x [B, ...], class ids [B])`` (P×K batches): ``loss`` takes
    ``(model.embed(x), class ids)`` — an :class:`~siamkit.losses.triplet.OnlineTripletLoss` mines triplets
    among them, the losses of :mod:`siamkit.losses.batch` / :mod:`siamkit.losses.proxy` score them whole.
    History and checkpoints as in :class:`PairModule`; the loss's own weights (class proxies) are in the
    resume checkpoint, not in the model.
    """

    def _batch_loss(self, batch) -> tuple[torch.Tensor, torch.Tensor]:
        x, y = batch
        embeddings = self.model.embed(x)
        return self.loss(embeddings if self.projection is None else self.projection(embeddings), y), y


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
    model_metric, loss_metric = getattr(model, "metric", None), getattr(loss, "metric", None)
    if model_metric is not None and loss_metric is not None and model_metric != loss_metric:
        raise ConfigError(
            f"the model scores pairs by {model_metric} distance but the loss trains {loss_metric} distances; "
            "build both with the same metric"
        )
    pl.seed_everything(config.seed, workers=True, verbose=False)
    module = TripletModule(model, loss, config, projection, selection_for(config, val_pairs))
    train_loader = _pk_loader_for(train_data, config.batch_size, items_per_class, config.seed, shard=True)
    val_loader = _pk_loader_for(val_data, config.batch_size, items_per_class, config.seed + 1) if val_data else None
    run_trainer(module, train_loader, val_loader, config)
    return finish(module)


def _pk_loader_for(data: LabeledData, batch_size: int, items_per_class: int, seed: int, shard: bool = False):
    from siamkit.data.triplets import pk_loader

    num_classes = int((torch.bincount(data.y) >= 2).sum())
    p = min(num_classes, max(2, batch_size // items_per_class))
    k = max(items_per_class, batch_size // p)
    return pk_loader(data, p, k, seed=seed, shard=shard)
