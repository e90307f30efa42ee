"""Synthetic tasks that reproduce classic Siamese traps, generated on the fly and seeded.

- :func:`colors`: every image is entirely black or entirely white; two pairs are "same" when the
  colours match. Trivial for a head that compares the two embeddings (``abs``, ``prod``) and
  impossible for ``concat`` followed by one linear layer, which can only add a score of ``x1`` to a
  score of ``x2`` and so cannot compute XNOR.
- :func:`shapes`: small grayscale images of one shape (circle, square, triangle, cross) at a random
  position and size, with pixel noise; the classic ``1 × 40 × 50`` input of
  :class:`~siamkit.nn.encoders.SmallCNN`.

Both return :class:`~siamkit.data.LabeledData` with images ``[N, C, H, W]`` in [0, 1].
"""

from __future__ import annotations

import torch

from siamkit.core.errors import ConfigError
from siamkit.data.labeled import LabeledData

SHAPES = ("circle", "square", "triangle", "cross")


def colors(num_items: int = 200, size: tuple[int, int] = (128, 128), seed: int = 0) -> LabeledData:
    """``num_items`` RGB images ``[N, 3, H, W]``, each all 0 (black, class 0) or all 1 (white, class 1).

    Classes alternate, so both have ``num_items // 2`` items (± 1); ``seed`` shuffles the order.
    """
    if num_items < 4:
        raise ConfigError(f"colors needs at least 4 items (two of each colour), got {num_items}")
    generator = torch.Generator().manual_seed(seed)
    y = (torch.arange(num_items) % 2)[torch.randperm(num_items, generator=generator)]
    x = y.float().view(-1, 1, 1, 1).expand(num_items, 3, *size).contiguous()
    return LabeledData(x, y, ["black", "white"], name="colors")


def shapes(
    num_per_class: int = 250,
    size: tuple[int, int] = (40, 50),
    noise: float = 0.1,
    seed: int = 0,
) -> LabeledData:
    """Grayscale shape images ``[N, 1, H, W]`` with ``N = 4 · num_per_class``; classes = :data:`SHAPES`.

    Each image holds one bright shape (intensity 0.6–1.0) of half-size ``r`` between ``0.15·min(H, W)``
    and ``0.3·min(H, W)`` pixels, centred anywhere it fits, on a dark background, plus Gaussian pixel
    noise of standard deviation ``noise``; values are clamped to [0, 1].
    """
    height, width = size
    if min(size) < 12 or num_per_class < 2:
        raise ConfigError(
            f"shapes needs images of at least 12×12 and 2 items per class, got {list(size)} and {num_per_class}"
        )
    generator = torch.Generator().manual_seed(seed)
    n = num_per_class * len(SHAPES)
    y = torch.arange(n) % len(SHAPES)
    y = y[torch.randperm(n, generator=generator)]

    def uniform(low: torch.Tensor | float, high: torch.Tensor | float) -> torch.Tensor:
        return low + (high - low) * torch.rand(n, generator=generator)

    r = uniform(0.15 * min(size), 0.3 * min(size))
    cy = uniform(r, height - 1 - r).view(n, 1, 1)
    cx = uniform(r, width - 1 - r).view(n, 1, 1)
    r = r.view(n, 1, 1)
    rows = torch.arange(height, dtype=torch.float32).view(1, height, 1)
    cols = torch.arange(width, dtype=torch.float32).view(1, 1, width)
    dy, dx = rows - cy, cols - cx
    depth = (dy + r) / (2 * r)  # 0 at a triangle's apex, 1 at its base
    masks = torch.stack(
        [
            dy**2 + dx**2 <= r**2,
            torch.maximum(dy.abs(), dx.abs()) <= 0.8 * r,
            (depth >= 0) & (depth <= 1) & (dx.abs() <= depth * r),
            ((dx.abs() <= r / 3) & (dy.abs() <= r)) | ((dy.abs() <= r / 3) & (dx.abs() <= r)),
        ]
    )  # [shape, N, H, W]
    mask = masks[y, torch.arange(n)].float()
    intensity = uniform(0.6, 1.0).view(n, 1, 1)
    x = mask * intensity + noise * torch.randn(n, height, width, generator=generator)
    return LabeledData(x.clamp_(0, 1).unsqueeze(1), y, list(SHAPES), name="shapes")
