import numpy as np
import onnx
import pytest
import torch
from deploy_helpers import make_checkpoint
from torch import nn

from siamkit.cli import run
from siamkit.core.errors import DataError
from siamkit.deploy.export import FixedSizeAdaptiveAvgPool2d, export_onnx, exportable, head_path, onnx_session
from siamkit.nn.encoders import build_encoder
from siamkit.nn.heads import ClassifierHead, DistanceHead
from siamkit.nn.models import SiameseNet

INPUT_SHAPE = (1, 8, 8)


@pytest.mark.parametrize("encoder_name", ["lenet", "mlp"])
@pytest.mark.parametrize("head", ["distance", "cosine", "classifier"])
def test_onnx_matches_pytorch_with_a_dynamic_batch(encoder_name, head, tmp_path):
    torch.manual_seed(0)
    encoder = build_encoder(encoder_name, INPUT_SHAPE, 16)
    pair_head = ClassifierHead(16, ("abs", "prod"), (8,)) if head == "classifier" else DistanceHead(
        "cosine" if head == "cosine" else "euclidean"
    )
    model = SiameseNet(encoder, pair_head).eval()
    result = export_onnx(model, INPUT_SHAPE, tmp_path / "m.onnx")
    assert set(result.files) == {"encoder", "head"} and result.files["head"] == tmp_path / "m.head.onnx"
    assert max(result.max_abs_diff.values()) <= 1e-4
    onnx.checker.check_model(str(result.files["encoder"]))
    # Independent check at a batch size the export never saw.
    x = torch.rand(7, *INPUT_SHAPE, generator=torch.Generator().manual_seed(1))
    embeddings = onnx_session(result.files["encoder"]).run(None, {"input": x.numpy()})[0]
    with torch.no_grad():
        expected = model.embed(x).numpy()
    assert embeddings.shape == (7, 16) and np.abs(embeddings - expected).max() <= 1e-4
    a, b = embeddings[:3], embeddings[4:]
    scores = onnx_session(result.files["head"]).run(None, {"a": a, "b": b})[0]
    with torch.no_grad():
        expected_scores = model.head(torch.from_numpy(a), torch.from_numpy(b)).numpy()
    assert scores.shape == (3,) and np.abs(scores - expected_scores).max() <= 1e-4


@pytest.mark.parametrize("encoder_name, shape", [("small_cnn", (1, 40, 50)), ("resnet18", (3, 64, 64))])
def test_cnn_encoders_export_within_1e_4(encoder_name, shape, tmp_path):
    torch.manual_seed(0)
    model = SiameseNet(build_encoder(encoder_name, shape, 32), DistanceHead()).eval()
    result = export_onnx(model, shape, tmp_path / "m.onnx")
    assert max(result.max_abs_diff.values()) <= 1e-4
    x = torch.rand(3, *shape, generator=torch.Generator().manual_seed(1))
    embeddings = onnx_session(result.files["encoder"]).run(None, {"input": x.numpy()})[0]
    with torch.no_grad():
        assert np.abs(embeddings - model.embed(x).numpy()).max() <= 1e-4


def test_adaptive_pools_are_rewritten_exactly():
    x = torch.rand(3, 5, 7, 9, generator=torch.Generator().manual_seed(0))
    for out in [(4, 4), (3, 5), (1, 1), (7, 9), (10, 2)]:
        expected = nn.AdaptiveAvgPool2d(out)(x)
        torch.testing.assert_close(FixedSizeAdaptiveAvgPool2d((7, 9), out)(x), expected, atol=1e-6, rtol=1e-5)
    net = nn.Sequential(nn.Conv2d(5, 2, 1), nn.AdaptiveAvgPool2d((None, 3)))
    rewritten = exportable(net, x)
    assert isinstance(rewritten[1], FixedSizeAdaptiveAvgPool2d) and isinstance(net[1], nn.AdaptiveAvgPool2d)
    torch.testing.assert_close(rewritten(x), net(x), atol=1e-6, rtol=1e-5)


def test_a_bare_encoder_exports_without_head(tmp_path):
    result = export_onnx(build_encoder("lenet", (3, 12, 10), 4), (3, 12, 10), tmp_path / "enc.onnx")
    assert set(result.files) == {"encoder"} and result.max_abs_diff["encoder"] <= 1e-4


def test_parity_failure_is_reported(tmp_path, monkeypatch):
    import siamkit.deploy.export as export

    monkeypatch.setattr(export, "_max_diff", lambda *args: 0.5)
    with pytest.raises(DataError, match="differs from PyTorch by 0.5"):
        export_onnx(build_encoder("mlp", INPUT_SHAPE, 4), INPUT_SHAPE, tmp_path / "m.onnx")


def test_cli_export_prints_the_difference(tmp_path, capsys):
    ckpt = make_checkpoint(tmp_path / "model.ckpt", head="classifier")
    assert run(["export", str(ckpt), "--onnx", str(tmp_path / "out" / "model.onnx")]) == 0
    out = capsys.readouterr().out
    assert "encoder:" in out and "head:" in out and out.count("max |onnxruntime − torch|") == 2
    assert (tmp_path / "out" / "model.onnx").is_file() and head_path(tmp_path / "out" / "model.onnx").is_file()
    assert run(["export", str(tmp_path / "missing.ckpt"), "--onnx", str(tmp_path / "x.onnx")]) == 2
