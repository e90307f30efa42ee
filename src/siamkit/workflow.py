"""The end-to-end verification workflow behind ``siamkit train`` and ``siamkit eval``:

data → class-disjoint + stratified split → pairs → model → fit → threshold calibrated on
validation pairs → metrics on test pairs (seen classes) and on pairs of classes never trained on →
checkpoint, ``metrics.json``, ``history.csv`` and plots in one output folder.
"""

from __future__ import annotations

import csv
import math
import time
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

import torch
from torch import nn

from siamkit.checkpoint import save_checkpoint
from siamkit.config import TrainConfig
from siamkit.conventions import to_similarity
from siamkit.data import (
    LabeledData,
    PairDataset,
    as_float,
    class_disjoint_split,
    load_dataset,
    save_image,
    stratified_split,
)
from siamkit.data.sharding import rank_and_world_size
from siamkit.encoders import build_encoder
from siamkit.errors import ConfigError, DataError
from siamkit.evaluation import calibrate_threshold, pair_scores, verification_report
from siamkit.fileio import atomic_path, file_stem, write_json
from siamkit.heads import ClassifierHead, DistanceHead
from siamkit.losses import loss_from_name
from siamkit.models import SiameseNet, TripletNet
from siamkit.projection import ProjectionHead

HEAD_LOSSES = {"distance": "contrastive", "classifier": "bce"}
DEFAULT_HELD_OUT = {"digits": ["7", "8", "9"], "fashion-mnist": ["Sneaker", "Bag", "Ankle boot"]}
PROTOCOLS = ("unseen-classes", "all-classes")


@dataclass
class ExperimentConfig:
    """What to train and how to split the data.

    ``protocol``: ``"unseen-classes"`` holds whole classes out of training and reports them apart;
    ``"all-classes"`` trains on every class.
    ``held_out``: class names never seen in training, evaluated as "unseen classes"; ``None`` uses the
    dataset's default (digits: 7, 8, 9; fashion-mnist: Sneaker, Bag, Ankle boot; other data with
    ≥ 5 classes: the last 30 %).
    ``fractions``: train / validation / test shares of the remaining (seen-class) items; data with an
    official train/test split keeps it (see :func:`split_data`).
    ``train_pairs``: pairs drawn afresh each epoch; ``eval_pairs``: pairs per evaluation split.
    ``loss``: a name in :data:`siamkit.losses.LOSSES` (default: the head's usual loss); ``margin=None``
    keeps the loss's own default. ``loss="triplet"`` trains a :class:`~siamkit.models.TripletNet` on
    P×K batches with online ``mining`` (``batch_hard``, ``batch_all``, ``semi_hard``), ``items_per_class`` = K.
    Text pairs (``dataset="wordnet-gloss"`` or ``pairs_csv``, see :mod:`siamkit.text_workflow`): the
    file's ``text_columns`` and ``label_column`` (``strict_rows`` refuses a file with bad rows), a
    ``tokenizer`` (``word`` or ``char``) truncating at ``max_length`` tokens and keeping tokens seen
    ``min_count`` times in training, and a text ``encoder`` (``gru``, ``lstm``, ``text_pool``).
    ``projection_dim``: train the loss on a ``Linear(embedding_dim → projection_dim)`` projection of the
    embeddings that is dropped after training (:mod:`siamkit.projection`; distance heads only).
    """

    dataset: str = "digits"
    protocol: str = "unseen-classes"
    encoder: str = "lenet"
    head: str = "distance"
    metric: str = "euclidean"
    features: tuple[str, ...] = ("abs",)
    loss: str | None = None
    embedding_dim: int = 32
    margin: float | None = None
    held_out: list[str] | None = None
    fractions: tuple[float, float, float] = (0.7, 0.15, 0.15)
    train_pairs: int = 10000
    eval_pairs: int = 4000
    image_size: tuple[int, int] | None = None
    train: TrainConfig = field(default_factory=TrainConfig)
    mining: str = "batch_hard"
    items_per_class: int = 4
    pairs_csv: str | None = None
    text_columns: tuple[str, str] = ("question1", "question2")
    label_column: str = "is_duplicate"
    strict_rows: bool = False
    tokenizer: str = "word"
    max_length: int | None = None
    min_count: int = 1
    projection_dim: int | None = None

    def __post_init__(self) -> None:
        if self.head not in HEAD_LOSSES:
            raise ConfigError(f"unknown head '{self.head}'; choose one of: {', '.join(HEAD_LOSSES)}")
        self.loss = self.loss or HEAD_LOSSES[self.head]
        if self.protocol not in PROTOCOLS:
            raise ConfigError(f"unknown protocol '{self.protocol}'; choose one of: {', '.join(PROTOCOLS)}")
        if self.protocol == "all-classes":
            if self.held_out:
                raise ConfigError("--held-out contradicts the all-classes protocol; drop one of them")
            self.held_out = []
        if self.projection_dim is not None and self.projection_dim < 1:
            raise ConfigError(f"projection_dim must be ≥ 1 (or None for no projection head), got {self.projection_dim}")

    @property
    def seed(self) -> int:
        return self.train.seed


