"""``siamkit eval``: a trained checkpoint evaluated on the parts of a dataset (the stored split
rebuilt on the data it was trained on) at its calibrated threshold, with an optional report folder.
"""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Any

from torch import nn

from siamkit.core.errors import ConfigError, DataError, SiamkitError
from siamkit.data import LabeledData, PairDataset
from siamkit.data.sources import load_dataset_for
from siamkit.deploy.checkpoint import Checkpoint
from siamkit.evaluation.baselines import evaluate_baselines, part_lifts
from siamkit.evaluation.parts import PART_SEED_OFFSETS, SPLITS, evaluate_parts
from siamkit.experiments.build import build_pretrained_encoder
from siamkit.experiments.config import ExperimentConfig
from siamkit.experiments.splits import Splits, stored_split
from siamkit.nn.encoders.pretrained import pooled_features
from siamkit.reporting.folder import build_report, read_history


def dataset_parts(
    meta: dict[str, Any], dataset: str, split: str | None = None, stream: bool = False, workers: int | None = None
) -> tuple[dict[str, LabeledData], Splits | None]:
    """The parts of ``dataset`` to evaluate a checkpoint (with metadata ``meta``) on, and the rebuilt
    training :class:`~siamkit.experiments.splits.Splits` (``None`` on another dataset).

    On the dataset it was trained on the stored split is rebuilt: ``split=None`` gives ``test``
    and (when classes were held out) ``unseen``; a named split gives that part alone. Any other
    dataset has only ``all``.
    """

    if split is not None and split not in SPLITS:
        raise ConfigError(f"unknown split '{split}'; choose one of: {', '.join(SPLITS)}")
    expected = meta.get("input_shape")
    data = load_dataset_for(dataset, expected, stream, workers)
    if expected is not None and list(data.input_shape) != list(expected):
        raise DataError(f"{dataset} items have shape {list(data.input_shape)} but the model expects {list(expected)}")
    if dataset != meta.get("dataset"):
        if split not in (None, "all"):
            raise ConfigError(
                f"the model was not trained on {dataset}, so it has no stored '{split}' split; use --split all"
            )
        return {"all": data}, None
    stored = meta.get("split", {})
    splits = stored_split(data, stored)
    available = {"test": splits.test, "val": splits.val, "unseen": splits.unseen, "all": data}
    if split is None:
        return {name: available[name] for name in ("test", "unseen") if available[name] is not None}, splits
    if available[split] is None:
        raise DataError("no unseen classes were held out in training (need ≥ 2); evaluate --split test instead")
    return {split: available[split]}, splits


def zero_shot_features(meta: dict[str, Any]) -> nn.Module | None:
    """The pretrained backbone a checkpoint's training started from (its pooled features, no fine-tuning), for the
    ``pretrained_zero_shot`` baseline; ``None`` for a model trained from scratch. Weights that cannot be read here
    (no cache on this machine, a moved ``--weights`` file) leave that baseline out, with a warning that says why."""
    experiment = meta.get("experiment", {})
    if not (experiment.get("pretrained") or experiment.get("weights")):
        return None
    config = ExperimentConfig(
        encoder=experiment["encoder"], embedding_dim=experiment["embedding_dim"],
        pretrained=experiment.get("pretrained"), weights=experiment.get("weights"),
    )
    try:
        return pooled_features(build_pretrained_encoder(config, tuple(meta["input_shape"])))
    except SiamkitError as error:
        warnings.warn(f"the pretrained_zero_shot baseline is left out: {error}", stacklevel=2)
        return None


def report_checkpoint(
    checkpoint: Checkpoint,
    dataset: str,
    split: str | None = None,
    num_pairs: int | None = None,
    report_dir: str | Path | None = None,
    history_path: str | Path | None = None,
    stream: bool = False,
    workers: int | None = None,
) -> dict[str, Any]:
    """Evaluate a trained checkpoint on ``dataset`` (see :func:`dataset_parts`; ``stream`` / ``workers``: decode a
    folder or manifest from disk per batch) at its calibrated threshold; with ``report_dir``, also write the
    report there. Returns the metrics dict."""
    if checkpoint.threshold is None:
        raise ConfigError("the checkpoint has no calibrated threshold; train it with `siamkit train`")
    meta = checkpoint.meta
    parts, splits = dataset_parts(meta, dataset, split, stream, workers)
    seed = meta.get("split", {}).get("seed", 0)
    held_out = meta.get("split", {}).get("held_out")
    num_pairs = num_pairs or meta.get("eval_pairs", 4000)
    metrics, results = evaluate_parts(
        checkpoint.model, parts, checkpoint.threshold, checkpoint.score_kind, num_pairs, seed, held_out
    )
    metrics["dataset"] = dataset
    baseline_results = None
    if splits is not None:  # baselines need the training items (PCA) and validation pairs (thresholds)
        val_pairs = PairDataset(splits.val, num_pairs, seed=seed + PART_SEED_OFFSETS["val"])
        metrics["baselines"], baseline_results = evaluate_baselines(
            splits.train, val_pairs, parts, num_pairs, seed, held_out, zero_shot_features(meta)
        )
        metrics["lift_over_best_baseline"] = part_lifts(metrics, metrics["baselines"])
    if report_dir is not None:
        history = read_history(history_path) if history_path and Path(history_path).is_file() else None
        build_report(
            report_dir, results, metrics, checkpoint.threshold, checkpoint.score_kind,
            f"siamkit evaluation · {dataset}", history, baseline_results,
        )
    return metrics
