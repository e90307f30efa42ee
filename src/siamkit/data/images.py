"""Image files → float tensors ``[C, H, W]`` in [0, 1], with errors that name the file."""

from __future__ import annotations

import io
from pathlib import Path

import torch

from siamkit.core.errors import DataError
from siamkit.core.fileio import atomic_path

IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".bmp", ".gif", ".webp", ".tif", ".tiff")
_MODES = {1: "L", 3: "RGB"}


def image_name(source: str | Path | bytes) -> str:
    """How error messages name an image: its path, or ``uploaded image`` for raw bytes."""
    return "uploaded image" if isinstance(source, (bytes, bytearray)) else f"image {source}"


def load_image(
    path: str | Path | bytes, channels: int = 1, size: tuple[int, int] | None = None
) -> torch.Tensor:
    """Read one image as a float tensor ``[channels, H, W]`` with values in [0, 1].

    Args:
        path: a PNG, JPEG or other Pillow-readable file, or the encoded file's bytes (an upload).
        channels: 1 (grayscale) or 3 (RGB); the image is converted to that mode.
        size: ``(H, W)`` to resize to (bilinear); ``None`` keeps the file's size.
    """
    return decode_image(path, channels, size).float().div_(255.0)


def decode_image(
    path: str | Path | bytes, channels: int = 1, size: tuple[int, int] | None = None
) -> torch.Tensor:
    """Read one image as ``uint8`` ``[channels, H, W]`` (0–255), as :func:`load_image` reads it before scaling.

    Errors are :class:`DataError` naming the file: missing, empty, not an image, truncated or too large.
    """
    import numpy as np
    from PIL import Image, UnidentifiedImageError

    if channels not in _MODES:
        raise DataError(f"channels must be 1 or 3, got {channels}")
    if isinstance(path, (bytes, bytearray)):
        if not path:
            raise DataError("the uploaded image is empty (0 bytes); give a PNG or JPEG file")
        source = io.BytesIO(path)
    else:
        source = path = Path(path)
        if not path.is_file():
            raise DataError(f"image file not found: {path}")
    try:
        with Image.open(source) as image:
            image = image.convert(_MODES[channels])
            if size is not None and image.size != (size[1], size[0]):
                image = image.resize((size[1], size[0]), Image.BILINEAR)
            array = np.asarray(image, dtype=np.uint8).reshape(image.size[1], image.size[0], channels)
    except (UnidentifiedImageError, Image.DecompressionBombError, OSError, SyntaxError, ValueError) as exc:
        raise DataError(f"cannot read {image_name(path)}: {exc}; give a PNG or JPEG file") from None
    return torch.from_numpy(array.transpose(2, 0, 1).copy())


def probe_image(path: Path) -> tuple[str, tuple[int, int]]:
    """The Pillow mode (e.g. ``"L"``, ``"RGB"``) and ``(H, W)`` of an image file, from its header only (no decode).

    Raises :class:`DataError` naming the file when it is missing or not an image.
    """
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(path) as image:
            return image.mode, (image.size[1], image.size[0])
    except (UnidentifiedImageError, Image.DecompressionBombError, OSError, SyntaxError, ValueError) as exc:
        raise DataError(f"cannot read {image_name(path)}: {exc}; give a PNG or JPEG file") from None


def is_colour_mode(mode: str) -> bool:
    """Whether a Pillow mode holds colour (``RGB``, ``P``, ``CMYK``…), not only gray levels (``1``, ``L``, ``I``…)."""
    return mode not in ("1", "L", "LA", "I", "I;16", "F")


def save_image(image: torch.Tensor, path: str | Path) -> None:
    """Write ``[1, H, W]`` or ``[3, H, W]`` values in [0, 1] as a PNG (temp file, then rename)."""
    from PIL import Image

    array = (image.clamp(0, 1) * 255).round().byte().permute(1, 2, 0).numpy()
    pil = Image.fromarray(array[..., 0] if array.shape[2] == 1 else array)
    with atomic_path(path) as tmp:
        pil.save(tmp, format="PNG")
