"""Embedding with onnxruntime instead of PyTorch: an exported encoder (:mod:`siamkit.deploy.export`) as a
drop-in for ``model.embed``, ``[B, ...]`` → ``[B, D]`` float32.

For token ids (a text encoder, ``pad_id`` given) the rows run in length-sorted sub-batches, each cut to its
longest text (:func:`~siamkit.nn.encoders.transformer.in_length_order`), as the PyTorch encoder does.
"""

from __future__ import annotations

from pathlib import Path

import torch
from torch import nn

from siamkit.core.errors import ConfigError
from siamkit.deploy.export import onnx_session
from siamkit.nn.encoders.transformer import in_length_order

PARITY_TOLERANCE = 1e-3


class OnnxEmbedder:
    """``embedder(x)`` = the ONNX encoder at ``path`` on ``x`` (``[B, C, H, W]`` images, or token ids ``[B, L]``
    padded with ``pad_id``)."""

    def __init__(self, path: str | Path, pad_id: int | None = None) -> None:
        if not Path(path).is_file():
            raise ConfigError(f"ONNX file not found: {path}; write it with `siamkit export CKPT --onnx FILE`")
        self.session = onnx_session(path)
        self.input_name = self.session.get_inputs()[0].name
        self.pad_id = pad_id
        self.path = Path(path)

    def _run(self, x: torch.Tensor, mask: torch.Tensor | None = None) -> torch.Tensor:
        return torch.from_numpy(self.session.run(None, {self.input_name: x.cpu().numpy()})[0])

    def __call__(self, x: torch.Tensor) -> torch.Tensor:
        if self.pad_id is None:
            return self._run(x)
        return in_length_order(self._run, x, x != self.pad_id)

    def check_matches(self, model: nn.Module, probe: torch.Tensor) -> None:
        """Raise :class:`ConfigError` unless this file embeds ``probe`` as ``model.embed`` does (same model)."""
        with torch.no_grad():
            expected = model.embed(probe)
        got = self(probe)
        if got.shape != expected.shape or float((got - expected).abs().max()) > PARITY_TOLERANCE:
            raise ConfigError(
                f"{self.path} does not embed like the checkpoint (another model, or an older export); "
                "export this checkpoint again with `siamkit export CKPT --onnx FILE`"
            )
