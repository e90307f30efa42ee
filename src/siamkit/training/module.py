"""Lightning modules that train siamkit models: :class:`PairModule` on pair batches ``(x1, x2, y)``
(y 1 = same) and :class:`TripletModule` on labelled P×K batches ``(x, class ids)``.
"""

from __future__ import annotations

from typing import Any

import lightning.pytorch as pl
import torch
from torch import nn

from siamkit.core.errors import ConfigError
from siamkit.core.registry import spec_of
from siamkit.data.augment import BatchAugment, rotated_classes
from siamkit.losses.views import TwoViewNTXentLoss
from siamkit.nn.encoders.pretrained import backbone_modules, backbone_parameters
from siamkit.nn.interfaces import embed_pair
from siamkit.nn.projection import project_pair
from siamkit.training.best import BestOnValidation
from siamkit.training.config import TrainConfig
from siamkit.training.schedule import lr_scheduler


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
        if getattr(self.loss, "takes_pair_embeddings", False):  # e.g. in-batch negatives: embeddings, not scores
            a, b = embed_pair(self.model, x1, x2)
            if self.projection is not None:
                a, b = self.projection(a), self.projection(b)
            return self.loss(a, b, y), y
        scores = self.model(x1, x2) if self.projection is None else project_pair(self.model, self.projection, x1, x2)
        return self.loss(scores, y), y

    def _step(self, batch, stage: str) -> torch.Tensor:
        loss, y = self._batch_loss(batch)
        return self._record(loss, stage, len(y))

    def _record(self, loss: torch.Tensor, stage: str, count: int) -> torch.Tensor:
        """Log ``loss`` (the mean over ``count`` items) and add it to the epoch's sums; returns it."""
        self.log(f"{stage}_loss", loss, prog_bar=True, on_step=False, on_epoch=True, batch_size=count)
        total = self._sums.setdefault(stage, [loss.new_zeros((), dtype=torch.float32)] * 2)
        total[0] = total[0] + loss.detach().float() * count
        total[1] = total[1] + count
        return loss

    def training_step(self, batch, batch_idx: int) -> torch.Tensor:
        if self.augment is not None:
            batch = self._augmented(batch, batch_idx)
        return self._step(batch, "train")

    def _augmented(self, batch, batch_idx: int):
        """``(*inputs, labels)`` with every input batch augmented; labels unchanged."""
        *inputs, labels = batch
        generator = self._augment_generator(batch_idx)
        return (*(self.augment(x, generator) for x in inputs), labels)

    def _augment_generator(self, batch_idx: int, stream: int = 0) -> torch.Generator:
        """The generator of one training batch's augmentations, seeded by ``(seed, epoch, batch, rank)``; each
        ``stream`` (0: augmentation, 1: rotation classes) draws on its own."""
        seed = self.config.seed + 1_000_003 * self.current_epoch + 7_919 * batch_idx + 104_729 * self.global_rank
        seed += 15_485_863 * stream
        return torch.Generator().manual_seed(seed)

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
        if c.lr_schedule == "constant" and not c.warmup_steps:
            return optimizer
        steps = max(1, int(self.trainer.estimated_stepping_batches))
        schedule = lr_scheduler(optimizer, steps, c.warmup_steps, c.lr_schedule)
        return {"optimizer": optimizer, "lr_scheduler": {"scheduler": schedule, "interval": "step"}}

    def on_save_checkpoint(self, checkpoint: dict[str, Any]) -> None:
        checkpoint["siamkit"] = {"model_spec": spec_of(self.model), "history": self.history}
        if self.best is not None:
            checkpoint["siamkit"]["best"] = self.best.state_dict()

    def on_load_checkpoint(self, checkpoint: dict[str, Any]) -> None:
        self.history = list(checkpoint.get("siamkit", {}).get("history", []))
        if self.best is not None and "best" in checkpoint.get("siamkit", {}):
            self.best.load_state_dict(checkpoint["siamkit"]["best"])


class TripletModule(PairModule):
    """Training on class-labelled batches ``(x [B, ...], class ids [B])`` (P×K batches): ``loss`` takes
    ``(model.embed(x), class ids)`` — an :class:`~siamkit.losses.triplet.OnlineTripletLoss` mines triplets
    among them, the losses of :mod:`siamkit.losses.batch` / :mod:`siamkit.losses.proxy` score them whole.
    History and checkpoints as in :class:`PairModule`; the loss's own weights (class proxies) are in the
    resume checkpoint, not in the model.
    With ``config.instance_weight`` > 0 each training batch is seen as two augmented views: the loss scores
    both (``[2B, D]`` with the class ids twice) and the instance term (NT-Xent with each item's two views as
    its only positive pair) is added, weighted; validation batches are scored as they are.
    With ``config.rotation_classes`` > 1 each training item is first turned and relabelled
    (:func:`~siamkit.data.augment.rotated_classes`), before any augmentation; validation items are not.
    """

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.instance_loss = TwoViewNTXentLoss(self.config.instance_temperature) if self.config.instance_weight else None

    def _batch_loss(self, batch) -> tuple[torch.Tensor, torch.Tensor]:
        x, y = batch
        return self.loss(self._projected(self.model.embed(x)), y), y

    def _projected(self, embeddings: torch.Tensor) -> torch.Tensor:
        return embeddings if self.projection is None else self.projection(embeddings)

    def training_step(self, batch, batch_idx: int) -> torch.Tensor:
        if self.config.rotation_classes > 1:
            batch = rotated_classes(*batch, self.config.rotation_classes, self._augment_generator(batch_idx, stream=1))
        if self.instance_loss is None:
            return super().training_step(batch, batch_idx)
        x, y = batch
        generator = self._augment_generator(batch_idx)
        views = torch.cat([self.augment(x, generator), self.augment(x, generator)])  # [2B, ...]: view 1, view 2
        z = self._projected(self.model.embed(views))
        loss = self.loss(z, y.repeat(2)) + self.config.instance_weight * self.instance_loss(z)
        return self._record(loss, "train", len(y))
