"""Serving a transformer text model (tiny random BERT): verify two texts, enrol and search texts over HTTP and
from the CLI, and the same answers with onnxruntime embedding instead of PyTorch."""

from __future__ import annotations

import json

import pytest
import torch
from tiny_bert import tiny_bert_folder

pytest.importorskip("transformers")
pytest.importorskip("onnxruntime")
from fastapi.testclient import TestClient  # noqa: E402

from siamkit.cli import run  # noqa: E402
from siamkit.core.errors import ConfigError  # noqa: E402
from siamkit.deploy.checkpoint import load_checkpoint, save_checkpoint  # noqa: E402
from siamkit.deploy.export import export_text_onnx  # noqa: E402
from siamkit.deploy.service.app import create_app  # noqa: E402
from siamkit.deploy.service.engine import Engine  # noqa: E402
from siamkit.nn.encoders.transformer import TransformerTextEncoder  # noqa: E402
from siamkit.nn.heads import DistanceHead  # noqa: E402
from siamkit.nn.models import SiameseNet  # noqa: E402

GALLERY = {"cat": "a cat sat on the mat", "car": "a big red car", "sea": "the blue sea and the sky"}


@pytest.fixture(scope="module")
def ckpt(tmp_path_factory):
    folder = tmp_path_factory.mktemp("textckpt")
    model = SiameseNet(TransformerTextEncoder.from_folder(tiny_bert_folder(folder / "bert", seed=5)), DistanceHead("cosine"))
    save_checkpoint(folder / "m.ckpt", model.eval(), {"threshold": 0.05, "score_kind": "distance", "input_kind": "text"})
    export_text_onnx(model, folder / "m.onnx", check=False)
    return folder / "m.ckpt"


def test_the_service_verifies_enrols_and_searches_texts(ckpt, tmp_path):
    with TestClient(create_app(ckpt, tmp_path / "g")) as client:
        health = client.get("/health").json()
        assert health["input_kind"] == "text" and health["runtime"] == "torch" and health["embedding_dim"] == 16
        same = client.post("/verify", data={"text1": "a cat sat", "text2": "a cat sat"}).json()
        other = client.post("/verify", data={"text1": "a cat sat", "text2": "the blue sea and the sky"}).json()
        assert same["score"] == pytest.approx(0, abs=1e-5) and same["same"] and other["score"] > same["score"]
        for item_id, text in GALLERY.items():
            assert client.post("/enroll", data={"id": item_id, "label": item_id, "text": text}).status_code == 200
        matches = client.post("/search", data={"text": "a big red car", "k": "2"}).json()["matches"]
        assert matches[0]["id"] == "car" and matches[0]["same"] and len(matches) == 2
        assert len(client.post("/embed", data={"text": "sky"}).json()["embedding"]) == 16
        missing = client.post("/verify", data={"text1": "a cat"})
        assert missing.status_code == 422 and "missing field 'text2'" in missing.json()["detail"]


def test_onnxruntime_embeds_as_torch_does(ckpt, tmp_path):
    torch_engine = Engine(load_checkpoint(ckpt), tmp_path / "a")
    onnx_engine = Engine(load_checkpoint(ckpt), tmp_path / "b", onnx=ckpt.with_suffix(".onnx"))
    assert onnx_engine.health()["runtime"] == "onnxruntime"
    a, b = "the dog sat on the mat", "a small blue car"
    assert onnx_engine.verify(a, b)["score"] == pytest.approx(torch_engine.verify(a, b)["score"], abs=1e-5)
    texts = list(GALLERY.values()) * 15  # more than one length-sorted sub-batch
    with torch.no_grad():
        expected = torch_engine._embed(torch_engine.inputs.many(texts))
    assert torch.allclose(onnx_engine._embed(onnx_engine.inputs.many(texts)), expected, atol=1e-5)


def test_an_onnx_file_of_another_model_is_refused(ckpt, tmp_path):
    other = SiameseNet(TransformerTextEncoder.from_folder(tiny_bert_folder(tmp_path / "b2", seed=9)), DistanceHead("cosine"))
    export_text_onnx(other, tmp_path / "other.onnx", check=False)
    with pytest.raises(ConfigError, match="does not embed like the checkpoint"):
        Engine(load_checkpoint(ckpt), tmp_path / "g", onnx=tmp_path / "other.onnx")


def test_cli_enrols_and_searches_texts(ckpt, tmp_path, capsys):
    gallery = str(tmp_path / "g")
    assert run(["enroll", str(ckpt), "--gallery", gallery, "--label", "animals", "--text", "a cat", "--text", "a dog"]) == 0
    capsys.readouterr()
    assert run(["search", str(ckpt), "--gallery", gallery, "--text", "a cat", "--json"]) == 0
    matches = json.loads(capsys.readouterr().out)
    assert matches[0]["id"] == "a cat" and matches[0]["label"] == "animals"
    assert run(["search", str(ckpt), "--gallery", gallery]) == 2
    assert "--text" in capsys.readouterr().err
