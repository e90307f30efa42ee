"""Tracking plots as PNG files (matplotlib Agg, atomic writes): success plot and a frame strip."""

from __future__ import annotations

from pathlib import Path
from typing import Mapping

import torch

from siamkit.reporting.plots import new_figure, save_figure
from siamkit.tracking.metrics import THRESHOLDS


def plot_success(curves: Mapping[str, tuple[list[float], float]], path: str | Path) -> Path:
    """Success plots: for each named tracker ``(success curve over THRESHOLDS, AUC)``, AUC in the legend."""
    fig, ax = new_figure()
    for name, (curve, auc) in sorted(curves.items(), key=lambda item: -item[1][1]):
        ax.plot(THRESHOLDS.tolist(), curve, label=f"{name} (AUC {auc:.3f})")
    ax.set_xlabel("IoU threshold")
    ax.set_ylabel("success rate (fraction of frames with IoU > threshold)")
    ax.set_title("Success plot")
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1.02)
    ax.grid(alpha=0.3)
    ax.legend(loc="lower left")
    return save_figure(fig, path)


def plot_strip(
    frames: torch.Tensor, predicted: torch.Tensor, truth: torch.Tensor | None, path: str | Path, count: int = 6
) -> Path:
    """A row of ``count`` evenly spaced frames ``[T, 3, H, W]`` with predicted boxes (red) and, if
    given, true boxes (green); boxes ``[T, 4]`` x, y, w, h."""
    import matplotlib.pyplot as plt
    from matplotlib.patches import Rectangle

    picks = torch.linspace(0, len(frames) - 1, min(count, len(frames))).round().long().tolist()
    fig, axes = plt.subplots(1, len(picks), figsize=(2.6 * len(picks), 2.4), dpi=100, squeeze=False)
    for ax, t in zip(axes[0], picks):
        ax.imshow(frames[t].permute(1, 2, 0).clamp(0, 1).numpy())
        boxes = [(predicted[t], "red")] + ([(truth[t], "lime")] if truth is not None else [])
        for box, colour in boxes:
            x, y, w, h = box.tolist()
            ax.add_patch(Rectangle((x, y), w, h, fill=False, edgecolor=colour, linewidth=1.5))
        ax.set_title(f"frame {t}", fontsize=9)
        ax.axis("off")
    fig.suptitle("red: tracker" + (", green: ground truth" if truth is not None else ""), fontsize=9)
    return save_figure(fig, path)
