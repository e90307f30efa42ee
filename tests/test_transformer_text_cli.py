"""``siamkit train --encoder hf`` end to end on a Quora-layout CSV with bad rows (a tiny random BERT built in
the test), then ``siamkit verify --text`` on the checkpoint it wrote."""

from __future__ import annotations

import json

import pytest
from test_text_cli import _quora_csv
from tiny_bert import tiny_bert_folder

pytest.importorskip("transformers")

from siamkit.cli import run  # noqa: E402
from siamkit.deploy.checkpoint import load_checkpoint  # noqa: E402


@pytest.fixture(scope="module")
def hf_run(tmp_path_factory):
    folder = tmp_path_factory.mktemp("hfrun")
    _quora_csv(folder / "q.csv", bad_rows=True)
    bert = tiny_bert_folder(folder / "bert")
    code = run([
        "train", "--out", str(folder / "out"), "--pairs-csv", str(folder / "q.csv"), "--encoder", "hf",
        "--model-path", str(bert), "--loss", "mnrl", "--epochs", "2", "--batch-size", "32", "--lr", "3e-3",
        "--warmup-steps", "2", "--lr-schedule", "linear", "--accumulate-grad-batches", "1", "--max-length", "16",
        "--precision", "bf16-mixed", "--quiet",
    ])
    return folder, code


def test_training_a_transformer_on_a_pair_csv_reports_the_zero_shot_baseline(hf_run):
    folder, code = hf_run
    assert code == 0
    metrics = json.loads((folder / "out" / "metrics.json").read_text())
    assert metrics["skipped_rows"] == [
        "line 4: empty question1", "line 8: is_duplicate is 'yes', not 0 (different) or 1 (same)",
    ]
    zero_shot = metrics["baselines"]["pretrained_zero_shot"]["roc_auc"]
    assert metrics["roc_auc"] > max(zero_shot, 0.8)
    meta = load_checkpoint(folder / "out" / "model.ckpt").meta
    assert meta["score_kind"] == "distance" and meta["experiment"]["embedding_dim"] == 16


def test_verify_two_texts_with_the_transformer_checkpoint(hf_run, capsys):
    folder, _ = hf_run
    ckpt = str(folder / "out" / "model.ckpt")
    capsys.readouterr()
    assert run(["verify", ckpt, "--text", "How do I feed a parrot?", "--text", "What should a parrot eat?", "--json"]) == 0
    same = json.loads(capsys.readouterr().out)
    assert run(["verify", ckpt, "--text", "How do I feed a parrot?", "--text", "What should a goat eat?", "--json"]) == 0
    different = json.loads(capsys.readouterr().out)
    assert same["score"] < different["score"] and same["same"] and not different["same"]


def test_model_path_goes_with_the_hf_encoder_only(tmp_path, capsys):
    assert run(["train", "--out", str(tmp_path), "--dataset", "wordnet-gloss", "--encoder", "hf"]) == 2
    assert "--model-path" in capsys.readouterr().err
