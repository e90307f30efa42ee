"""The end-to-end verification workflow behind ``siamkit train`` on images:

data → class-disjoint + stratified split → pairs → model → fit → threshold calibrated on
validation pairs → metrics on test pairs (seen classes) and on pairs of classes never trained on →
checkpoint, ``metrics.json``, ``history.csv`` and plots in one output folder.
"""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path
from typing import Any

import torch

from siamkit.core.errors import ConfigError
from siamkit.data import (
    LabeledData,
    PairDataset,
    load_dataset,
)
from siamkit.data.sharding import rank_and_world_size
from siamkit.experiments.build import build_loss, build_model, build_projection
from siamkit.experiments.config import ExperimentConfig
from siamkit.experiments.outputs import write_run_outputs, write_samples
from siamkit.experiments.pipeline import train_and_calibrate, with_checkpoint_dir
from siamkit.experiments.splits import split_data
from siamkit.losses.names import LABELLED_BATCH_LOSSES
from siamkit.nn.encoders.pretrained import pooled_features


def run_training(config: ExperimentConfig, out_dir: str | Path, data: LabeledData | None = None) -> dict[str, Any]:
    """Train, calibrate, evaluate and write everything to ``out_dir``; returns the metrics dict.

    ``data``: labelled items to use instead of loading ``config.dataset`` (e.g. a subset chosen for
    model selection); it is split by :func:`split_data` like a loaded dataset.

    Writes ``model.ckpt`` (load with :func:`siamkit.load`), ``metrics.json``, ``history.csv``,
    ``loss.png``, ``roc.png``, ``samples/*.png``, ``report/index.html`` (all plots and metrics, see
    :mod:`siamkit.evaluation.parts`) and Lightning's ``checkpoints/last.ckpt`` (for resume).
    Under DDP, only rank 0 evaluates and writes; the other ranks return ``{}`` after training.
    """
    from siamkit.evaluation.baselines import evaluate_baselines, part_lifts
    from siamkit.evaluation.parts import PART_SEED_OFFSETS, evaluate_parts, training_parts
    from siamkit.experiments.text import is_text_experiment, run_text_training
    from siamkit.reporting.folder import build_report, part_curves
    from siamkit.reporting.plots import plot_roc
    from siamkit.training.trainer import fit, fit_triplets

    if is_text_experiment(config):
        if config.train.augment:
            raise ConfigError("--augment works on images, not text pairs; train without --augment")
        return run_text_training(config, out_dir)
    out_dir = Path(out_dir)
    data = data if data is not None else load_dataset(
        config.dataset, size=config.image_size, stream=config.stream, strict_files=config.strict_files,
        cache=config.cache_images, workers=config.train.workers,
    )
    if config.train.augment and data.x.ndim != 4:
        raise ConfigError(
            f"--augment {','.join(config.train.augment)} works on images [C, H, W], but {data.name} items have "
            f"shape {list(data.input_shape)}; train without --augment"
        )
    splits = split_data(data, config.held_out, config.fractions, config.seed, config.val_classes)
    torch.manual_seed(config.seed)
    model = build_model(config, data.input_shape)
    zero_shot = pooled_features(model.encoder) if config.pretrained or config.weights else None
    projection = build_projection(config)
    loss = build_loss(config, classes=torch.unique(splits.train.y))
    val_pairs = PairDataset(splits.val, config.eval_pairs, seed=config.seed + PART_SEED_OFFSETS["val"])
    train_config = with_checkpoint_dir(config.train, out_dir)
    if config.loss in LABELLED_BATCH_LOSSES:
        def train():
            return fit_triplets(
                model, loss, splits.train, splits.val, train_config, config.items_per_class, projection, val_pairs
            )
    else:
        def train():
            train_pairs = PairDataset(splits.train, config.train_pairs, seed=config.seed)
            return fit(model, loss, train_pairs, val_pairs, train_config, projection)
    trained = train_and_calibrate(model, train, val_pairs)
    if rank_and_world_size()[0] != 0:
        return {}

    parts = training_parts(splits)
    metrics, results = evaluate_parts(
        model, parts, trained.threshold, model.score_kind, config.eval_pairs, config.seed, splits.held_out
    )
    metrics["val"] = trained.val_report()
    metrics["baselines"], baseline_results = evaluate_baselines(
        splits.train, val_pairs, parts, config.eval_pairs, config.seed, splits.held_out, zero_shot
    )
    metrics["lift_over_best_baseline"] = part_lifts(metrics, metrics["baselines"])
    metrics.update(train_seconds=trained.train_seconds, epochs=len(trained.history))
    meta: dict[str, Any] = {
        "threshold": trained.threshold,
        "score_kind": model.score_kind,
        "input_shape": list(data.input_shape),
        "dataset": config.dataset,
        "class_names": data.class_names,
        "split": {
            "held_out": splits.held_out, "val_classes": splits.val_classes, "fractions": list(config.fractions),
            "seed": config.seed,
        },
        "eval_pairs": config.eval_pairs,
        "experiment": {k: v for k, v in asdict(config).items() if k != "train"},
        "metrics": metrics,
    }
    write_run_outputs(out_dir, model, meta, metrics, trained.history)
    curves = {"validation": trained.val_curve(), **part_curves(results, model.score_kind)}
    plot_roc(curves, out_dir / "roc.png")
    write_samples(splits.test, out_dir / "samples")
    build_report(
        out_dir / "report", results, metrics, trained.threshold, model.score_kind,
        f"siamkit train · {config.dataset} · {config.encoder} + {config.head} head", trained.history,
        baseline_results,
    )
    return metrics
