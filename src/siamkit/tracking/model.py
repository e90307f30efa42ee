"""The SiamFC model: one shared fully-convolutional encoder and a cross-correlation score map."""

from __future__ import annotations

from typing import Any

import torch
from torch import nn

from siamkit.core.registry import Buildable, spec_of
from siamkit.nn.models import MODELS
from siamkit.tracking.encoder import TRACKING_ENCODERS, FCNet
from siamkit.tracking.xcorr import CrossCorrelation


@MODELS.register("siamfc")
class SiamFC(Buildable, nn.Module):
    """Fully-convolutional Siamese tracker network (Bertinetto et al., 2016).

    ``forward(exemplar [B, 3, 127, 127], search [B·k, 3, 255, 255])`` returns score logits
    ``[B·k, 1, 17, 17]`` (for the default encoder); a larger score means "the exemplar is here"
    (``score_kind == "similarity"``). Cell ``(i, j)`` of the map looks at the search-image window whose
    top-left corner is ``(total_stride·i, total_stride·j)``, so the map's centre is the search centre.

    Example:
        >>> net = SiamFC()
        >>> net(torch.zeros(2, 3, 127, 127), torch.zeros(2, 3, 255, 255)).shape
        torch.Size([2, 1, 17, 17])
    """

    score_kind = "similarity"

    def __init__(self, encoder: nn.Module | None = None) -> None:
        super().__init__()
        self.encoder = encoder if encoder is not None else FCNet()
        self.correlation = CrossCorrelation()

    @property
    def spec_args(self) -> dict[str, Any]:
        return {"encoder": spec_of(self.encoder)}

    @classmethod
    def from_spec_args(cls, encoder: dict[str, Any]) -> "SiamFC":
        return cls(TRACKING_ENCODERS.build(encoder))

    @property
    def total_stride(self) -> int:
        return self.encoder.total_stride

    def embed(self, x: torch.Tensor) -> torch.Tensor:
        """Feature maps ``[B, C, h, w]`` of images ``x`` ``[B, 3, H, W]``."""
        return self.encoder(x)

    def score(self, exemplar_features: torch.Tensor, search: torch.Tensor) -> torch.Tensor:
        """Score logits ``[B·k, 1, h', w']`` of search images ``[B·k, 3, H, W]`` against precomputed
        exemplar features ``[B, C, h, w]`` (the tracker embeds its exemplar once)."""
        return self.correlation(exemplar_features, self.encoder(search))

    def forward(self, exemplar: torch.Tensor, search: torch.Tensor) -> torch.Tensor:
        return self.score(self.encoder(exemplar), search)
