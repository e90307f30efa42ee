"""The self-supervised term of two-view training: SimCLR's NT-Xent between two augmented views of each item.

:class:`TwoViewNTXentLoss` is pytorch-metric-learning's ``NTXentLoss`` with each item's two views as the only
positive pair (``labels`` = item ids), computed in ``O(B²)`` memory from the ``[2B, 2B]`` similarity matrix; the
library's version builds a ``[positive pairs × negative pairs]`` matrix (``O(B³)``: 127 M values for 252 items),
which made it the slowest step of training. ``tests/test_view_loss.py`` checks the two agree.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from siamkit.core.errors import LabelError
from siamkit.losses.batch import check_temperature

__all__ = ["TwoViewNTXentLoss"]


class TwoViewNTXentLoss(nn.Module):
    """NT-Xent (Chen et al., "SimCLR", 2020) on ``z`` ``[2B, D]``: rows ``0..B-1`` are the first views of ``B``
    items, rows ``B..2B-1`` their second views in the same order. With ``s_ij = cos(z_i, z_j) / τ`` and ``j(i)``
    the other view of ``i``'s item, the mean over all ``2B`` rows of::

        L_i = −log( exp(s_i,j(i)) / Σ_{k ≠ i} exp(s_ik) )

    Every other item's views are negatives. Default ``temperature`` τ ``=0.2``.
    """

    def __init__(self, temperature: float = 0.2) -> None:
        super().__init__()
        check_temperature(temperature)
        self.temperature = float(temperature)

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        if z.ndim != 2 or z.shape[0] < 4 or z.shape[0] % 2:
            raise LabelError(
                f"two-view NT-Xent takes [2B, D] embeddings (B ≥ 2 items, first views then second views), got shape "
                f"{tuple(z.shape)}"
            )
        n = z.shape[0] // 2
        z = F.normalize(z.to(torch.promote_types(z.dtype, torch.float32)), dim=1)
        logits = (z @ z.T / self.temperature).fill_diagonal_(float("-inf"))  # an item's view is not its own negative
        other_view = torch.arange(2 * n, device=z.device).roll(n)
        return F.cross_entropy(logits, other_view)
