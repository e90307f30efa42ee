"""What a served model reads, turned into model inputs: images (files or uploads) or texts.

:func:`model_inputs` picks the reader for a calibrated checkpoint: :class:`ImageInputs` (``[1, C, H, W]`` per
image, at the model's input size) or :class:`TextInputs` (token ids ``[N, L]`` from the tokenizer stored in
the model's shared text encoder; several texts are tokenized in one batched call and padded together).
"""

from __future__ import annotations

from pathlib import Path
from typing import Sequence

import torch

from siamkit.core.errors import CheckpointError, DataError
from siamkit.deploy.checkpoint import Checkpoint
from siamkit.deploy.verify import load_model_input, require_image_model
from siamkit.nn.encoders.text import reads_text
from siamkit.nn.interfaces import SharedEncoderModel

ImageSource = str | Path | bytes


class ImageInputs:
    """Images (paths or encoded bytes) → ``[N, C, H, W]`` at the checkpoint's input size (``resize`` to scale)."""

    kind = "image"

    def __init__(self, checkpoint: Checkpoint) -> None:
        self.input_shape = require_image_model(checkpoint)

    @property
    def shape(self) -> list[int]:
        return list(self.input_shape)

    def one(self, source: ImageSource, resize: bool = False) -> torch.Tensor:
        return load_model_input(source, self.input_shape, resize)

    def many(self, sources: Sequence[ImageSource], resize: bool = False) -> torch.Tensor:
        return torch.cat([self.one(source, resize) for source in sources])

    def pair(self, a: ImageSource, b: ImageSource, resize: bool = False) -> tuple[torch.Tensor, torch.Tensor]:
        return self.one(a, resize), self.one(b, resize)

    def probe(self) -> torch.Tensor:
        return torch.zeros(1, *self.input_shape)


class TextInputs:
    """Texts → token ids ``[N, L]`` with the tokenizer of the checkpoint's shared text encoder (``resize`` is ignored)."""

    kind = "text"

    def __init__(self, checkpoint: Checkpoint) -> None:
        if checkpoint.threshold is None:
            raise CheckpointError("this checkpoint has no calibrated threshold; use a model.ckpt written by `siamkit train`")
        self.tokenizer = checkpoint.model.encoder.tokenizer

    @property
    def shape(self) -> list[int]:
        return [self.tokenizer.max_length]

    def many(self, texts: Sequence[str], resize: bool = False) -> torch.Tensor:
        for text in texts:
            if not isinstance(text, str) or not text.strip():
                raise DataError(f"this model compares texts; got {text!r}: send non-empty text")
        return self.tokenizer.encode(list(texts))

    def one(self, text: str, resize: bool = False) -> torch.Tensor:
        return self.many([text])

    def pair(self, a: str, b: str, resize: bool = False) -> tuple[torch.Tensor, torch.Tensor]:
        ids = self.many([a, b])  # one width for both: a shared encoder embeds them in one pass
        return ids[:1], ids[1:]

    def probe(self) -> torch.Tensor:
        return self.many(["probe"])


def model_inputs(checkpoint: Checkpoint) -> ImageInputs | TextInputs:
    """The reader for ``checkpoint``: :class:`TextInputs` for a shared-encoder text model, else :class:`ImageInputs`
    (which names what the checkpoint holds when it is not an image-pair model)."""
    model = checkpoint.model
    if isinstance(model, SharedEncoderModel) and reads_text(model.encoder):
        return TextInputs(checkpoint)
    return ImageInputs(checkpoint)
