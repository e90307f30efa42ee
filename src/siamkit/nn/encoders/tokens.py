"""What a text encoder's tokenizer offers, whichever library made it: texts → token ids ``[N, L]``.

Both siamkit's own :class:`~siamkit.nn.encoders.text.Tokenizer` and the Hugging Face one of a transformer
encoder (:class:`~siamkit.nn.encoders.hf_tokenizer.HFTokenizer`) fit :class:`TextTokenizer`, so the data
path, ``siamkit verify --text``, the gallery and the service treat every text model alike.
"""

from __future__ import annotations

from typing import Any, Protocol, Sequence, runtime_checkable

import torch


@runtime_checkable
class TextTokenizer(Protocol):
    """Texts → token ids. ``pad_id`` marks padding (an attention mask is ``ids != pad_id``); texts are
    truncated at ``max_length`` tokens; ``spec()`` is plain data that rebuilds the tokenizer (checkpoints)."""

    pad_id: int
    max_length: int

    def encode(self, texts: Sequence[str], length: int | None = None) -> torch.Tensor:
        """Token ids ``[N, L]`` (``int64``), padded with ``pad_id`` on the right; ``L`` = ``length`` or the longest."""
        ...

    def unknown_rate(self, texts: Sequence[str]) -> float:
        """Share of the tokens of ``texts`` the vocabulary does not know."""
        ...

    def spec(self) -> dict[str, Any]: ...

    def __len__(self) -> int: ...
