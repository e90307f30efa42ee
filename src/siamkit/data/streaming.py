"""Image collections streamed from disk: a folder or a CSV manifest as :class:`LabeledData` whose ``x`` is
:class:`~siamkit.data.files.ImageFiles` (decoded per batch in DataLoader workers, never all at once).

Before streaming, every file's header is read (no decoding; about 20 µs a file): files that are missing or
not images are reported by name and left out, or, with ``strict_files``, refused before training starts —
then every file is also decoded once, in ``workers`` processes, so nothing can fail mid-epoch. A file that
passes its header check but cannot be decoded later (a truncated JPEG) is reported and left out of its batch
(see :mod:`siamkit.data.files`). ``cache=True`` keeps decoded ``uint8`` items at the training size in a disk
cache (:mod:`siamkit.data.image_cache`), so later epochs and runs skip decoding and resizing.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import torch

from siamkit.core.errors import DataError
from siamkit.data.batches import item_batches
from siamkit.data.files import ImageFiles, UnreadableImageWarning
from siamkit.data.image_cache import ImageCache, cache_key, default_cache_dir
from siamkit.data.images import is_colour_mode, probe_image
from siamkit.data.labeled import LabeledData
from siamkit.data.listing import Listing, list_folder, list_manifest

SHOWN = 10  # bad files named in one message; the rest are counted


def _problem_text(problems: list[str], strict: bool) -> str:
    more = f" and {len(problems) - SHOWN} more" if len(problems) > SHOWN else ""
    fix = (
        "fix or remove them, or leave out --strict-files to skip them"
        if strict
        else "--strict-files refuses such data instead of skipping"
    )
    return f"{len(problems)} unreadable image files: {'; '.join(problems[:SHOWN])}{more}; {fix}"


def _check_headers(paths: list[Path]) -> tuple[list[int], list[str], set[str], set[tuple[int, int]]]:
    """``(readable indices, problems, modes, sizes)`` from every file's header."""
    good, problems, modes, sizes = [], [], set(), set()
    for i, path in enumerate(paths):
        try:
            mode, size = probe_image(path)
        except DataError as exc:
            problems.append(str(exc))
            continue
        good.append(i)
        modes.add(mode)
        sizes.add(size)
    return good, problems, modes, sizes


def _check_decodes(files: ImageFiles, workers: int | None) -> list[str]:
    """Names of the files that cannot be decoded (each file decoded once, in ``workers`` processes)."""
    failed = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UnreadableImageWarning)
        for start, _, ok in item_batches(files, 256, workers):
            failed += [str(files.paths[start + int(i)]) for i in torch.nonzero(~ok).flatten()]
    return failed


def stream_images(
    listing: Listing,
    channels: int | None = None,
    size: tuple[int, int] | None = None,
    strict_files: bool = False,
    cache: bool | str | Path = False,
    workers: int | None = None,
) -> LabeledData:
    """The files of ``listing`` as streamed :class:`LabeledData` (``x``: :class:`ImageFiles`, ``uint8``).

    Args:
        channels: 1 or 3; ``None`` picks 3 if any file is in colour, else 1.
        size: ``(H, W)`` to resize every image to; ``None`` requires all files to share one size.
        strict_files: refuse the collection (a :class:`DataError` naming the files) if any file is unreadable,
            checking each by decoding it once; otherwise unreadable files are skipped with a warning.
        cache: ``True`` caches decoded items under ``$SIAMKIT_HOME/images``; a path caches them in that folder.
        workers: processes for the ``strict_files`` decoding pass (``None``: one per core but one).
    """
    good, problems, modes, sizes = _check_headers(listing.paths)
    if problems and (strict_files or not good):
        raise DataError(f"{listing.name}: {_problem_text(problems, True)}")
    if problems:
        warnings.warn(f"{listing.name}: {_problem_text(problems, False)}", UnreadableImageWarning, stacklevel=2)
    if channels is None:
        channels = 3 if any(is_colour_mode(m) for m in modes) else 1
    if size is None:
        if len(sizes) > 1:
            raise DataError(
                f"images of {listing.name} have different sizes {sorted(sizes)[:4]}; pass an image size "
                "(e.g. --image-size 64x64) to resize them"
            )
        size = next(iter(sizes))
    paths = [listing.paths[i] for i in good]
    store = None
    if cache:
        folder = default_cache_dir() if cache is True else Path(cache)
        store = ImageCache(folder / f"{cache_key(paths, (channels, *size))}.u8", len(paths), (channels, *size))
    files = ImageFiles(paths, channels, size, store, problems)
    if strict_files:
        failed = _check_decodes(files, workers)
        if failed:
            raise DataError(f"{listing.name}: {_problem_text(failed, True)}")
    kept = torch.tensor(good, dtype=torch.long)
    split = listing.split[kept] if listing.split is not None else None
    return LabeledData(files, listing.labels[kept], listing.class_names, listing.name, split)


def load_into_memory(data: LabeledData, workers: int | None = None) -> LabeledData:
    """Streamed ``data`` decoded once into an in-memory ``uint8`` tensor ``[N, C, H, W]`` (in ``workers``
    processes); files that cannot be decoded are left out with a warning. In-memory data is returned as it is."""
    if not isinstance(data.x, ImageFiles):
        return data
    parts, decoded = [], []
    for _, x, ok in item_batches(data.x, 256, workers):
        parts.append(x)
        decoded.append(ok)
    keep = torch.cat(decoded)
    x = torch.cat(parts)
    if bool(keep.all()):
        return LabeledData(x, data.y, data.class_names, data.name, data.split)
    return LabeledData(x, data.y, data.class_names, data.name, data.split).subset(torch.nonzero(keep).flatten())


def stream_folder(root: str | Path, channels: int | None = None, size: tuple[int, int] | None = None, **options) -> LabeledData:
    """An image folder ``root/<class>/<image>`` streamed from disk; ``options`` as :func:`stream_images`."""
    return stream_images(list_folder(root), channels, size, **options)


def stream_manifest(path: str | Path, channels: int | None = None, size: tuple[int, int] | None = None, **options) -> LabeledData:
    """A CSV manifest ``path,label[,split]`` (paths relative to it) streamed from disk; ``options`` as
    :func:`stream_images`."""
    return stream_images(list_manifest(path), channels, size, **options)
