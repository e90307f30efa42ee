"""Cross-correlation of exemplar features over search features, batched with one grouped convolution."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from siamkit.core.errors import DataError


def xcorr(exemplar: torch.Tensor, search: torch.Tensor) -> torch.Tensor:
    """Slide each exemplar feature map over its search feature maps; one score per position.

    Args:
        exemplar: ``[B, C, h, w]``, used as the convolution kernel.
        search: ``[B·k, C, H, W]``, ``k ≥ 1`` search maps per exemplar, exemplar-major (rows
            ``i·k … i·k + k − 1`` belong to exemplar ``i``; e.g. one target at ``k`` scales).

    Returns:
        Scores ``[B·k, 1, H − h + 1, W − w + 1]``: ``sum over c, u, v of exemplar[c, u, v] ·
        search[c, y + u, x + v]`` (a "valid" correlation, no padding), all in one ``conv2d`` call
        with ``groups = B``.
    """
    b, c, h, w = exemplar.shape
    n, c2, height, width = search.shape
    if c2 != c or n % b or height < h or width < w:
        raise DataError(
            f"cannot correlate exemplar {tuple(exemplar.shape)} over search {tuple(search.shape)}: "
            "channels must match, the search batch must be a multiple of the exemplar batch, "
            "and the search map must be at least as large as the exemplar"
        )
    k = n // b
    grouped = search.view(b, k, c, height, width).transpose(0, 1).reshape(k, b * c, height, width)
    scores = F.conv2d(grouped, exemplar, groups=b)  # [k, B, H', W']
    return scores.transpose(0, 1).reshape(n, 1, scores.shape[-2], scores.shape[-1])


class CrossCorrelation(nn.Module):
    """:func:`xcorr` followed by a learned affine map ``scale · score + bias`` (logits of "target here").

    ``scale`` starts small (SiamFC's 1e-3) so initial logits are near 0 whatever the feature size.
    """

    def __init__(self, scale: float = 1e-3) -> None:
        super().__init__()
        self.scale = nn.Parameter(torch.tensor(float(scale)))
        self.bias = nn.Parameter(torch.zeros(()))

    def forward(self, exemplar: torch.Tensor, search: torch.Tensor) -> torch.Tensor:
        return xcorr(exemplar, search) * self.scale + self.bias
