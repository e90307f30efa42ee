"""``siamkit doctor CKPT``: diagnose a trained checkpoint on its dataset, with its training split rebuilt."""

from __future__ import annotations

from typing import Any

import torch

from siamkit.core.errors import ConfigError, DataError
from siamkit.data.labeled import LabeledData
from siamkit.deploy.checkpoint import Checkpoint
from siamkit.doctor.diagnose import diagnose
from siamkit.doctor.findings import Diagnosis, Finding
from siamkit.losses.names import LABELLED_BATCH_LOSSES
from siamkit.training.config import TrainConfig

LOSS_OF_SCORE = {"distance": "contrastive", "similarity": "bce"}
TRIPLET_LOSSES = LABELLED_BATCH_LOSSES  # losses on embeddings and class labels, not on pairs
MARGIN_PAIRS = 256
MIN_MARGIN = 1e-3


def optimizer_factory(name: str, lr: float):
    """``params -> optimizer`` as ``siamkit train`` builds it (SGD with momentum 0.9, Adam, AdamW)."""
    TrainConfig(optimizer=name, lr=lr)  # validates the name and lr
    if name == "sgd":
        return lambda params: torch.optim.SGD(params, lr=lr, momentum=0.9)
    cls = torch.optim.AdamW if name == "adamw" else torch.optim.Adam
    return lambda params: cls(params, lr=lr)


def diagnose_checkpoint(
    checkpoint: Checkpoint,
    dataset: str,
    loss: str | None = None,
    optimizer: str = "adam",
    lr: float = 1e-3,
    **options: Any,
) -> Diagnosis:
    """Diagnose ``checkpoint`` on ``dataset`` (a bundled name or an image folder).

    On the dataset it was trained on, the stored split is rebuilt: pairs come from the training
    items and the validation + test items are checked for leaks. ``loss`` (a pair loss such as
    ``contrastive`` or ``bce``) defaults to the one it was trained with (with its margin); a model trained
    with the triplet loss, whose loss needs class labels rather than pairs, is probed with the pair loss
    its score kind needs (see :func:`score_kind_loss`). ``options`` go to
    :func:`~siamkit.doctor.diagnose` (``num_pairs``, ``steps``, ``seed``, ``checks``).
    """
    from siamkit.data.sources import load_dataset_for
    from siamkit.experiments.build import build_loss
    from siamkit.experiments.config import ExperimentConfig
    from siamkit.experiments.splits import stored_split

    if loss in TRIPLET_LOSSES:
        raise ConfigError(
            f"the doctor's probes train on pairs, so --loss {loss} cannot drive them; "
            f"use --loss {LOSS_OF_SCORE[checkpoint.score_kind]} (or leave --loss out)"
        )
    meta = checkpoint.meta
    expected = checkpoint.input_shape
    data = load_dataset_for(dataset, expected)
    if expected is not None and tuple(data.input_shape) != expected:
        raise DataError(f"{dataset} items have shape {list(data.input_shape)} but the model expects {list(expected)}")
    experiment = meta.get("experiment", {})
    train, test = data, None
    split = meta.get("split")
    if split and dataset == meta.get("dataset"):
        splits = stored_split(data, split)
        train, test = splits.train, torch.cat([splits.val.x, splits.test.x])
    trained = experiment.get("loss")
    if loss is None and trained not in TRIPLET_LOSSES:
        loss = trained
    if loss is None:
        loss_module = score_kind_loss(checkpoint, train, options.get("seed", 0))
    else:
        margin = experiment.get("margin") if loss == trained else None  # a margin belongs to its own loss
        loss_module = build_loss(ExperimentConfig(loss=loss, margin=margin))
    diagnosis = diagnose(
        checkpoint.model, train, loss=loss_module, optimizer=optimizer_factory(optimizer, lr), test_data=test, **options
    )
    diagnosis.findings.extend(stored_transfer_findings(meta))
    return diagnosis


def stored_transfer_findings(meta: dict[str, Any]) -> list[Finding]:
    """A ``transfer.below_baseline`` warning per part where the training run's stored metrics
    (``meta["metrics"]["lift_over_best_baseline"]``, written by ``siamkit train``) show the model not above
    the best untrained baseline; nothing for checkpoints without them."""
    from siamkit.evaluation.baselines import BASELINE_TITLES, is_below_baseline, transfer_fix

    metrics = meta.get("metrics") or {}
    lifts = metrics.get("lift_over_best_baseline") or {}
    fix = transfer_fix(meta.get("input_kind"))
    findings = []
    for part, lift in lifts.items():
        if not is_below_baseline(lift):
            continue
        best = BASELINE_TITLES.get(lift["best_baseline"], lift["best_baseline"])
        findings.append(Finding(
            "transfer.below_baseline", "warning",
            f"on {part.replace('_', ' ')} the trained model does not beat the untrained baseline {best}",
            {"part": part, "lift": round(lift["lift"], 4), "best_baseline": lift["best_baseline"],
             "baseline_roc_auc": round(lift["baseline_roc_auc"], 4)},
            fix,
        ))
    return findings


def score_kind_loss(checkpoint: Checkpoint, train: LabeledData, seed: int) -> torch.nn.Module:
    """The pair loss a model's score kind needs, for a model trained without one (the triplet loss).

    Distance models get a contrastive loss whose margin is their median distance over
    ``MARGIN_PAIRS`` training pairs: a triplet-trained embedding has no contrastive margin, and a fixed
    one far below its distances (pooled features lie ~8 apart) leaves every dissimilar pair unpushed,
    so the probes would blame the model for the loss's scale.
    """
    from siamkit.data.pairs import PairDataset
    from siamkit.evaluation.inference import pair_scores
    from siamkit.experiments.build import build_loss
    from siamkit.experiments.config import ExperimentConfig

    name = LOSS_OF_SCORE[checkpoint.score_kind]
    if checkpoint.score_kind != "distance":
        return build_loss(ExperimentConfig(loss=name))
    scores, _ = pair_scores(checkpoint.model, PairDataset(train, MARGIN_PAIRS, seed=seed))
    return build_loss(ExperimentConfig(loss=name, margin=max(float(scores.median()), MIN_MARGIN)))
