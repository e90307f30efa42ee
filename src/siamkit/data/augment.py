"""Training-time augmentation of image batches ``[B, C, H, W]``: vectorized (no loop over items) and seeded.

Each item gets its own random draw; the two sides of a pair are augmented independently, so a
positive pair shows the model two views that differ a little more than the raw images do.

- ``shift``: translate by a whole number of pixels, up to ``max_shift`` × the side (rounded down, at
  least 1) in each direction, filling the uncovered border with the nearest edge pixel (a blank background stays blank).
- ``flip``: mirror left–right with probability 1/2 (only for data where a mirrored item is the same
  thing: clothes, shoes, faces; not digits or text).
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
import torch.nn.functional as F

from siamkit.core.errors import ConfigError, DataError

AUGMENTATIONS = ("shift", "flip")


def parse_augmentations(spec: str | Sequence[str] | None) -> tuple[str, ...]:
    """``"shift,flip"`` or ``["shift", "flip"]`` → ``("shift", "flip")``; ``None``/``""``/``"none"`` → ``()``."""
    if spec is None:
        return ()
    names = [s.strip() for s in (spec.split(",") if isinstance(spec, str) else spec)]
    names = [n for n in names if n and n != "none"]
    unknown = [n for n in names if n not in AUGMENTATIONS]
    if unknown:
        raise ConfigError(
            f"unknown augmentation {', '.join(repr(n) for n in unknown)}; choose from: {', '.join(AUGMENTATIONS)} "
            "(comma-separated, e.g. shift,flip)"
        )
    return tuple(dict.fromkeys(names))


class BatchAugment:
    """Random shifts and/or left–right flips of a float image batch ``[B, C, H, W]``.

    Args:
        names: a subset of :data:`AUGMENTATIONS`, e.g. ``("shift", "flip")``.
        max_shift: largest shift as a fraction of each side, rounded down to whole pixels but at least one
            (0.1: up to 2 pixels on 28×28 images, 1 pixel on 8×8 ones); 0 turns shifting off.

    Example:
        >>> augment = BatchAugment(("shift", "flip"))
        >>> x = torch.rand(8, 1, 28, 28)
        >>> augment(x, torch.Generator().manual_seed(0)).shape
        torch.Size([8, 1, 28, 28])
    """

    def __init__(self, names: Sequence[str], max_shift: float = 0.1) -> None:
        self.names = parse_augmentations(names)
        if not 0 <= max_shift < 0.5:
            raise ConfigError(f"max_shift is a fraction of the image side in [0, 0.5), got {max_shift}")
        self.max_shift = max_shift

    def __call__(self, x: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
        """An augmented copy of ``x`` ``[B, C, H, W]`` (float); ``generator`` seeds every draw."""
        if x.ndim != 4 or not x.dtype.is_floating_point:
            raise DataError(
                f"augmentation works on float image batches [B, C, H, W], got {x.dtype} {list(x.shape)}; "
                "train without --augment for this data"
            )
        if "shift" in self.names:
            x = self._shift(x, generator)
        if "flip" in self.names:
            flip = torch.rand(len(x), generator=generator, device=generator.device) < 0.5
            x = torch.where(flip[:, None, None, None].to(x.device), x.flip(-1), x)
        return x

    def _shift(self, x: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
        b, _, h, w = x.shape
        if self.max_shift == 0:
            return x
        sy, sx = max(1, int(self.max_shift * h)), max(1, int(self.max_shift * w))
        padded = F.pad(x, (sx, sx, sy, sy), mode="replicate")
        dy = torch.randint(0, 2 * sy + 1, (b,), generator=generator, device=generator.device).to(x.device)
        dx = torch.randint(0, 2 * sx + 1, (b,), generator=generator, device=generator.device).to(x.device)
        rows = (dy[:, None] + torch.arange(h, device=x.device))[:, None, :, None]  # [B, 1, H, 1]
        cols = (dx[:, None] + torch.arange(w, device=x.device))[:, None, None, :]  # [B, 1, 1, W]
        batch = torch.arange(b, device=x.device)[:, None, None, None]
        channel = torch.arange(x.shape[1], device=x.device)[None, :, None, None]
        return padded[batch, channel, rows, cols]
