"""Tokenizer and text encoders: ids, padding, shapes, checkpoints with their vocabulary."""

from __future__ import annotations

import pytest
import torch

from siamkit.core.errors import ConfigError, DataError
from siamkit.deploy.checkpoint import load_checkpoint, save_checkpoint
from siamkit.experiments.text import TEXT_ENCODERS
from siamkit.nn.encoders import ENCODERS, build_encoder
from siamkit.nn.encoders.text import (
    GRUTextEncoder,
    LSTMTextEncoder,
    PooledTextEncoder,
    TextEncoder,
    Tokenizer,
    text_tokenizer,
)
from siamkit.nn.encoders.transformer import TRANSFORMER_ENCODERS
from siamkit.nn.heads import DistanceHead
from siamkit.nn.models import SiameseNet

TEXTS = ["How do I feed a cat?", "What should a cat eat?", "a dog barks", "a cat purrs"]


def test_word_tokenizer_ids_unknown_padding_and_truncation():
    tok = Tokenizer.fit(TEXTS, "word", max_length=4)
    ids = tok.encode(["a cat", "a zebra eats grass slowly today"])
    assert ids.shape == (2, 4) and ids.dtype == torch.long
    assert ids[0, 2:].tolist() == [0, 0]  # padding
    assert ids[1, 1].item() == 1  # 'zebra' is unknown
    assert tok.itos[ids[0, 0]] == "a" and tok.itos[ids[0, 1]] == "cat"
    assert tok.split("Hello, World") == ["hello", ",", "world"]


def test_vocabulary_is_by_frequency_with_min_count_and_max_size():
    tok = Tokenizer.fit(["b a a", "c a b"], "word", min_count=2)
    assert tok.itos == ["<pad>", "<unk>", "a", "b"]
    assert Tokenizer.fit(["b a a", "c a b"], "word", max_size=1).itos[2:] == ["a"]


def test_char_and_trigram_tokenizers():
    assert Tokenizer([], "char").split("Ab c") == ["a", "b", " ", "c"]
    assert Tokenizer([], "trigram").split("walk in") == ["<wa", "wal", "alk", "lk>", "<in", "in>"]
    with pytest.raises(ConfigError, match="tokenizer kind"):
        Tokenizer([], "bpe")


def test_empty_text_and_bare_string_are_errors():
    tok = Tokenizer.fit(TEXTS)
    with pytest.raises(DataError, match="no tokens"):
        tok.encode(["a cat", "   "])
    with pytest.raises(DataError, match="list of texts"):
        tok.encode("a cat")


@pytest.mark.parametrize("cls", [GRUTextEncoder, LSTMTextEncoder, PooledTextEncoder])
def test_encoders_give_b_by_d_and_ignore_padding(cls):
    tok = Tokenizer.fit(TEXTS)
    torch.manual_seed(0)
    enc = cls(tok.spec(), embedding_dim=6).eval()
    ids = tok.encode(TEXTS)
    out = enc(ids)
    assert out.shape == (4, 6)
    padded = torch.cat([ids, torch.zeros(4, 7, dtype=torch.long)], dim=1)
    torch.testing.assert_close(enc(padded), out)
    # A batch of one text gives the same embedding as inside a padded batch.
    torch.testing.assert_close(enc(tok.encode(TEXTS[2:3])), out[2:3])


def test_recurrent_encoder_sees_order_and_pooled_mean_does_not():
    tok = Tokenizer.fit(["dog bites man"])
    ids = tok.encode(["dog bites man", "man bites dog"])
    torch.manual_seed(0)
    gru = GRUTextEncoder(tok.spec(), embedding_dim=4).eval()
    mean = PooledTextEncoder(tok.spec(), embedding_dim=4, pooling="mean").eval()
    assert not torch.allclose(gru(ids)[0], gru(ids)[1])
    torch.testing.assert_close(mean(ids)[0], mean(ids)[1])
    maxpool = PooledTextEncoder(tok.spec(), embedding_dim=4, pooling="meanmax").eval()
    assert maxpool(ids).shape == (2, 4)


def test_text_encoders_refuse_images_and_images_encoders_refuse_text():
    with pytest.raises(ConfigError, match="reads text"):
        build_encoder("gru", (1, 8, 8), 8)
    with pytest.raises(DataError, match="token ids"):
        GRUTextEncoder(Tokenizer.fit(TEXTS).spec(), 4)(torch.rand(2, 5))
    with pytest.raises(DataError, match="does not read text"):
        text_tokenizer(build_encoder("mlp", (4,), 2))


def test_text_model_round_trips_through_a_checkpoint_with_its_vocabulary(tmp_path):
    tok = Tokenizer.fit(TEXTS, "word", max_length=16)
    torch.manual_seed(0)
    net = SiameseNet(build_encoder("lstm", (16,), 8, tokenizer=tok), DistanceHead("cosine")).eval()
    save_checkpoint(tmp_path / "m.ckpt", net, {"threshold": 0.5})
    loaded = load_checkpoint(tmp_path / "m.ckpt").model
    assert text_tokenizer(loaded.encoder).spec() == tok.spec()
    ids = tok.encode(["a cat", "a dog barks loudly"])
    torch.testing.assert_close(loaded(ids[:1], ids[1:]), net(ids[:1], ids[1:]))
    torch.testing.assert_close(loaded.encoder.encode_texts(TEXTS), net.encoder.encode_texts(TEXTS))


VOCABULARY_ENCODERS = tuple(n for n in TEXT_ENCODERS if n not in TRANSFORMER_ENCODERS)  # transformers: test_transformer_encoder


@pytest.mark.parametrize("name", VOCABULARY_ENCODERS)
def test_every_vocabulary_text_encoder_is_registered_and_rebuilds_from_its_spec(name):
    tok = Tokenizer.fit(TEXTS)
    net = build_encoder(name, (tok.max_length,), 7, tokenizer=tok)
    assert net.embedding_dim == 7 and net(tok.encode(TEXTS)).shape == (4, 7)
    rebuilt = ENCODERS.build({"name": name, "args": net.spec_args})
    assert sum(p.numel() for p in rebuilt.parameters()) == sum(p.numel() for p in net.parameters())
    text_names = {n for n in ENCODERS.names() if issubclass(ENCODERS.get(n), TextEncoder)}
    assert text_names == set(VOCABULARY_ENCODERS)
