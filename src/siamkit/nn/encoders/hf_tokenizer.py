"""A Hugging Face (``tokenizers``) tokenizer as a siamkit :class:`~siamkit.nn.encoders.tokens.TextTokenizer`.

The whole tokenizer (vocabulary, normalizer, pre-tokenizer, special-token template) is one JSON string,
``tokenizer.json``, kept in :meth:`HFTokenizer.spec`; a checkpoint therefore carries it and rebuilds it
with no model folder and no network. Texts are tokenized in one batched call of the Rust tokenizer
(``encode_batch``), truncated at ``max_length`` tokens (special tokens included) and padded on the right
with ``pad_id``.

Example:
    >>> tok = HFTokenizer.from_folder("path/to/model")  # doctest: +SKIP
    >>> tok.encode(["a cat", "the dog sat"]).shape  # doctest: +SKIP
    torch.Size([2, 5])
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Sequence

import torch

from siamkit.core.errors import ConfigError, DataError

HF_EXTRA = "pip install 'siamkit[hf]' (transformers, tokenizers)"


def require_hf(module: str = "transformers") -> Any:
    """Import ``module`` (``transformers`` or ``tokenizers``), or a :class:`ConfigError` naming the install."""
    import importlib

    try:
        return importlib.import_module(module)
    except ImportError:
        raise ConfigError(f"transformer text encoders need the {module} package; {HF_EXTRA}") from None


def model_folder(path: str | Path) -> Path:
    """``path`` as a local model folder (with ``config.json``), or a :class:`ConfigError` (nothing is downloaded)."""
    folder = Path(path)
    if not (folder / "config.json").is_file():
        raise ConfigError(
            f"{folder} is not a local Hugging Face model folder (no config.json); give --model-path a folder "
            "written by save_pretrained (siamkit never downloads models), or use --encoder minilm"
        )
    return folder


class HFTokenizer:
    """Texts → token ids ``[N, L]`` with a ``tokenizers`` tokenizer.

    Args:
        tokenizer_json: the serialized tokenizer (``tokenizer.json``'s text).
        pad_id / pad_token: the padding id and token (an attention mask is ``ids != pad_id``).
        max_length: texts are truncated to this many tokens, special tokens included.
        unk_id: the id of unknown pieces (for :meth:`unknown_rate`), or ``None``.
    """

    def __init__(
        self, tokenizer_json: str, pad_id: int, pad_token: str, max_length: int = 128, unk_id: int | None = None
    ) -> None:
        if max_length < 2:
            raise ConfigError(f"max_length must be ≥ 2 (room for the special tokens), got {max_length}")
        self.backend = require_hf("tokenizers").Tokenizer.from_str(tokenizer_json)
        self.backend.no_padding()
        self.backend.enable_truncation(int(max_length))
        self.backend.enable_padding(direction="right", pad_id=int(pad_id), pad_token=pad_token)
        self.tokenizer_json = tokenizer_json
        self.pad_id, self.pad_token = int(pad_id), pad_token
        self.max_length = int(max_length)
        self.unk_id = unk_id

    @classmethod
    def from_folder(cls, path: str | Path, max_length: int = 128) -> "HFTokenizer":
        """The tokenizer of a local model folder (``tokenizer.json``, or a vocabulary transformers converts)."""
        folder = model_folder(path)
        auto = require_hf().AutoTokenizer.from_pretrained(str(folder), local_files_only=True)
        backend = getattr(auto, "backend_tokenizer", None)
        if backend is None:
            raise ConfigError(f"{folder} has no fast (tokenizers) tokenizer; save one with tokenizer.json")
        if auto.pad_token_id is None:
            raise ConfigError(f"the tokenizer in {folder} has no padding token; set pad_token and save it again")
        return cls(backend.to_str(), auto.pad_token_id, auto.pad_token, max_length, auto.unk_token_id)

    @classmethod
    def from_spec(cls, spec: dict[str, Any]) -> "HFTokenizer":
        return cls(**spec)

    def spec(self) -> dict[str, Any]:
        """Plain data that rebuilds this tokenizer (stored in checkpoints)."""
        return {
            "tokenizer_json": self.tokenizer_json, "pad_id": self.pad_id, "pad_token": self.pad_token,
            "max_length": self.max_length, "unk_id": self.unk_id,
        }

    def __len__(self) -> int:
        return int(self.backend.get_vocab_size(with_added_tokens=True))

    def _encodings(self, texts: Sequence[str]) -> list[Any]:
        if isinstance(texts, str):
            raise DataError("encode takes a list of texts, not one string; wrap it: encode([text])")
        return self.backend.encode_batch([str(t) for t in texts])

    def encode(self, texts: Sequence[str], length: int | None = None) -> torch.Tensor:
        """Token ids ``[N, L]`` (``int64``), padded with ``pad_id`` on the right; ``L`` = ``length`` (padding or
        cutting the batch's columns) or the longest text (at most ``max_length``)."""
        encodings = self._encodings(texts)
        ids = torch.tensor([e.ids for e in encodings], dtype=torch.long).reshape(len(encodings), -1)
        if length is None or length == ids.shape[1]:
            return ids
        if length < ids.shape[1]:
            return ids[:, :length].contiguous()
        return torch.nn.functional.pad(ids, (0, length - ids.shape[1]), value=self.pad_id)

    def unknown_rate(self, texts: Sequence[str]) -> float:
        """Share of the (non-special) tokens of ``texts`` that are the unknown piece (0 without ``unk_id``)."""
        if self.unk_id is None:
            return 0.0
        real = unknown = 0
        for e in self._encodings(texts):
            for token, special, attended in zip(e.ids, e.special_tokens_mask, e.attention_mask):
                if attended and not special:
                    real += 1
                    unknown += token == self.unk_id
        return unknown / max(real, 1)
