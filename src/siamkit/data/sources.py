"""Dataset sources: named bundled sets and user data on disk, each as :class:`LabeledData`.

Images come out as float ``[N, C, H, W]`` in [0, 1]; class ids ``[N]`` index ``class_names``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Callable

import torch

from siamkit.core.errors import DataError
from siamkit.data.fashion import fashion_mnist
from siamkit.data.images import IMAGE_SUFFIXES, load_image
from siamkit.data.labeled import LabeledData
from siamkit.data.mnist_sample import mnist
from siamkit.data.synthetic import colors, shapes


def digits() -> LabeledData:
    """scikit-learn's bundled handwritten digits: 1,797 real 8×8 grayscale images, classes 0–9.

    Returns ``x`` ``[1797, 1, 8, 8]`` (pixel values 0–16 scaled to [0, 1]) and ``y`` ``[1797]``.
    """
    from sklearn.datasets import load_digits

    bunch = load_digits()
    x = torch.from_numpy(bunch.images).float().div_(16.0).unsqueeze(1)
    y = torch.from_numpy(bunch.target).long()
    return LabeledData(x, y, [str(d) for d in range(10)], name="digits")


def image_folder(
    root: str | Path, channels: int | None = None, size: tuple[int, int] | None = None
) -> LabeledData:
    """Images laid out as ``root/<class name>/<image file>``; classes are sorted folder names.

    Args:
        root: the folder holding one sub-folder per class.
        channels: 1 or 3; ``None`` picks 3 if any image is in colour, else 1.
        size: ``(H, W)`` to resize every image to; ``None`` requires all images to share one size.
    """
    from PIL import Image

    root = Path(root)
    if not root.is_dir():
        raise DataError(f"image folder not found: {root}")
    class_dirs = sorted(p for p in root.iterdir() if p.is_dir())
    files = [
        (f, k)
        for k, d in enumerate(class_dirs)
        for f in sorted(d.iterdir())
        if f.suffix.lower() in IMAGE_SUFFIXES
    ]
    if not files:
        raise DataError(
            f"no images found under {root}; expected root/<class>/<image> with files ending in "
            f"{', '.join(IMAGE_SUFFIXES)}"
        )
    if channels is None:
        channels = 1
        for path, _ in files:
            try:
                with Image.open(path) as image:
                    if image.mode not in ("1", "L", "LA", "I", "I;16", "F"):
                        channels = 3
                        break
            except OSError:
                continue  # load_image below reports the unreadable file by name
    images = [load_image(path, channels, size) for path, _ in files]
    shapes = sorted({tuple(im.shape[1:]) for im in images})
    if len(shapes) > 1:
        raise DataError(
            f"images under {root} have different sizes {shapes[:4]}; pass an image size "
            "(e.g. --image-size 64x64) to resize them"
        )
    labels = torch.tensor([k for _, k in files])
    return LabeledData(torch.stack(images), labels, [d.name for d in class_dirs], name=str(root))


DATASETS: dict[str, Callable[[], LabeledData]] = {"digits": digits, "fashion-mnist": fashion_mnist}
DATASETS.update(colors=colors, shapes=shapes)
DATASETS.update(mnist=mnist)


def load_dataset(name_or_path: str, size: tuple[int, int] | None = None) -> LabeledData:
    """A bundled dataset by name (see ``DATASETS``) or an image folder by path."""
    if name_or_path in DATASETS:
        return DATASETS[name_or_path]()
    path = Path(name_or_path)
    if path.is_dir():
        return image_folder(path, size=size)
    raise DataError(
        f"unknown dataset '{name_or_path}'; choose one of: {', '.join(sorted(DATASETS))}, "
        "or give a folder laid out as root/<class>/<image>"
    )
