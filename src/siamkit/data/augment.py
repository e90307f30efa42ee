"""Training-time augmentation of image batches ``[B, C, H, W]``: vectorized (no loop over items) and seeded.

Each item gets its own random draw; the two sides of a pair are augmented independently, so a
positive pair shows the model two views that differ a little more than the raw images do.

- ``shift``: translate by a whole number of pixels, up to ``max_shift`` × the side (rounded down, at
  least 1) in each direction, filling the uncovered border with the nearest edge pixel (a blank background stays blank).
- ``flip``: mirror left–right with probability 1/2 (only for data where a mirrored item is the same
  thing: clothes, shoes, faces; not digits or text).
- ``crop``: a random resized crop (70–100 % of the area, aspect 3:4 to 4:3) scaled back to ``[H, W]``.
- ``rotate``: rotate by up to ±15°, the uncovered corners filled with the nearest edge pixel.
- ``jitter``: brightness and contrast changed by up to 30 % (and saturation, hue for 3-channel images).

Presets name a set: ``light`` = shift; ``strong`` = shift, crop, rotate, jitter. Neither flips (add ``flip``
where a mirrored item is the same thing, e.g. ``--augment strong,flip``).

:func:`rotated_classes` is not an augmentation (it changes labels): each item turned by a multiple of 90° becomes
an item of a new class, for losses on class-labelled batches.

``shift`` is written here (whole pixels, vectorized: kornia's affine resamples, which blurs 8×8 digits); the
others are kornia's (``kornia.augmentation``), each drawn per item from a generator-seeded draw.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
import torch.nn.functional as F

from siamkit.core.errors import ConfigError, DataError

AUGMENTATIONS = ("shift", "flip", "crop", "rotate", "jitter")
PRESETS = {"light": ("shift",), "strong": ("shift", "crop", "rotate", "jitter")}


def parse_augmentations(spec: str | Sequence[str] | None) -> tuple[str, ...]:
    """``"shift,flip"`` or ``["shift", "flip"]`` → ``("shift", "flip")``; presets expand (``"strong,flip"`` →
    ``("shift", "crop", "rotate", "jitter", "flip")``); ``None``/``""``/``"none"`` → ``()``."""
    if spec is None:
        return ()
    names = [s.strip() for s in (spec.split(",") if isinstance(spec, str) else spec)]
    names = [m for n in names if n and n != "none" for m in PRESETS.get(n, (n,))]
    unknown = [n for n in names if n not in AUGMENTATIONS]
    if unknown:
        raise ConfigError(
            f"unknown augmentation {', '.join(repr(n) for n in unknown)}; choose from: {', '.join(AUGMENTATIONS)} "
            f"or a preset ({', '.join(PRESETS)}), comma-separated, e.g. shift,flip"
        )
    return tuple(dict.fromkeys(names))


class BatchAugment:
    """Random shifts, flips, crops, rotations and colour jitter of a float image batch ``[B, C, H, W]``.

    Args:
        names: a subset of :data:`AUGMENTATIONS` or presets, e.g. ``("shift", "flip")`` or ``("strong",)``.
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
        library = [name for name in self.names if name != "shift"]
        if library:
            seed = int(torch.randint(2**62, (1,), generator=generator, device=generator.device))
            with torch.random.fork_rng(devices=[x.device] if x.device.type != "cpu" else []):
                torch.manual_seed(seed)  # kornia draws from torch's global generator: forked, so seeded here
                x = kornia_pipeline(library, x.shape[1], tuple(x.shape[-2:]))(x)
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


def kornia_pipeline(names: Sequence[str], channels: int, size: tuple[int, int]):
    """The kornia augmentations for ``names`` (from :data:`AUGMENTATIONS`, without ``shift``) on ``[B, channels,
    *size]`` batches, applied in the order of :data:`AUGMENTATIONS`, each item drawn on its own."""
    import kornia.augmentation as K

    colour = {"saturation": 0.3, "hue": 0.05} if channels == 3 else {}
    build = {
        "flip": lambda: K.RandomHorizontalFlip(p=0.5),
        "crop": lambda: K.RandomResizedCrop(size, scale=(0.7, 1.0), p=1.0),
        "rotate": lambda: K.RandomAffine(degrees=15.0, padding_mode="border", p=1.0),
        "jitter": lambda: K.ColorJitter(brightness=0.3, contrast=0.3, **colour, p=1.0),
    }
    return K.AugmentationSequential(*(build[name]() for name in AUGMENTATIONS if name in names))


ROTATION_CLASSES = (1, 2, 4)


def rotated_classes(
    x: torch.Tensor, y: torch.Tensor, rotations: int, generator: torch.Generator
) -> tuple[torch.Tensor, torch.Tensor]:
    """Turn each item by ``k × 360° / rotations`` (``k`` in ``[0, rotations)`` drawn per item) and give it class
    ``y × rotations + k``: an upside-down shirt is then a class of its own, so ``rotations`` times as many training
    classes (Omniglot's class augmentation, Vinyals et al. 2016). Turns are exact (``torch.rot90``, no resampling).

    Args:
        x: images ``[B, C, H, W]``; with ``rotations=4`` they must be square (``H == W``).
        y: class ids ``[B]``.
        rotations: 1 (unchanged), 2 (0° or 180°) or 4 (0°, 90°, 180°, 270°).
        generator: seeds the draw of ``k``.

    Returns: ``(turned images [B, C, H, W], class ids [B])``.
    """
    if rotations not in ROTATION_CLASSES:
        raise ConfigError(f"rotation classes are 1, 2 or 4 turns per class, got {rotations}")
    if rotations == 1:
        return x, y
    if x.ndim != 4:
        raise DataError(
            f"rotation classes turn image batches [B, C, H, W], got items of shape {list(x.shape)}; train without "
            "--rotation-classes for this data"
        )
    if rotations == 4 and x.shape[-1] != x.shape[-2]:
        raise DataError(
            f"4 rotation classes turn images [B, C, H, W] by 90°, which needs square images, got {list(x.shape)}; "
            "use 2 (0° and 180°) or resize the images to a square"
        )
    k = torch.randint(0, rotations, (len(y),), generator=generator, device=generator.device).to(x.device)
    turned = x.clone()
    for turn in range(1, rotations):
        chosen = k == turn
        turned[chosen] = torch.rot90(x[chosen], turn * 4 // rotations, dims=(-2, -1))
    return turned, y * rotations + k.to(y.device)
