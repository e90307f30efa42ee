"""Text encoders: token ids ``[B, L]`` (padded with 0) → embeddings ``[B, D]``, and their tokenizer.

A :class:`Tokenizer` splits text into words (``kind="word"``) or characters (``kind="char"``) and
maps them to ids: ``0`` is padding, ``1`` is ``<unk>`` (any token not in the vocabulary), the
vocabulary follows. It is built from training texts only (:meth:`Tokenizer.fit`) and lives inside
the encoder's ``spec_args``, so a checkpoint rebuilds the exact vocabulary with the weights.

Encoders:

- :class:`GRUTextEncoder` / :class:`LSTMTextEncoder` (``--encoder gru`` / ``lstm``): embedding →
  bidirectional recurrent layers over packed sequences (padding never enters the recurrence) →
  last forward and backward states → linear layer to ``D``.
- :class:`PooledTextEncoder` (``--encoder text_pool``): embedding → mean or max over the real
  tokens (padding masked) → linear layer to ``D``.

Example:
    >>> tok = Tokenizer.fit(["a cat", "a dog"], kind="word")
    >>> enc = GRUTextEncoder(tok.spec(), embedding_dim=8)
    >>> enc(tok.encode(["a cat", "the dog"])).shape
    torch.Size([2, 8])
"""

from __future__ import annotations

import re
from collections import Counter
from typing import Any, Iterable, Sequence

import torch
from torch import nn
from torch.nn.utils.rnn import pack_padded_sequence

from siamkit.core.errors import ConfigError, DataError
from siamkit.core.registry import Buildable
from siamkit.nn.encoders.catalog import ENCODERS
from siamkit.nn.encoders.tokens import TextTokenizer

PAD, UNK = "<pad>", "<unk>"
TOKENIZER_KINDS = ("word", "char", "trigram")
_WORD = re.compile(r"\w+|[^\w\s]")


class Tokenizer:
    """Text → token ids with a fixed vocabulary; id 0 = padding, 1 = ``<unk>``.

    Args:
        vocab: the known tokens, in id order from 2 (without ``<pad>`` and ``<unk>``).
        kind: ``"word"`` (words and single punctuation marks), ``"char"`` (characters) or
            ``"trigram"`` (character trigrams of each word with ``<`` ``>`` marking its ends, as in
            fastText: ``"walk"`` → ``<wa wal alk lk>``; unseen words share trigrams with known ones).
        max_length: texts longer than this many tokens are truncated.
        lowercase: lower-case text before splitting.
    """

    pad_id = 0

    def __init__(self, vocab: Sequence[str], kind: str = "word", max_length: int = 64, lowercase: bool = True) -> None:
        if kind not in TOKENIZER_KINDS:
            raise ConfigError(f"unknown tokenizer kind '{kind}'; choose one of: {', '.join(TOKENIZER_KINDS)}")
        if max_length < 1:
            raise ConfigError(f"max_length must be ≥ 1, got {max_length}")
        self.kind = kind
        self.max_length = int(max_length)
        self.lowercase = bool(lowercase)
        self.itos = [PAD, UNK, *vocab]
        self.stoi = {token: i for i, token in enumerate(self.itos)}

    @classmethod
    def fit(
        cls,
        texts: Iterable[str],
        kind: str = "word",
        max_length: int = 64,
        min_count: int = 1,
        max_size: int | None = None,
        lowercase: bool = True,
    ) -> "Tokenizer":
        """A tokenizer whose vocabulary is the tokens of ``texts`` seen at least ``min_count`` times,
        most frequent first (ties alphabetical), at most ``max_size`` of them."""
        splitter = cls([], kind, max_length, lowercase)
        counts = Counter(token for text in texts for token in splitter.split(text))
        ranked = sorted((t for t, c in counts.items() if c >= min_count), key=lambda t: (-counts[t], t))
        return cls(ranked[:max_size] if max_size is not None else ranked, kind, max_length, lowercase)

    @classmethod
    def from_spec(cls, spec: dict[str, Any]) -> "Tokenizer":
        return cls(spec["vocab"], spec["kind"], spec["max_length"], spec["lowercase"])

    def spec(self) -> dict[str, Any]:
        """Plain data that rebuilds this tokenizer (stored in checkpoints)."""
        return {"vocab": self.itos[2:], "kind": self.kind, "max_length": self.max_length, "lowercase": self.lowercase}

    def __len__(self) -> int:
        """Number of ids, padding and ``<unk>`` included."""
        return len(self.itos)

    def split(self, text: str) -> list[str]:
        """The tokens of ``text`` (no truncation, no vocabulary lookup)."""
        text = text.lower() if self.lowercase else text
        if self.kind == "char":
            return list(text)
        words = _WORD.findall(text)
        if self.kind == "word":
            return words
        marked = [f"<{w}>" for w in words]
        return [m[i : i + 3] for m in marked for i in range(max(len(m) - 2, 1))]

    def encode(self, texts: Sequence[str], length: int | None = None) -> torch.Tensor:
        """Token ids ``[N, L]`` (``int64``), padded with 0; ``L`` = ``length`` or the longest text
        (at most ``max_length``). A text with no tokens is an error: it would embed as nothing."""
        if isinstance(texts, str):
            raise DataError("encode takes a list of texts, not one string; wrap it: encode([text])")
        ids = [[self.stoi.get(t, 1) for t in self.split(text)][: self.max_length] for text in texts]
        empty = [i for i, row in enumerate(ids) if not row]
        if empty:
            raise DataError(f"text {empty[0]} ({texts[empty[0]]!r}) has no tokens; give non-empty text")
        width = length or max((len(row) for row in ids), default=1)
        out = torch.zeros(len(ids), width, dtype=torch.long)
        for i, row in enumerate(ids):
            row = row[:width]
            out[i, : len(row)] = torch.tensor(row, dtype=torch.long)
        return out

    def unknown_rate(self, texts: Sequence[str]) -> float:
        """Share of the tokens of ``texts`` that map to ``<unk>``."""
        tokens = [t for text in texts for t in self.split(text)]
        return sum(t not in self.stoi for t in tokens) / max(len(tokens), 1)


