"""Verify one pair of images with a trained checkpoint at its calibrated threshold."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import torch

from siamkit.core.errors import CheckpointError, DataError
from siamkit.data.images import image_name, load_image
from siamkit.deploy.checkpoint import Checkpoint, load_checkpoint
from siamkit.nn.encoders.text import reads_text
from siamkit.nn.interfaces import SharedEncoderModel, TwoBranchModel


def load_model_input(
    path: str | Path | bytes, input_shape: tuple[int, ...], resize: bool = False
) -> torch.Tensor:
    """An image (file path or encoded bytes) as a model input ``[1, C, H, W]`` for a model expecting
    ``input_shape`` ``(C, H, W)``.

    Channels are converted to ``C``; a different height/width is an error unless ``resize``.
    """
    channels, height, width = input_shape
    image = load_image(path, channels, (height, width) if resize else None)
    if tuple(image.shape[1:]) != (height, width):
        raise DataError(
            f"{image_name(path)} is {image.shape[1]}×{image.shape[2]} but the model expects {height}×{width}; "
            "pass --resize (resize=true) to scale it"
        )
    return image.unsqueeze(0)


def require_images(checkpoint: Checkpoint, source: str | Path = "this checkpoint") -> tuple[int, int, int]:
    """The ``(C, H, W)`` input shape of an image-pair model, or a :class:`DataError` naming what the
    checkpoint holds instead (a text model, a tracker) and the command that takes it."""
    if checkpoint.meta.get("task") == "tracking":
        raise DataError(f"{source} holds a SiamFC object tracker, not a pair model; run it with `siamkit track`")
    if reads_text(getattr(checkpoint.model, "encoder", None)):
        raise DataError(
            f"{source} holds a text model (it reads token ids, not images) and this command takes image models; "
            "compare two texts with `siamkit verify CHECKPOINT --text A --text B`"
        )
    if checkpoint.input_shape is None:
        raise CheckpointError(f"{source} does not record its input shape; use a model.ckpt written by `siamkit train`")
    if len(checkpoint.input_shape) != 3:
        raise DataError(f"{source}: the model takes inputs of shape {list(checkpoint.input_shape)}, not images [C, H, W]")
    return checkpoint.input_shape  # type: ignore[return-value]


def require_image_model(checkpoint: Checkpoint, source: str | Path = "this checkpoint") -> tuple[int, int, int]:
    """The ``(C, H, W)`` input shape of a calibrated image model, or an error saying why not."""
    input_shape = require_images(checkpoint, source)
    if checkpoint.threshold is None:
        raise CheckpointError(f"{source} has no calibrated threshold; use a model.ckpt written by `siamkit train`")
    return input_shape


def decide(checkpoint: Checkpoint, score: float) -> dict[str, Any]:
    """Same / different for one pair ``score`` (in the model's ``score_kind``) at the calibrated threshold.

    Returns ``score``, ``score_kind``, ``threshold``, ``same`` (bool) and ``rule``.
    """
    is_distance = checkpoint.score_kind == "distance"
    same = score <= checkpoint.threshold if is_distance else score >= checkpoint.threshold
    return {
        "score": float(score),
        "score_kind": checkpoint.score_kind,
        "threshold": checkpoint.threshold,
        "same": bool(same),
        "rule": f"{checkpoint.score_kind} {'<=' if is_distance else '>='} threshold",
    }


@torch.no_grad()
def verify_inputs(checkpoint: Checkpoint, x1: torch.Tensor, x2: torch.Tensor) -> dict[str, Any]:
    """Score one pair of model inputs (``[1, C, H, W]`` each) and decide, as :func:`decide`."""
    return decide(checkpoint, float(checkpoint.model(x1, x2)[0]))


def verify_files(
    checkpoint_path: str | Path, image1: str | Path, image2: str | Path, resize: bool = False
) -> dict[str, Any]:
    """Score two image files and decide same / different.

    Returns ``score`` (in the model's ``score_kind``), ``threshold``, ``same`` (bool) and ``rule``.
    """
    checkpoint = load_checkpoint(checkpoint_path)
    input_shape = require_image_model(checkpoint, checkpoint_path)
    x1 = load_model_input(image1, input_shape, resize)
    x2 = load_model_input(image2, input_shape, resize)
    return verify_inputs(checkpoint, x1, x2)


def text_inputs(model: torch.nn.Module, text1: str, text2: str) -> tuple[torch.Tensor, torch.Tensor]:
    """Token ids ``[1, L]`` for each text, made by the tokenizer(s) stored in the model's text
    encoder(s): one shared encoder (Siamese) or one per branch (pseudo-Siamese)."""
    from siamkit.nn.encoders.text import text_tokenizer

    if isinstance(model, SharedEncoderModel):
        ids = text_tokenizer(model.encoder).encode([text1, text2])
        return ids[:1], ids[1:]
    if isinstance(model, TwoBranchModel):
        return text_tokenizer(model.encoder_a).encode([text1]), text_tokenizer(model.encoder_b).encode([text2])
    raise DataError(f"{type(model).__name__} has no text encoder; verify images with it instead")


def verify_texts(checkpoint_path: str | Path, text1: str, text2: str) -> dict[str, Any]:
    """Score two texts with a text model and decide same / different at its calibrated threshold.

    Returns what :func:`decide` returns.
    """
    checkpoint = load_checkpoint(checkpoint_path)
    if checkpoint.threshold is None:
        raise CheckpointError(f"{checkpoint_path} has no calibrated threshold; use a model.ckpt written by `siamkit train`")
    try:
        x1, x2 = text_inputs(checkpoint.model, text1, text2)
    except DataError as exc:
        raise DataError(f"{checkpoint_path}: {exc}; for images run `siamkit verify CKPT IMAGE1 IMAGE2`") from None
    return verify_inputs(checkpoint, x1, x2)
