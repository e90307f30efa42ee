"""The report renders: every PNG is a valid image, index.html shows them all with the metrics
table; eval --report and oneshot work from the command line; training writes the report."""

from __future__ import annotations

import json
import re

import pytest
import torch
from PIL import Image

from siamkit.cli import run
from siamkit.deploy.checkpoint import load_checkpoint, save_checkpoint
from siamkit.experiments.evaluate import report_checkpoint
from siamkit.nn.encoders import LeNet
from siamkit.nn.heads import DistanceHead
from siamkit.nn.models import SiameseNet
from siamkit.training.config import TrainConfig

EXPECTED = {
    "roc.png", "roc_log.png", "hist_test.png", "hist_unseen.png", "embedding.png",
    "hard_pairs_test.png", "hard_pairs_unseen.png",
}


@pytest.fixture(scope="module")
def tiny_checkpoint(tmp_path_factory):
    """An untrained tiny LeNet with the metadata `siamkit train` writes, and a history.csv beside it."""
    torch.manual_seed(0)
    folder = tmp_path_factory.mktemp("run")
    model = SiameseNet(LeNet(in_channels=1, embedding_dim=8), DistanceHead())
    meta = {
        "threshold": 0.5,
        "score_kind": "distance",
        "input_shape": [1, 8, 8],
        "dataset": "digits",
        "split": {"held_out": ["7", "8", "9"], "fractions": [0.7, 0.15, 0.15], "seed": 0},
        "eval_pairs": 300,
    }
    save_checkpoint(folder / "model.ckpt", model, meta)
    (folder / "history.csv").write_text("epoch,train_loss,val_loss\n0,0.30,0.25\n1,0.20,0.22\n")
    return folder / "model.ckpt"


def _check_report(folder, expected):
    for name in expected:
        with Image.open(folder / name) as image:
            image.verify()
            assert image.format == "PNG"
    page = (folder / "index.html").read_text()
    referenced = set(re.findall(r'<img src="([^"]+)"', page))
    assert referenced == {p.name for p in folder.glob("*.png")}
    assert expected <= referenced
    return page


def test_report_renders_every_plot_and_the_metrics_table(tiny_checkpoint, tmp_path):
    metrics = report_checkpoint(load_checkpoint(tiny_checkpoint), "digits", report_dir=tmp_path,
                                history_path=tiny_checkpoint.parent / "history.csv")
    page = _check_report(tmp_path, EXPECTED | {"loss.png"})
    for metric in ("roc_auc", "eer", "tar_at_far.1e-03", "retrieval.map_at_r", "retrieval.recall_at.10", "few_shot.accuracy"):
        assert f"<td>{metric}</td>" in page
    assert "test (seen classes)" in page and "unseen classes" in page
    assert metrics["threshold"] == 0.5 and metrics["unseen_classes"]["classes"] == ["7", "8", "9"]
    assert json.loads((tmp_path / "metrics.json").read_text())["roc_auc"] == pytest.approx(metrics["roc_auc"])


def test_cli_eval_with_report_and_oneshot(tiny_checkpoint, tmp_path, capsys):
    assert run(["eval", str(tiny_checkpoint), "--dataset", "digits", "--split", "test",
                "--pairs", "200", "--report", str(tmp_path), "--json"]) == 0
    metrics = json.loads(capsys.readouterr().out)
    assert metrics["parts"] == ["test"] and "map_at_r" in metrics["retrieval"]
    _check_report(tmp_path, {"roc.png", "hist_test.png", "embedding.png", "hard_pairs_test.png"})

    assert run(["oneshot", str(tiny_checkpoint), "--ways", "3", "--episodes", "20", "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["split"] == "unseen" and result["classes"] == ["7", "8", "9"]
    assert 0.0 <= result["accuracy"] <= 1.0 and result["ci95"] >= 0.0

    assert run(["oneshot", str(tiny_checkpoint), "--ways", "5", "--episodes", "5"]) == 2
    assert "needs 5 classes" in capsys.readouterr().err
    assert run(["eval", str(tiny_checkpoint), "--split", "nonsense"]) == 2


def test_training_writes_the_report(tmp_path):
    from siamkit.experiments.config import ExperimentConfig
    from siamkit.experiments.image import run_training

    config = ExperimentConfig(
        encoder="mlp", embedding_dim=8, train_pairs=256, eval_pairs=200,
        train=TrainConfig(epochs=1, batch_size=128, progress=False),
    )
    run_training(config, tmp_path)
    _check_report(tmp_path / "report", EXPECTED | {"loss.png"})
