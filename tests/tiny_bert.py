"""A tiny randomly initialised BERT and its WordPiece tokenizer, saved as a Hugging Face model folder.

Built from a ``transformers`` config in the test itself: nothing is downloaded. The vocabulary holds the
words of :data:`WORDS`; any other word is ``[UNK]``.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

SPECIAL = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
WORDS = "a the cat dog sat on mat red blue car house tree big small run walk fast slow sky sea".split()
WORDS += "how do i feed what should eat horse cow parrot goldfish lion tiger sheep goat ?".split()
HIDDEN = 16


def tiny_bert_folder(path: Path, seed: int = 0, layers: int = 2) -> Path:
    """Write a 2-layer BERT (hidden size 16) with random weights from ``seed`` and its tokenizer to ``path``."""
    transformers = pytest.importorskip("transformers")
    tokenizers = pytest.importorskip("tokenizers")
    vocab = {token: i for i, token in enumerate(SPECIAL + WORDS)}
    backend = tokenizers.Tokenizer(tokenizers.models.WordPiece(vocab, unk_token="[UNK]"))
    backend.normalizer = tokenizers.normalizers.BertNormalizer(lowercase=True)
    backend.pre_tokenizer = tokenizers.pre_tokenizers.BertPreTokenizer()
    backend.post_processor = tokenizers.processors.TemplateProcessing(
        single="[CLS] $A [SEP]", special_tokens=[("[CLS]", vocab["[CLS]"]), ("[SEP]", vocab["[SEP]"])]
    )
    tokenizer = transformers.PreTrainedTokenizerFast(
        tokenizer_object=backend, pad_token="[PAD]", unk_token="[UNK]", cls_token="[CLS]", sep_token="[SEP]",
        mask_token="[MASK]",
    )
    config = transformers.BertConfig(
        vocab_size=len(vocab), hidden_size=HIDDEN, num_hidden_layers=layers, num_attention_heads=2,
        intermediate_size=32, max_position_embeddings=64, pad_token_id=0,
    )
    torch.manual_seed(seed)
    path.mkdir(parents=True, exist_ok=True)
    transformers.BertModel(config).save_pretrained(path)
    tokenizer.save_pretrained(path)
    return path
