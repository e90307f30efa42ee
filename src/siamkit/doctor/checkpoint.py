"""``siamkit doctor CKPT``: diagnose a trained checkpoint on its dataset, with its training split rebuilt."""

from __future__ import annotations

from typing import Any

import torch

from siamkit.checkpoint import Checkpoint
from siamkit.config import TrainConfig
from siamkit.doctor.diagnose import diagnose
from siamkit.doctor.findings import Diagnosis
from siamkit.errors import DataError

LOSS_OF_SCORE = {"distance": "contrastive", "similarity": "bce"}


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
    items and the validation + test items are checked for leaks. ``loss`` (``contrastive`` or ``bce``)
    defaults to the one it was trained with, else to the one its score kind needs. ``options`` go
    to :func:`~siamkit.doctor.diagnose` (``num_pairs``, ``steps``, ``seed``, ``checks``).
    """
    from siamkit.data import load_dataset
    from siamkit.workflow import ExperimentConfig, build_loss, split_data

    meta = checkpoint.meta
    data = load_dataset(dataset)
    expected = checkpoint.input_shape
    if expected is not None and tuple(data.input_shape) != expected:
        raise DataError(f"{dataset} items have shape {list(data.input_shape)} but the model expects {list(expected)}")
    experiment = meta.get("experiment", {})
    loss_name = loss or experiment.get("loss") or LOSS_OF_SCORE[checkpoint.score_kind]
    loss_module = build_loss(ExperimentConfig(loss=loss_name, margin=experiment.get("margin", 1.0)))
    train, test = data, None
    split = meta.get("split")
    if split and dataset == meta.get("dataset"):
        splits = split_data(data, split.get("held_out"), tuple(split["fractions"]), split.get("seed", 0))
        train, test = splits.train, torch.cat([splits.val.x, splits.test.x])
    return diagnose(
        checkpoint.model, train, loss=loss_module, optimizer=optimizer_factory(optimizer, lr), test_data=test, **options
    )
