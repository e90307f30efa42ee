"""Dataset sources: named bundled sets and user data on disk, each as :class:`LabeledData`.

Images come out as float ``[N, C, H, W]`` in [0, 1]; class ids ``[N]`` index ``class_names``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Callable

import torch

from siamkit.core.errors import DataError
from siamkit.data.fashion import fashion_mnist
from siamkit.data.glyphs import glyphs
from siamkit.data.images import is_colour_mode, load_image, probe_image
from siamkit.data.labeled import LabeledData
from siamkit.data.listing import list_folder
from siamkit.data.mnist_sample import mnist
from siamkit.data.streaming import load_into_memory, stream_folder, stream_manifest
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
    """Images laid out as ``root/<class name>/<image file>``, all decoded into memory; classes are sorted
    folder names. For collections larger than memory use :func:`~siamkit.data.streaming.stream_folder`.

    Args:
        root: the folder holding one sub-folder per class.
        channels: 1 or 3; ``None`` picks 3 if any image is in colour, else 1.
        size: ``(H, W)`` to resize every image to; ``None`` requires all images to share one size.
    """
    listing = list_folder(root)
    if channels is None:
        channels = 1
        for path in listing.paths:
            try:
                if is_colour_mode(probe_image(path)[0]):
                    channels = 3
                    break
            except DataError:
                continue  # load_image below reports the unreadable file by name
    images = [load_image(path, channels, size) for path in listing.paths]
    shapes = sorted({tuple(im.shape[1:]) for im in images})
    if len(shapes) > 1:
        raise DataError(
            f"images under {root} have different sizes {shapes[:4]}; pass an image size "
            "(e.g. --image-size 64x64) to resize them"
        )
    return LabeledData(torch.stack(images), listing.labels, listing.class_names, name=listing.name)


DATASETS: dict[str, Callable[[], LabeledData]] = {"digits": digits, "fashion-mnist": fashion_mnist}
DATASETS.update(colors=colors, shapes=shapes)
DATASETS.update(mnist=mnist, glyphs=glyphs)
# bundled sets rendered at the size asked for (``--image-size SxS``) rather than resized afterwards
RENDERED_DATASETS: dict[str, Callable[[int], LabeledData]] = {"glyphs": lambda side: glyphs(size=side)}


def load_dataset(
    name_or_path: str,
    size: tuple[int, int] | None = None,
    stream: bool = False,
    strict_files: bool = False,
    cache: bool = False,
    workers: int | None = None,
) -> LabeledData:
    """A bundled dataset by name (see ``DATASETS``), an image folder ``root/<class>/<image>`` or a CSV
    manifest ``path,label[,split]`` (a ``.csv`` file) by path.

    Folders and manifests are decoded into memory, or with ``stream=True`` streamed from disk
    (:func:`~siamkit.data.streaming.stream_images`: ``strict_files``, ``cache`` and ``workers`` apply there;
    a manifest read into memory is streamed once into a ``uint8`` tensor).
    """
    if name_or_path in RENDERED_DATASETS and size is not None:
        if size[0] != size[1]:
            raise DataError(f"{name_or_path} renders square images; give --image-size {size[0]}x{size[0]}")
        return RENDERED_DATASETS[name_or_path](size[0])
    if name_or_path in DATASETS:
        return DATASETS[name_or_path]()
    path = Path(name_or_path)
    options = dict(strict_files=strict_files, cache=cache, workers=workers)
    if path.is_dir():
        return stream_folder(path, size=size, **options) if stream else image_folder(path, size=size)
    if path.is_file() and path.suffix.lower() == ".csv":
        data = stream_manifest(path, size=size, **options)
        return data if stream else load_into_memory(data, workers)
    raise DataError(
        f"unknown dataset '{name_or_path}'; choose one of: {', '.join(sorted(DATASETS))}, "
        "give a folder laid out as root/<class>/<image>, or a CSV manifest with columns path,label[,split]"
    )


def load_dataset_for(
    name_or_path: str,
    input_shape: list[int] | tuple[int, ...] | None,
    stream: bool = False,
    workers: int | None = None,
) -> LabeledData:
    """:func:`load_dataset` for a model that takes items of ``input_shape`` (``[C, H, W]``, or ``None`` when
    unknown): a set rendered at any size (``glyphs``) is rendered at the model's ``H×W`` and folder or manifest
    images are resized to it; ``stream`` / ``workers`` stream folders and manifests from disk."""
    size = (int(input_shape[1]), int(input_shape[2])) if input_shape is not None and len(input_shape) == 3 else None
    return load_dataset(name_or_path, size=size, stream=stream, workers=workers)
