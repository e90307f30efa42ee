"""Plots as PNG files (matplotlib, Agg backend), each written atomically."""

from __future__ import annotations

from pathlib import Path
from typing import Mapping, Sequence

import torch

from siamkit.fileio import atomic_path


def _figure():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt.subplots(figsize=(6, 4.5), dpi=100)


def _save(fig, path: str | Path) -> Path:
    import matplotlib.pyplot as plt

    fig.tight_layout()
    with atomic_path(path) as tmp:
        fig.savefig(tmp, format="png")
    plt.close(fig)
    return Path(path)


def plot_loss(history: Sequence[Mapping[str, float]], path: str | Path) -> Path:
    """Training (and validation) loss per epoch, from ``fit``'s history."""
    fig, ax = _figure()
    epochs = [int(row["epoch"]) + 1 for row in history]
    for key, label in (("train_loss", "train"), ("val_loss", "validation")):
        values = [row.get(key) for row in history]
        if any(v is not None for v in values):
            ax.plot(epochs, values, marker="o", label=label)
    ax.set_xlabel("epoch")
    ax.set_ylabel("loss")
    ax.set_title("Loss per epoch")
    ax.grid(alpha=0.3)
    ax.legend()
    return _save(fig, path)


def plot_roc(
    curves: Mapping[str, tuple[torch.Tensor, torch.Tensor]], path: str | Path, log_x: bool = False
) -> Path:
    """ROC curves, one per named ``(similarity, labels)`` pair set, with AUC in the legend."""
    from sklearn.metrics import roc_curve

    from siamkit.evaluation import roc_auc

    fig, ax = _figure()
    for name, (similarity, labels) in curves.items():
        fpr, tpr, _ = roc_curve(labels.numpy(), similarity.double().numpy())
        ax.plot(fpr, tpr, label=f"{name} (AUC {roc_auc(similarity, labels):.4f})")
    if log_x:
        ax.set_xscale("log")
    else:
        ax.plot([0, 1], [0, 1], linestyle="--", color="grey", linewidth=1, label="chance")
    ax.set_xlabel("false accept rate (FPR)")
    ax.set_ylabel("true accept rate (TPR)")
    ax.set_title("ROC of pair verification")
    ax.grid(alpha=0.3)
    ax.legend(loc="lower right")
    return _save(fig, path)
