"""Helpers for the gallery / service / export / browser tests: a small calibrated checkpoint and PNG uploads."""

from __future__ import annotations

import io
from functools import lru_cache
from pathlib import Path

import torch
from PIL import Image

from siamkit.data import digits
from siamkit.deploy.checkpoint import save_checkpoint
from siamkit.nn.encoders import LeNet
from siamkit.nn.heads import ClassifierHead, DistanceHead
from siamkit.nn.models import SiameseNet

_digits = lru_cache(maxsize=1)(digits)


def digit_images() -> torch.Tensor:
    """The bundled digits ``[1797, 1, 8, 8]`` in [0, 1] (loaded once)."""
    return _digits().x


def digit_label(index: int) -> int:
    """The class (0–9) of digit ``index``."""
    return int(_digits().y[index])


def make_checkpoint(path: Path, head: str = "distance", embedding_dim: int = 8, seed: int = 0) -> Path:
    """An (untrained, seeded) LeNet Siamese net on 1×8×8 digits, its threshold the median score of 32 pairs."""
    torch.manual_seed(seed)
    pair_head = DistanceHead() if head == "distance" else ClassifierHead(embedding_dim)
    model = SiameseNet(LeNet(1, embedding_dim), pair_head).eval()
    x = digit_images()[:64]
    with torch.no_grad():
        threshold = float(model(x[:32], x[32:]).median())
    meta = {"threshold": threshold, "score_kind": model.score_kind, "input_shape": [1, 8, 8]}
    save_checkpoint(path, model, meta)
    return path


def digit_png(index: int, size: tuple[int, int] | None = None) -> bytes:
    """Digit ``index`` of the bundled digits as PNG bytes (8×8 grayscale, or resized to ``size`` (H, W))."""
    array = (digit_images()[index, 0] * 255).round().byte().numpy()
    image = Image.fromarray(array)
    if size is not None:
        image = image.resize((size[1], size[0]))
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()