def _lengths(ids: torch.Tensor) -> torch.Tensor:
    if ids.ndim != 2 or ids.dtype not in (torch.int64, torch.int32):
        raise DataError(
            f"text encoders take token ids [B, L] (integers, 0 = padding), got {tuple(ids.shape)} {ids.dtype}; "
            "encode texts with the encoder's tokenizer"
        )
    return (ids != 0).sum(1).clamp_min(1)


class TextEncoder(Buildable, nn.Module):
    """Base of the text encoders: a tokenizer and a token embedding (row 0, padding, stays zero).

    Args:
        tokenizer: :meth:`Tokenizer.spec` of the tokenizer (plain data, so checkpoints carry it).
        embedding_dim: size ``D`` of the output embedding.
        token_dim: size of the token embeddings.
    """

    def __init__(self, tokenizer: dict[str, Any], embedding_dim: int, token_dim: int) -> None:
        super().__init__()
        self.tokenizer = Tokenizer.from_spec(tokenizer)
        self.embedding_dim = embedding_dim
        self.tokens = nn.Embedding(len(self.tokenizer), token_dim, padding_idx=0)

    @classmethod
    def for_input(
        cls, input_shape: tuple[int, ...], embedding_dim: int, tokenizer: Tokenizer | None = None, **kwargs
    ) -> "TextEncoder":
        if tokenizer is None:
            raise ConfigError(
                f"the {cls.registry_name} encoder reads text; train it on text data "
                "(--dataset wordnet-gloss or --pairs-csv FILE), or pick an image encoder"
            )
        return cls(tokenizer.spec(), embedding_dim=embedding_dim, **kwargs)

    def encode_texts(self, texts: Sequence[str]) -> torch.Tensor:
        """Embeddings ``[N, D]`` of raw texts (tokenized with this encoder's vocabulary)."""
        return self(self.tokenizer.encode(texts).to(self.tokens.weight.device))


