"""ONNX export of a whole transformer text pipeline (tiny random BERT): parity with PyTorch, dynamic axes,
the tokenizer beside, and the CLI."""

from __future__ import annotations

import pytest
import torch
from tiny_bert import tiny_bert_folder

pytest.importorskip("transformers")
pytest.importorskip("onnxruntime")

from siamkit.cli import run  # noqa: E402
from siamkit.deploy.checkpoint import save_checkpoint  # noqa: E402
from siamkit.deploy.export import export_text_onnx, onnx_session, tokenizer_path  # noqa: E402
from siamkit.nn.encoders.transformer import TransformerTextEncoder  # noqa: E402
from siamkit.nn.heads import DistanceHead  # noqa: E402
from siamkit.nn.models import SiameseNet  # noqa: E402


@pytest.fixture(scope="module")
def model(tmp_path_factory):
    folder = tiny_bert_folder(tmp_path_factory.mktemp("bert") / "tiny", seed=3)
    return SiameseNet(TransformerTextEncoder.from_folder(folder, max_length=24), DistanceHead("cosine")).eval()


def test_the_whole_text_pipeline_exports_with_parity(model, tmp_path):
    result = export_text_onnx(model, tmp_path / "m.onnx")
    assert set(result.files) == {"encoder", "head", "tokenizer"}
    assert result.max_abs_diff["encoder"] < 1e-5 and result.max_abs_diff["head"] < 1e-5
    texts = ["the dog sat on the mat", "sky", "a big red car", "a cat and a dog and a big blue house by the sea"]
    ids = model.encoder.tokenizer.encode(texts)  # another batch size and length than the export saw
    got = onnx_session(result.files["encoder"]).run(None, {"input_ids": ids.numpy()})[0]
    with torch.no_grad():
        expected = model.embed(ids)
    assert got.shape == (4, 16) and abs(got - expected.numpy()).max() < 1e-5
    assert abs((got**2).sum(1) - 1).max() < 1e-5  # normalization is inside the graph


def test_the_tokenizer_beside_the_onnx_file_gives_the_same_ids(model, tmp_path):
    tokenizers = pytest.importorskip("tokenizers")
    export_text_onnx(model, tmp_path / "m.onnx", check=False)
    backend = tokenizers.Tokenizer.from_file(str(tokenizer_path(tmp_path / "m.onnx")))
    assert backend.encode("a cat sat").ids == model.encoder.tokenizer.encode(["a cat sat"])[0].tolist()


def test_cli_exports_a_transformer_checkpoint(model, tmp_path, capsys):
    save_checkpoint(tmp_path / "m.ckpt", model, {"threshold": 0.3, "input_kind": "text"})
    assert run(["export", str(tmp_path / "m.ckpt"), "--onnx", str(tmp_path / "out.onnx")]) == 0
    out = capsys.readouterr().out
    assert "encoder:" in out and "tokenizer:" in out and (tmp_path / "out.tokenizer.json").is_file()
