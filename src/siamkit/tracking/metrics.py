"""Tracking metrics as OTB-style benchmarks report them.

Boxes are ``[T, 4]`` (x, y, w, h, pixels). The first frame, whose box the tracker is given, is left
out by :func:`evaluate_boxes`.
"""

from __future__ import annotations

import torch

THRESHOLDS = torch.linspace(0, 1, 21)  # IoU thresholds of the success plot


def iou(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """Intersection over union ``[T]`` of boxes ``a`` and ``b`` ``[T, 4]`` (0 when they do not overlap)."""
    x0 = torch.maximum(a[:, 0], b[:, 0])
    y0 = torch.maximum(a[:, 1], b[:, 1])
    x1 = torch.minimum(a[:, 0] + a[:, 2], b[:, 0] + b[:, 2])
    y1 = torch.minimum(a[:, 1] + a[:, 3], b[:, 1] + b[:, 3])
    inter = (x1 - x0).clamp_min(0) * (y1 - y0).clamp_min(0)
    union = a[:, 2] * a[:, 3] + b[:, 2] * b[:, 3] - inter
    return inter / union.clamp_min(1e-12)


def center_error(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """Distance ``[T]`` in pixels between the centres of boxes ``a`` and ``b`` ``[T, 4]``."""
    return torch.linalg.vector_norm((a[:, :2] + a[:, 2:] / 2) - (b[:, :2] + b[:, 2:] / 2), dim=1)


def success_curve(overlaps: torch.Tensor, thresholds: torch.Tensor = THRESHOLDS) -> torch.Tensor:
    """Fraction of frames ``[len(thresholds)]`` whose IoU exceeds each threshold."""
    return (overlaps[None, :] > thresholds[:, None]).float().mean(1)


def success_auc(overlaps: torch.Tensor) -> float:
    """Area under the success curve: its mean over the 21 thresholds 0, 0.05, …, 1 (OTB's AUC)."""
    return float(success_curve(overlaps).mean())


def precision_at(errors: torch.Tensor, pixels: float = 20.0) -> float:
    """Fraction of frames whose centre error is at most ``pixels``."""
    return float((errors <= pixels).float().mean())


def evaluate_boxes(predicted: list[torch.Tensor], truth: list[torch.Tensor]) -> dict[str, float | list[float]]:
    """Success AUC, precision at 20 px, mean IoU and the success curve over all frames of all
    sequences pooled (each ``[T_i, 4]``), leaving out every sequence's first frame."""
    overlaps = torch.cat([iou(p[1:], t[1:]) for p, t in zip(predicted, truth)])
    errors = torch.cat([center_error(p[1:], t[1:]) for p, t in zip(predicted, truth)])
    return {
        "success_auc": success_auc(overlaps),
        "precision_20px": precision_at(errors, 20.0),
        "mean_iou": float(overlaps.mean()),
        "frames": len(overlaps),
        "success_curve": success_curve(overlaps).tolist(),
    }
