"""A gallery on disk: versioned folders, a ``CURRENT`` pointer replaced atomically, and the items database.

    DIR/CURRENT              name of the live version (replaced atomically)
    DIR/v-<hex>/index.faiss  the FAISS index (its vectors are the embeddings)
    DIR/v-<hex>/items.sqlite ids, labels, metadata (row order = index order) and the gallery's settings

:func:`write_version` writes a complete new version folder (every file fsynced), then replaces ``CURRENT``
(temp file + rename), then removes old versions: a crash at any moment leaves a gallery that opens with
either the old or the new content. One writing process per directory at a time.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import sqlite3
from pathlib import Path
from typing import Any, Callable, Sequence

from siamkit.core.fileio import atomic_path
from siamkit.deploy.gallery.items import GalleryError

FORMAT = "siamkit-gallery/1"
CURRENT = "CURRENT"
INDEX_FILE = "index.faiss"
ITEMS_FILE = "items.sqlite"


def exists(directory: str | Path) -> bool:
    """Whether ``directory`` holds a saved gallery."""
    return (Path(directory) / CURRENT).is_file()


def current_version(directory: Path) -> Path:
    """The folder of the live version, or :class:`GalleryError` if ``directory`` holds no gallery."""
    pointer = directory / CURRENT
    if not pointer.is_file():
        raise GalleryError(f"no gallery in {directory} (no {CURRENT} file); enrol items to create one")
    return directory / pointer.read_text().strip()


def write_version(directory: Path, write_files: Callable[[Path], None]) -> None:
    """Make a new version of the gallery in ``directory``: ``write_files(folder)`` fills a staging folder,
    which becomes ``v-<hex>``, is pointed to by ``CURRENT``, and replaces every older version."""
    directory.mkdir(parents=True, exist_ok=True)
    version = f"v-{secrets.token_hex(8)}"
    staging = directory / f".{version}.tmp"
    staging.mkdir()
    try:
        write_files(staging)
        _fsync_tree(staging)
        os.replace(staging, directory / version)
        _fsync_dir(directory)
        with atomic_path(directory / CURRENT) as tmp:
            with open(tmp, "w") as f:
                f.write(version + "\n")
                f.flush()
                os.fsync(f.fileno())
        _fsync_dir(directory)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    for old in directory.iterdir():
        if old.is_dir() and old.name != version and (old.name.startswith("v-") or old.name.endswith(".tmp")):
            shutil.rmtree(old, ignore_errors=True)


def write_items(
    path: Path,
    settings: dict[str, Any],
    ids: Sequence[str],
    labels: Sequence[str],
    metadata: Sequence[dict[str, Any]],
) -> None:
    """Write the settings and the items (in index order) to a new SQLite database at ``path``."""
    with sqlite3.connect(path) as db:
        db.execute("CREATE TABLE settings (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
        db.execute(
            "CREATE TABLE items (position INTEGER PRIMARY KEY, id TEXT UNIQUE NOT NULL, "
            "label TEXT NOT NULL, metadata TEXT NOT NULL)"
        )
        db.executemany(
            "INSERT INTO settings VALUES (?, ?)",
            [("format", json.dumps(FORMAT))] + [(k, json.dumps(v)) for k, v in settings.items()],
        )
        db.executemany(
            "INSERT INTO items VALUES (?, ?, ?, ?)",
            [(i, item, lab, json.dumps(meta)) for i, (item, lab, meta) in enumerate(zip(ids, labels, metadata))],
        )
    db.close()


def read_items(path: Path) -> tuple[dict[str, Any], list[tuple[str, str, dict[str, Any]]]]:
    """The settings and the ``(id, label, metadata)`` rows, in index order, of the database at ``path``.

    Raises ``ValueError`` (missing file, not a gallery) or ``sqlite3.Error``; the caller names the gallery.
    """
    if not path.is_file():
        raise ValueError(f"{path.name} is missing")
    db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        settings = {k: json.loads(v) for k, v in db.execute("SELECT key, value FROM settings")}
        rows = db.execute("SELECT id, label, metadata FROM items ORDER BY position").fetchall()
    finally:
        db.close()
    if settings.pop("format", None) != FORMAT:
        raise ValueError("not a siamkit gallery")
    return settings, [(item, label, json.loads(meta)) for item, label, meta in rows]


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _fsync_tree(folder: Path) -> None:
    for file in folder.iterdir():
        with open(file, "rb") as f:
            os.fsync(f.fileno())
    _fsync_dir(folder)
