"""Checkpoints that rebuild their model without the user's code.

A siamkit checkpoint is a ``torch.save``-d dict of plain data: the model's spec (registry names and
constructor arguments, see :mod:`siamkit.core.registry`), its ``state_dict`` and metadata (calibrated
threshold, score kind, input shape, data split, metrics). It loads with ``weights_only=True``, so
loading runs no pickled code. Lightning checkpoints written during training carry the same spec
and load too.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch
from torch import nn

from siamkit.core.errors import CheckpointError
from siamkit.core.fileio import atomic_path, load_torch_file
from siamkit.core.registry import spec_of

FORMAT = "siamkit-checkpoint/1"


@dataclass
class Checkpoint:
    """A rebuilt model (in eval mode) and what siamkit knows about it.

    ``meta`` holds, when training wrote them: ``threshold`` (in the model's own score units),
    ``score_kind``, ``input_shape``, ``dataset``, ``split`` and ``metrics``.
    """

    model: nn.Module
    meta: dict[str, Any] = field(default_factory=dict)

    @property
    def threshold(self) -> float | None:
        return self.meta.get("threshold")

    @property
    def score_kind(self) -> str:
        return self.meta.get("score_kind", getattr(self.model, "score_kind", "distance"))

    @property
    def input_shape(self) -> tuple[int, ...] | None:
        shape = self.meta.get("input_shape")
        return tuple(shape) if shape is not None else None


def save_checkpoint(path: str | Path, model: nn.Module, meta: dict[str, Any] | None = None) -> None:
    """Write ``model`` (spec + weights) and JSON-able ``meta`` to ``path`` atomically."""
    payload = {
        "format": FORMAT,
        "model_spec": spec_of(model),
        "state_dict": {k: v.detach().cpu() for k, v in model.state_dict().items()},
        "meta": meta or {},
    }
    with atomic_path(path) as tmp:
        torch.save(payload, tmp)


def load_checkpoint(path: str | Path) -> Checkpoint:
    """Rebuild the model saved at ``path`` (siamkit or siamkit-trained Lightning checkpoint)."""
    from siamkit.nn.models import MODELS

    path = Path(path)
    payload = load_torch_file(path, "checkpoint", "is it a file written by siamkit?")
    if not isinstance(payload, dict):
        raise CheckpointError(f"{path} is not a siamkit checkpoint")
    if payload.get("format") == FORMAT:
        spec, state, meta = payload["model_spec"], payload["state_dict"], payload.get("meta", {})
    elif "siamkit" in payload and "state_dict" in payload:  # a Lightning checkpoint from siamkit.fit
        spec, meta = payload["siamkit"]["model_spec"], payload["siamkit"].get("meta", {})
        state = {k.removeprefix("model."): v for k, v in payload["state_dict"].items() if k.startswith("model.")}
    else:
        raise CheckpointError(f"{path} is not a siamkit checkpoint (no model spec inside)")
    model = MODELS.build(spec)
    try:
        model.load_state_dict(state)
    except RuntimeError as exc:
        raise CheckpointError(f"weights in {path} do not fit its model spec: {exc}") from None
    return Checkpoint(model.eval(), meta)


def load(path: str | Path) -> nn.Module:
    """The model saved at ``path``, rebuilt and in eval mode.

    Example:
        >>> model = siamkit.load("runs/demo/model.ckpt")  # doctest: +SKIP
    """
    return load_checkpoint(path).model
