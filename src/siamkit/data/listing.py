"""Which image files a collection holds, and their labels: an image folder or a CSV manifest.

- Folder: ``root/<class name>/<image file>``; classes are the sorted sub-folder names.
- Manifest (OML's layout): a CSV with a header holding at least ``path`` and ``label`` columns and optionally
  ``split`` (``train``; or ``test`` / ``validation`` / ``val``). Paths are relative to the CSV file (absolute ones
  are kept); other columns are ignored. Class ids number the sorted distinct labels.

Nothing is decoded here: a listing is paths and labels only.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

import torch

from siamkit.core.errors import DataError
from siamkit.data.images import IMAGE_SUFFIXES

SPLIT_VALUES = {"train": 0, "test": 1, "validation": 1, "val": 1}


@dataclass
class Listing:
    """``paths[i]`` has class id ``labels[i]`` (``[N]``), named ``class_names[labels[i]]``; ``split`` ``[N]``
    (0 = official train, 1 = official test) when the source defines one; ``name`` says where it came from."""

    paths: list[Path]
    labels: torch.Tensor
    class_names: list[str]
    name: str
    split: torch.Tensor | None = None


def list_folder(root: str | Path) -> Listing:
    """The image files of ``root/<class>/<image>`` (suffixes in :data:`IMAGE_SUFFIXES`), class by class, sorted."""
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
    labels = torch.tensor([k for _, k in files], dtype=torch.long)
    return Listing([f for f, _ in files], labels, [d.name for d in class_dirs], str(root))


def list_manifest(path: str | Path) -> Listing:
    """The files and labels of a CSV manifest ``path,label[,split]`` (see the module docstring).

    A row without a path or label, or with an unknown split, is a :class:`DataError` naming its line.
    """
    path = Path(path)
    if not path.is_file():
        raise DataError(f"manifest not found: {path}")
    with path.open(newline="", encoding="utf-8") as f:
        reader = csv.DictReader(f)
        missing = [c for c in ("path", "label") if c not in (reader.fieldnames or [])]
        if missing:
            raise DataError(
                f"{path} has no {' or '.join(missing)} column (header: {', '.join(reader.fieldnames or [])}); "
                "a manifest is a CSV with the header path,label[,split]"
            )
        rows = list(reader)
    bad = [i + 2 for i, row in enumerate(rows) if not (row.get("path") or "").strip() or not (row.get("label") or "").strip()]
    if bad:
        raise DataError(f"{path}: lines {bad[:10]} lack a path or a label; every row needs both")
    if not rows:
        raise DataError(f"{path} lists no images; add rows path,label")
    names = sorted({row["label"].strip() for row in rows})
    ids = {name: k for k, name in enumerate(names)}
    files = [path.parent / row["path"].strip() for row in rows]
    labels = torch.tensor([ids[row["label"].strip()] for row in rows], dtype=torch.long)
    return Listing(files, labels, names, str(path), _splits(path, rows))


def _splits(path: Path, rows: list[dict[str, str]]) -> torch.Tensor | None:
    values = [(row.get("split") or "").strip().lower() for row in rows]
    if not any(values):
        return None
    bad = [i + 2 for i, v in enumerate(values) if v not in SPLIT_VALUES]
    if bad:
        raise DataError(
            f"{path}: lines {bad[:10]} have a split other than {', '.join(SPLIT_VALUES)}; "
            "give every row a split, or leave the column out"
        )
    return torch.tensor([SPLIT_VALUES[v] for v in values], dtype=torch.long)