@dataclass
class Splits:
    """Disjoint item sets: train / val / test of the seen classes, and all items of unseen classes."""

    train: LabeledData
    val: LabeledData
    test: LabeledData
    unseen: LabeledData | None
    held_out: list[str]


def default_held_out(data: LabeledData) -> list[str]:
    if data.name in DEFAULT_HELD_OUT:
        return DEFAULT_HELD_OUT[data.name]
    names = [data.class_names[k] for k in data.classes()]
    return names[-math.ceil(0.3 * len(names)) :] if len(names) >= 5 else []


def held_out_split(data: LabeledData, held_out: list[str]) -> tuple[torch.Tensor, torch.Tensor]:
    """Item indices ``(seen, unseen)``: ``unseen`` are the items of the classes named in ``held_out``.
    A name that is not one of ``data``'s classes is a :class:`DataError` listing the classes."""
    unknown = [name for name in held_out if name not in data.class_names]
    if unknown:
        raise DataError(
            f"held-out classes {unknown} are not in {data.name} (its classes: "
            f"{', '.join(data.class_names)})"
        )
    return class_disjoint_split(data.y, [data.class_names.index(n) for n in held_out])


def split_data(
    data: LabeledData, held_out: list[str] | None, fractions: tuple[float, ...], seed: int
) -> Splits:
    """Hold out whole classes (by name), then split the rest into train / val / test.

    Without an official split, seen-class items are split stratified by ``fractions``. With one
    (``data.split``: 0 = official train, 1 = official test), the official test items of seen classes
    are the test set, the official train items are split train / val in the ratio of the first two
    fractions, and only official test items of held-out classes are scored as unseen.
    """
    held_out = default_held_out(data) if held_out is None else list(held_out)
    unseen = None
    seen_data = data
    if held_out:
        seen_idx, unseen_idx = held_out_split(data, held_out)
        seen_data, unseen = data.subset(seen_idx), data.subset(unseen_idx)
    if seen_data.split is None:
        train, val, test = (seen_data.subset(p) for p in stratified_split(seen_data.y, fractions, seed))
    else:
        official_train = seen_data.subset(torch.nonzero(seen_data.split == 0).flatten())
        test = seen_data.subset(torch.nonzero(seen_data.split == 1).flatten())
        share = fractions[0] / (fractions[0] + fractions[1])
        train, val = (official_train.subset(p) for p in stratified_split(official_train.y, (share, 1 - share), seed))
        if unseen is not None:
            unseen = unseen.subset(torch.nonzero(unseen.split == 1).flatten())
    for name, part in (("train", train), ("validation", val), ("test", test)):
        if len(part.classes()) < 2:
            raise DataError(
                f"the {name} split of {data.name} has fewer than two classes; add data or hold out fewer classes"
            )
    return Splits(train, val, test, unseen if unseen is not None and len(unseen.classes()) >= 2 else None, held_out)


