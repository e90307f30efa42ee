"""Plain-dataclass configuration shared by the trainer and the workflow (no heavy imports)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from siamkit.core.errors import ConfigError

OPTIMIZERS = ("adam", "adamw", "sgd")
PRECISIONS = ("32-true", "32", "bf16-mixed", "bf16-true", "16-mixed", "64-true")
LR_SCHEDULES = ("constant", "cosine", "linear")


@dataclass
class TrainConfig:
    """How to train. ``lr`` is the optimizer's learning rate; SGD uses momentum 0.9.

    ``resample_pairs`` draws fresh training pairs every epoch (seeded by ``seed`` and the epoch).
    ``checkpoint_dir`` receives ``last.ckpt`` after every epoch; ``resume`` continues from it.
    ``precision``: Lightning's, e.g. ``"32-true"`` or ``"bf16-mixed"`` (bf16 autocast, also on CPU).
    ``devices`` / ``strategy``: Lightning's, e.g. ``devices=2, strategy="ddp"`` (gloo on CPU); each
    rank trains on its own share of the batches, so ``batch_size`` is per process. ``num_nodes``: machines
    in a multi-node run (``torchrun --nnodes``); world size = ``devices × num_nodes``.
    ``channels_last``: convolution weights (and so activations) in NHWC memory layout, usually faster on CPU.
    ``augment``: training-time augmentations of image batches, names from
    :data:`siamkit.data.augment.AUGMENTATIONS` (``"shift"``, ``"flip"``); validation is never augmented.
    ``lr_schedule``: ``"constant"``, ``"cosine"`` or ``"linear"`` (decay ``lr`` to 0 over all training steps);
    ``warmup_steps``: optimizer steps over which ``lr`` first rises linearly from 0 (any schedule; see
    :mod:`siamkit.training.schedule`).
    ``accumulate_grad_batches``: add up the gradients of this many batches before each optimizer step (an
    effective batch of ``batch_size ×`` that many pairs, for losses that score pairs independently).
    ``grad_clip``: clip the gradients' global L2 norm to this before each step (``None``: no clipping).
    ``keep_best``: score the validation pairs after every epoch (``val_roc_auc`` in the history) and end with the
    weights of the best epoch; ``patience``: stop once that many epochs have passed without a better one.
    ``freeze_backbone``: train only the encoder's last layer (and any head or projection): the backbone of a
    torchvision-layout encoder (:func:`siamkit.nn.encoders.pretrained.backbone_modules`) keeps its weights, and
    its BatchNorm layers stay in eval mode (their running statistics frozen too).
    ``backbone_lr_mult``: the backbone learns at ``lr × backbone_lr_mult`` (e.g. 0.1 to fine-tune pretrained
    weights gently); everything else at ``lr``.
    ``workers``: DataLoader processes that decode items streamed from disk (``None``: one per core but one;
    0: the main process); items held in memory are always sliced in the main process.
    ``instance_weight``: with a loss on class-labelled batches (:func:`~siamkit.training.trainer.fit_triplets`)
    and ``augment``, every item of a batch is seen as two augmented views, the class loss scores both views, and
    ``instance_weight ×`` NT-Xent between the views of each item (SimCLR's self-supervised term: the other view of
    the same item is the only positive, at ``instance_temperature``) is added. A class loss alone learns what tells
    the *training* classes apart; the instance term also keeps what tells any two images apart, which is what
    classes never seen in training need (Islam et al., ICCV 2021). ``0`` (default): one view, no instance term.
    ``rotation_classes``: with a loss on class-labelled batches, turn each training item by a random multiple of
    ``360° / rotation_classes`` and make each turn of a class a class of its own
    (:func:`siamkit.data.augment.rotated_classes`; 1 = off, 2, or 4 for square images): more training classes,
    each told apart by shape and orientation. Validation items are not turned.
    """

    epochs: int = 10
    batch_size: int = 128
    lr: float = 1e-3
    weight_decay: float = 0.0
    optimizer: str = "adam"
    seed: int = 0
    precision: str = "32-true"
    accelerator: str = "cpu"
    devices: int = 1
    strategy: str = "auto"
    progress: bool = True
    resample_pairs: bool = True
    checkpoint_dir: Path | None = None
    resume: bool = False
    channels_last: bool = False
    num_nodes: int = 1
    augment: tuple[str, ...] = ()
    lr_schedule: str = "constant"
    keep_best: bool = False
    patience: int | None = None
    freeze_backbone: bool = False
    backbone_lr_mult: float = 1.0
    warmup_steps: int = 0
    accumulate_grad_batches: int = 1
    grad_clip: float | None = None
    workers: int | None = None
    instance_weight: float = 0.0
    instance_temperature: float = 0.2
    rotation_classes: int = 1

    def __post_init__(self) -> None:
        if self.optimizer not in OPTIMIZERS:
            raise ConfigError(f"unknown optimizer '{self.optimizer}'; choose one of: {', '.join(OPTIMIZERS)}")
        if self.epochs < 1 or self.batch_size < 1:
            raise ConfigError(f"epochs and batch_size must be ≥ 1, got {self.epochs} and {self.batch_size}")
        if self.precision not in PRECISIONS:
            raise ConfigError(f"unknown precision '{self.precision}'; choose one of: {', '.join(PRECISIONS)}")
        if self.lr_schedule not in LR_SCHEDULES:
            raise ConfigError(f"unknown lr schedule '{self.lr_schedule}'; choose one of: {', '.join(LR_SCHEDULES)}")
        if self.augment:  # names are checked here, but siamkit.data is imported only when augmenting
            from siamkit.data.augment import parse_augmentations

            self.augment = parse_augmentations(self.augment)
        else:
            self.augment = ()
        if self.patience is not None and self.patience < 1:
            raise ConfigError(f"patience must be ≥ 1 epoch (or None to train every epoch), got {self.patience}")
        if self.warmup_steps < 0 or self.accumulate_grad_batches < 1:
            raise ConfigError(
                f"warmup_steps must be ≥ 0 and accumulate_grad_batches ≥ 1, got {self.warmup_steps} and "
                f"{self.accumulate_grad_batches}"
            )
        if self.grad_clip is not None and not self.grad_clip > 0:
            raise ConfigError(f"grad_clip must be > 0 (a gradient norm) or None, got {self.grad_clip}")
        if self.workers is not None and self.workers < 0:
            raise ConfigError(f"workers must be ≥ 0 (0 decodes in the main process), got {self.workers}")
        if not self.instance_weight >= 0 or not self.instance_temperature > 0:
            raise ConfigError(
                f"instance_weight must be ≥ 0 (0: no instance term) and instance_temperature > 0, got "
                f"{self.instance_weight} and {self.instance_temperature}"
            )
        if self.instance_weight and not self.augment:
            raise ConfigError(
                "instance_weight contrasts two augmented views of each item, and without --augment both views are "
                "the same image; add --augment (e.g. shift,rotate, or strong,flip for photos)"
            )
        if self.rotation_classes != 1:  # checked here; siamkit.data is imported only when turning
            from siamkit.data.augment import ROTATION_CLASSES

            if self.rotation_classes not in ROTATION_CLASSES:
                raise ConfigError(
                    f"rotation_classes is the number of turns per class: 1 (off), 2 (0°, 180°) or 4 (every 90°), "
                    f"got {self.rotation_classes}"
                )
        if not self.lr > 0:
            raise ConfigError(f"lr must be > 0, got {self.lr}")
        if not self.backbone_lr_mult > 0:
            raise ConfigError(
                f"backbone_lr_mult must be > 0, got {self.backbone_lr_mult}; use freeze_backbone to stop the backbone"
            )