class RNNTextEncoder(TextEncoder):
    """Embedding → bidirectional GRU/LSTM over packed sequences → [last forward; last backward] → Linear.

    Args:
        tokenizer: tokenizer spec (see :class:`TextEncoder`).
        embedding_dim: size ``D`` of the output.
        token_dim: size of the token embeddings.
        hidden: hidden size per direction.
        layers: stacked recurrent layers.
        dropout: dropout between stacked layers (needs ``layers > 1``).

    Shapes: token ids ``[B, L]`` → ``[B, embedding_dim]``; padding (id 0) never enters the recurrence.
    """

    cell: type[nn.RNNBase] = nn.GRU

    def __init__(
        self,
        tokenizer: dict[str, Any],
        embedding_dim: int = 64,
        token_dim: int = 64,
        hidden: int = 64,
        layers: int = 1,
        dropout: float = 0.0,
    ) -> None:
        super().__init__(tokenizer, embedding_dim, token_dim)
        self.spec_args = {
            "tokenizer": tokenizer, "embedding_dim": embedding_dim, "token_dim": token_dim,
            "hidden": hidden, "layers": layers, "dropout": dropout,
        }
        self.rnn = self.cell(
            token_dim, hidden, num_layers=layers, batch_first=True, bidirectional=True,
            dropout=dropout if layers > 1 else 0.0,
        )
        self.out = nn.Linear(2 * hidden, embedding_dim)

    def forward(self, ids: torch.Tensor) -> torch.Tensor:
        lengths = _lengths(ids)
        packed = pack_padded_sequence(self.tokens(ids), lengths.cpu(), batch_first=True, enforce_sorted=False)
        _, state = self.rnn(packed)
        h = state[0] if isinstance(state, tuple) else state  # LSTM returns (h, c)
        return self.out(torch.cat([h[-2], h[-1]], dim=1))  # last layer, forward and backward


@ENCODERS.register("gru")
class GRUTextEncoder(RNNTextEncoder):
    """Bidirectional GRU text encoder (see :class:`RNNTextEncoder`)."""

    cell = nn.GRU


@ENCODERS.register("lstm")
class LSTMTextEncoder(RNNTextEncoder):
    """Bidirectional LSTM text encoder (see :class:`RNNTextEncoder`)."""

    cell = nn.LSTM


@ENCODERS.register("text_pool")
class PooledTextEncoder(TextEncoder):
    """Embedding → mean or max over real tokens (padding masked out) → Linear.

    Args:
        tokenizer: tokenizer spec (see :class:`TextEncoder`).
        embedding_dim: size ``D`` of the output.
        token_dim: size of the token embeddings.
        pooling: ``"mean"``, ``"max"`` or ``"meanmax"`` (both, concatenated).

    Shapes: token ids ``[B, L]`` → ``[B, embedding_dim]``.
    """

    POOLINGS = ("mean", "max", "meanmax")

    def __init__(
        self, tokenizer: dict[str, Any], embedding_dim: int = 64, token_dim: int = 64, pooling: str = "mean"
    ) -> None:
        if pooling not in self.POOLINGS:
            raise ConfigError(f"unknown pooling '{pooling}'; choose one of: {', '.join(self.POOLINGS)}")
        super().__init__(tokenizer, embedding_dim, token_dim)
        self.spec_args = {"tokenizer": tokenizer, "embedding_dim": embedding_dim, "token_dim": token_dim, "pooling": pooling}
        self.pooling = pooling
        self.out = nn.Linear(token_dim * (2 if pooling == "meanmax" else 1), embedding_dim)

    def forward(self, ids: torch.Tensor) -> torch.Tensor:
        lengths = _lengths(ids)
        mask = (ids != 0).unsqueeze(2)
        emb = self.tokens(ids)
        pooled = []
        if self.pooling in ("mean", "meanmax"):
            pooled.append((emb * mask).sum(1) / lengths.unsqueeze(1).to(emb.dtype))
        if self.pooling in ("max", "meanmax"):
            pooled.append(emb.masked_fill(~mask, float("-inf")).amax(1).nan_to_num(0.0, neginf=0.0))
        return self.out(torch.cat(pooled, dim=1))


def reads_text(encoder: nn.Module | None) -> bool:
    """Whether ``encoder`` is a text encoder (it carries the :class:`~siamkit.nn.encoders.tokens.TextTokenizer`
    it was trained with: a :class:`Tokenizer`, or a transformer's own)."""
    return isinstance(getattr(encoder, "tokenizer", None), TextTokenizer)


def text_tokenizer(encoder: nn.Module) -> TextTokenizer:
    """The tokenizer of a text encoder, or a :class:`DataError` saying the encoder takes no text."""
    if not reads_text(encoder):
        raise DataError(f"the {type(encoder).__name__} encoder does not read text; give it images")
    return encoder.tokenizer
