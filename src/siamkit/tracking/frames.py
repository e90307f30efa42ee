"""Tracking sequences: frames plus one box per frame, and the benchmark folder layout.

A user video is a folder of frame images (sorted by name, numbers compared as numbers, so
``img2.jpg`` comes before ``img10.jpg``) and, for evaluation, a text file with one ``x,y,w,h`` line
per frame (commas, tabs or spaces; pixels; ``x, y`` the top-left corner) — the layout of OTB-style
tracking benchmarks.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import torch

from siamkit.core.errors import DataError
from siamkit.core.fileio import atomic_path
from siamkit.data.images import IMAGE_SUFFIXES, load_image


@dataclass
class Sequence:
    """A video in memory: ``frames`` ``[T, 3, H, W]`` in [0, 1] and ground-truth ``boxes`` ``[T, 4]``
    (x, y, w, h in pixels)."""

    frames: torch.Tensor
    boxes: torch.Tensor
    name: str = "sequence"

    def __len__(self) -> int:
        return len(self.frames)


def _natural_key(path: Path) -> list:
    return [int(part) if part.isdigit() else part for part in re.split(r"(\d+)", path.name)]


class FrameFolder:
    """The frames of a folder, read one at a time as ``[3, H, W]`` floats in [0, 1].

    Raises :class:`DataError` if the folder is missing or holds no images; frames of a different
    size than the first raise when read.
    """

    def __init__(self, folder: str | Path) -> None:
        self.folder = Path(folder)
        if not self.folder.is_dir():
            raise DataError(f"frames folder not found: {self.folder}; give a folder of frame images")
        self.paths = sorted(
            (p for p in self.folder.iterdir() if p.suffix.lower() in IMAGE_SUFFIXES), key=_natural_key
        )
        if not self.paths:
            raise DataError(
                f"no frame images in {self.folder}; expected files ending in {', '.join(IMAGE_SUFFIXES)}"
            )
        self._size: tuple[int, int] | None = None

    def __len__(self) -> int:
        return len(self.paths)

    def __getitem__(self, index: int) -> torch.Tensor:
        frame = load_image(self.paths[index], channels=3)
        if self._size is None:
            self._size = tuple(frame.shape[1:])
        elif tuple(frame.shape[1:]) != self._size:
            raise DataError(
                f"frame {self.paths[index]} is {frame.shape[2]}×{frame.shape[1]} but the first frame is "
                f"{self._size[1]}×{self._size[0]}; all frames of a video must have one size"
            )
        return frame


def parse_box(text: str, where: str = "box") -> torch.Tensor:
    """``"x,y,w,h"`` (commas, tabs or spaces) → tensor ``[4]``; width and height must be > 0."""
    parts = [p for p in re.split(r"[,\s]+", text.strip()) if p]
    try:
        values = [float(p) for p in parts]
    except ValueError:
        values = []
    if len(values) != 4:
        raise DataError(f"{where}: expected four numbers x,y,w,h, got '{text.strip()}'")
    if not (values[2] > 0 and values[3] > 0):
        raise DataError(f"{where}: width and height must be > 0, got '{text.strip()}'")
    return torch.tensor(values)


def read_boxes(path: str | Path) -> torch.Tensor:
    """Boxes ``[T, 4]`` from a text file with one ``x,y,w,h`` line per frame (blank lines skipped)."""
    path = Path(path)
    if not path.is_file():
        raise DataError(f"boxes file not found: {path}; give a text file with one x,y,w,h line per frame")
    lines = [(n, line) for n, line in enumerate(path.read_text().splitlines(), start=1) if line.strip()]
    if not lines:
        raise DataError(f"{path} holds no boxes; write one x,y,w,h line per frame")
    return torch.stack([parse_box(line, f"{path} line {n}") for n, line in lines])


def write_boxes(path: str | Path, boxes: torch.Tensor) -> None:
    """Write boxes ``[T, 4]`` as ``x,y,w,h`` lines (two decimals), atomically."""
    text = "".join(",".join(f"{v:.2f}" for v in box.tolist()) + "\n" for box in boxes)
    with atomic_path(path) as tmp:
        tmp.write_text(text)


def load_sequence(frames_dir: str | Path, boxes_file: str | Path) -> Sequence:
    """A whole user video in memory, with its ground-truth boxes; the counts must match."""
    folder = FrameFolder(frames_dir)
    boxes = read_boxes(boxes_file)
    if len(boxes) != len(folder):
        raise DataError(
            f"{boxes_file} has {len(boxes)} boxes but {frames_dir} has {len(folder)} frames; "
            "give exactly one x,y,w,h line per frame"
        )
    frames = torch.stack([folder[i] for i in range(len(folder))])
    return Sequence(frames, boxes, folder.folder.name)
