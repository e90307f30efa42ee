"""The files a training run leaves in its output folder: checkpoint, metrics, history, plots, samples.
"""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

import torch
from torch import nn

from siamkit.core.fileio import atomic_path, file_stem, write_json
from siamkit.data import (
    LabeledData,
    as_float,
    save_image,
)
from siamkit.deploy.checkpoint import save_checkpoint


def write_history(history: list[dict[str, float]], path: Path) -> None:
    """``fit``'s per-epoch rows as ``history.csv`` (epoch first), written atomically."""
    keys = sorted({k for row in history for k in row}, key=lambda k: (k != "epoch", k))
    with atomic_path(path) as tmp, tmp.open("w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=keys)
        writer.writeheader()
        writer.writerows(history)


def write_samples(test: LabeledData, folder: Path) -> list[Path]:
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
    from siamkit.reporting.plots import plot_loss

    save_checkpoint(out_dir / "model.ckpt", model, meta)
    write_json(out_dir / "metrics.json", metrics)
    write_history(history, out_dir / "history.csv")
    plot_loss(history, out_dir / "loss.png")
