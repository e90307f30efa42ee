"""SiamFC's logistic loss over the score map, with positives within a radius of the centre."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from siamkit.core.conventions import check_pair_labels
from siamkit.core.errors import ConfigError


def score_labels(size: tuple[int, int], radius: float, total_stride: int) -> torch.Tensor:
    """Labels ``[H, W]`` of a score map whose target sits at the centre: 1 where a cell's distance to
    the centre, in search-image pixels (cells × ``total_stride``), is ≤ ``radius``; 0 elsewhere.

    Example:
        >>> score_labels((5, 5), radius=8, total_stride=8).sum()
        tensor(5.)
    """
    if radius < 0 or total_stride < 1:
        raise ConfigError(f"radius must be ≥ 0 and total_stride ≥ 1, got {radius} and {total_stride}")
    ys = torch.arange(size[0], dtype=torch.float32) - (size[0] - 1) / 2
    xs = torch.arange(size[1], dtype=torch.float32) - (size[1] - 1) / 2
    distance = torch.sqrt(ys[:, None] ** 2 + xs[None, :] ** 2) * total_stride
    return (distance <= radius).float()


class SiamFCLoss(nn.Module):
    """Balanced logistic (binary cross-entropy) loss over score logits ``[B, 1, H, W]``.

    For a pair of the same target (label 1, the siamkit convention) the target sits at the centre of
    the search image: cells within ``radius`` pixels are positives, the rest negatives. For a pair of
    different targets (label 0) every cell is negative. Positives and negatives each carry half the
    weight of a map (as in SiamFC), so the few positives are not drowned by the many negatives; the
    loss is the weighted sum per map, averaged over maps.

    Args:
        radius: positive radius in search-image pixels (SiamFC: 16).
        total_stride: the encoder's stride, pixels per score cell.

    Example:
        >>> loss = SiamFCLoss(radius=16, total_stride=8)
        >>> float(loss(torch.zeros(2, 1, 17, 17), torch.ones(2))) == float(torch.log(torch.tensor(2.0)))
        True
    """

    expects = "similarity"

    def __init__(self, radius: float = 16.0, total_stride: int = 8) -> None:
        super().__init__()
        self.radius = float(radius)
        self.total_stride = int(total_stride)
        score_labels((1, 1), self.radius, self.total_stride)  # validates the arguments

    def forward(self, scores: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        """Mean weighted loss over ``scores`` ``[B, 1, H, W]`` given pair labels ``y`` ``[B]``."""
        check_pair_labels(y)
        centre = score_labels(scores.shape[-2:], self.radius, self.total_stride).to(scores.device)
        labels = centre * y.to(scores.dtype).view(-1, 1, 1, 1)
        positives = labels.sum(dim=(-2, -1), keepdim=True)
        negatives = labels[0, 0].numel() - positives
        negative_share = torch.where(positives > 0, 0.5, 1.0)  # a map without positives is all negatives
        weights = torch.where(labels > 0, 0.5 / positives.clamp_min(1), negative_share / negatives.clamp_min(1))
        total = F.binary_cross_entropy_with_logits(scores, labels.expand_as(scores), weights, reduction="sum")
        return total / len(scores)