def build_model(config: ExperimentConfig, input_shape: tuple[int, ...], **encoder_kwargs: Any) -> SiameseNet:
    """The shared-weight Siamese model the config describes, for inputs of ``input_shape``
    (``encoder_kwargs``, e.g. a text encoder's ``tokenizer``, go to the encoder)."""
    encoder = build_encoder(config.encoder, input_shape, config.embedding_dim, **encoder_kwargs)
    if config.loss == "triplet":
        return TripletNet(encoder, config.metric)
    if config.head == "distance":
        head = DistanceHead(config.metric)
    else:
        head = ClassifierHead(config.embedding_dim, config.features)
    return SiameseNet(encoder, head)


def build_projection(config: ExperimentConfig) -> ProjectionHead | None:
    """The training-only projection head ``config.projection_dim`` asks for, or ``None``."""
    if config.projection_dim is None:
        return None
    if config.head != "distance":
        raise ConfigError("a projection head trains embeddings compared by distance; use --head distance")
    return ProjectionHead(config.embedding_dim, config.projection_dim)


def build_loss(config: ExperimentConfig) -> nn.Module:
    """The loss ``config.loss`` names (see :data:`siamkit.losses.LOSSES`), checked against the head and metric."""
    if config.loss == "triplet":
        if config.head != "distance":
            raise ConfigError("the triplet loss trains embeddings compared by distance; use --head distance")
        return loss_from_name(
            "triplet",
            config.margin,
            strategy=config.mining,
            squared=config.metric == "squared_euclidean",
            distance="cosine" if config.metric == "cosine" else "euclidean",
        )
    if config.loss == "cosine" and (config.head != "distance" or config.metric != "cosine"):
        raise ConfigError("the cosine loss needs cosine distances; use --head distance --metric cosine")
    return loss_from_name(config.loss, config.margin)


