"""The end-to-end verification workflow behind ``siamkit train`` on images:

data → class-disjoint + stratified split → pairs → model → fit → threshold calibrated on
validation pairs → metrics on test pairs (seen classes) and on pairs of classes never trained on →
checkpoint, ``metrics.json``, ``history.csv`` and plots in one output folder.
"""

from __future__ import annotations

import time
from dataclasses import asdict, replace
from pathlib import Path
from typing import Any

import torch

from siamkit.core.conventions import to_similarity
from siamkit.core.errors import ConfigError
from siamkit.data import (
    LabeledData,
    PairDataset,
    load_dataset,
)
from siamkit.data.sharding import rank_and_world_size
from siamkit.evaluation.inference import pair_scores
from siamkit.evaluation.metrics import calibrate_threshold, verification_report
from siamkit.experiments.build import build_loss, build_model, build_projection
from siamkit.experiments.config import ExperimentConfig
from siamkit.experiments.outputs import write_run_outputs, write_samples
from siamkit.experiments.splits import split_data
from siamkit.losses.names import LABELLED_BATCH_LOSSES


def run_training(config: ExperimentConfig, out_dir: str | Path, data: LabeledData | None = None) -> dict[str, Any]:
    """Train, calibrate, evaluate and write everything to ``out_dir``; returns the metrics dict.

    ``data``: labelled items to use instead of loading ``config.dataset`` (e.g. a subset chosen for
    model selection); it is split by :func:`split_data` like a loaded dataset.

    Writes ``model.ckpt`` (load with :func:`siamkit.load`), ``metrics.json``, ``history.csv``,
    ``loss.png``, ``roc.png``, ``samples/*.png``, ``report/index.html`` (all plots and metrics, see
    :mod:`siamkit.evaluation.parts`) and Lightning's ``checkpoints/last.ckpt`` (for resume).
    Under DDP, only rank 0 evaluates and writes; the other ranks return ``{}`` after training.
    """
    from siamkit.evaluation.parts import PART_SEED_OFFSETS, PART_TITLES, evaluate_parts, training_parts
    from siamkit.experiments.text import is_text_experiment, run_text_training
    from siamkit.reporting.folder import build_report
    from siamkit.reporting.plots import plot_roc
    from siamkit.training.trainer import fit, fit_triplets

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
    loss = build_loss(config, classes=torch.unique(splits.train.y))
    val_pairs = PairDataset(splits.val, config.eval_pairs, seed=config.seed + PART_SEED_OFFSETS["val"])

    train_config = replace(config.train, checkpoint_dir=config.train.checkpoint_dir or out_dir / "checkpoints")
    started = time.perf_counter()
    if config.loss in LABELLED_BATCH_LOSSES:
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
    write_samples(splits.test, out_dir / "samples")
    build_report(
        out_dir / "report", results, metrics, threshold, model.score_kind,
        f"siamkit train · {config.dataset} · {config.encoder} + {config.head} head", result.history,
    )
    return metrics