def write_history(history: list[dict[str, float]], path: Path) -> None:
    """``fit``'s per-epoch rows as ``history.csv`` (epoch first), written atomically."""
    keys = sorted({k for row in history for k in row}, key=lambda k: (k != "epoch", k))
    with atomic_path(path) as tmp, tmp.open("w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=keys)
        writer.writeheader()
        writer.writerows(history)


def _write_samples(test: LabeledData, folder: Path) -> list[Path]:
    """Two test images of each of the first two classes, for trying ``siamkit verify``."""
    written = []
    if test.x.ndim != 4 or test.x.shape[1] not in (1, 3):
        return written
    for cls in test.classes()[:2]:
        idx = torch.nonzero(test.y == cls).flatten()[:2]
        for suffix, i in zip("ab", idx.tolist()):
            path = folder / f"{file_stem(test.class_names[cls])}_{suffix}.png"
            save_image(as_float(test.x[i]), path)
            written.append(path)
    return written


def write_run_outputs(
    out_dir: Path, model: nn.Module, meta: dict[str, Any], metrics: dict[str, Any], history: list[dict[str, float]]
) -> None:
    """The files every training run leaves: ``model.ckpt``, ``metrics.json``, ``history.csv``, ``loss.png``."""
    from siamkit.report import plot_loss

    save_checkpoint(out_dir / "model.ckpt", model, meta)
    write_json(out_dir / "metrics.json", metrics)
    write_history(history, out_dir / "history.csv")
    plot_loss(history, out_dir / "loss.png")


def run_training(config: ExperimentConfig, out_dir: str | Path, data: LabeledData | None = None) -> dict[str, Any]:
    """Train, calibrate, evaluate and write everything to ``out_dir``; returns the metrics dict.

    ``data``: labelled items to use instead of loading ``config.dataset`` (e.g. a subset chosen for
    model selection); it is split by :func:`split_data` like a loaded dataset.

    Writes ``model.ckpt`` (load with :func:`siamkit.load`), ``metrics.json``, ``history.csv``,
    ``loss.png``, ``roc.png``, ``samples/*.png``, ``report/index.html`` (all plots and metrics, see
    :mod:`siamkit.reporting`) and Lightning's ``checkpoints/last.ckpt`` (for resume).
    Under DDP, only rank 0 evaluates and writes; the other ranks return ``{}`` after training.
    """
    from siamkit.report import plot_roc
    from siamkit.reporting import PART_SEED_OFFSETS, PART_TITLES, build_report, evaluate_parts, training_parts
    from siamkit.text_workflow import is_text_experiment, run_text_training
    from siamkit.training import fit, fit_triplets

    if is_text_experiment(config):
        if config.train.augment:
            raise ConfigError("--augment works on images, not text pairs; train without --augment")
        return run_text_training(config, out_dir)
    out_dir = Path(out_dir)
    data = data if data is not None else load_dataset(config.dataset, size=config.image_size)
    if config.train.augment and data.x.ndim != 4:
        raise ConfigError(
            f"--augment {','.join(config.train.augment)} works on images [C, H, W], but {data.name} items have "
            f"shape {list(data.input_shape)}; train without --augment"
        )
    splits = split_data(data, config.held_out, config.fractions, config.seed)
    torch.manual_seed(config.seed)
    model = build_model(config, data.input_shape)
    projection = build_projection(config)
    loss = build_loss(config)
    val_pairs = PairDataset(splits.val, config.eval_pairs, seed=config.seed + PART_SEED_OFFSETS["val"])

    train_config = replace(config.train, checkpoint_dir=config.train.checkpoint_dir or out_dir / "checkpoints")
    started = time.perf_counter()
    if config.loss == "triplet":
        result = fit_triplets(model, loss, splits.train, splits.val, train_config, config.items_per_class, projection)
    else:
        train_pairs = PairDataset(splits.train, config.train_pairs, seed=config.seed)
        result = fit(model, loss, train_pairs, val_pairs, train_config, projection)
    train_seconds = time.perf_counter() - started
    if rank_and_world_size()[0] != 0:
        return {}

    val_scores, val_labels = pair_scores(model, val_pairs)
    threshold = calibrate_threshold(val_scores, val_labels, model.score_kind)
    meta: dict[str, Any] = {
        "threshold": threshold,
        "score_kind": model.score_kind,
        "input_shape": list(data.input_shape),
        "dataset": config.dataset,
        "class_names": data.class_names,
        "split": {"held_out": splits.held_out, "fractions": list(config.fractions), "seed": config.seed},
        "eval_pairs": config.eval_pairs,
        "experiment": {k: v for k, v in asdict(config).items() if k != "train"},
    }
    metrics, results = evaluate_parts(
        model, training_parts(splits), threshold, model.score_kind, config.eval_pairs, config.seed, splits.held_out
    )
    metrics["val"] = verification_report(val_scores, val_labels, model.score_kind, threshold).as_dict()
    metrics.update(train_seconds=round(train_seconds, 2), epochs=len(result.history))
    meta["metrics"] = metrics

    write_run_outputs(out_dir, model, meta, metrics, result.history)
    curves = {"validation": (to_similarity(val_scores, model.score_kind), val_labels)}
    curves.update({PART_TITLES[r.name]: (to_similarity(r.scores, model.score_kind), r.pairs.labels) for r in results})
    plot_roc(curves, out_dir / "roc.png")
    _write_samples(splits.test, out_dir / "samples")
    build_report(
        out_dir / "report", results, metrics, threshold, model.score_kind,
        f"siamkit train · {config.dataset} · {config.encoder} + {config.head} head", result.history,
    )
    return metrics
