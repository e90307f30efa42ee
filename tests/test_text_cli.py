"""Text training end to end: CLI train on a Quora-layout CSV, verify two strings, WordNet slice."""

from __future__ import annotations

import json
import random

import pytest

from siamkit.cli import run
from siamkit.core.errors import ConfigError
from siamkit.data import text as text_data
from siamkit.deploy.checkpoint import load_checkpoint
from siamkit.experiments.config import ExperimentConfig
from siamkit.experiments.image import run_training
from siamkit.nn.encoders.text import text_tokenizer
from siamkit.training.config import TrainConfig

ANIMALS = ["cat", "dog", "horse", "cow", "parrot", "goldfish", "lion", "tiger", "sheep", "goat"]


def _quora_csv(path, bad_rows: bool) -> None:
    rng = random.Random(0)
    rows = ["id,qid1,qid2,question1,question2,is_duplicate"]
    for i in range(240):
        a = rng.choice(ANIMALS)
        same = i % 2
        b = a if same else rng.choice([x for x in ANIMALS if x != a])
        rows.append(f'{i},{2 * i},{2 * i + 1},"How do I feed a {a}?","What should a {b} eat?",{same}')
    if bad_rows:
        rows.insert(3, '900,1,2,"","What should a cat eat?",1')  # line 4
        rows.insert(7, '901,1,2,"How?","Why?",yes')  # line 8
    path.write_text("\n".join(rows) + "\n")


@pytest.fixture(scope="module")
def text_run(tmp_path_factory):
    folder = tmp_path_factory.mktemp("textrun")
    _quora_csv(folder / "q.csv", bad_rows=True)
    code = run([
        "train", "--out", str(folder / "out"), "--pairs-csv", str(folder / "q.csv"), "--encoder", "gru",
        "--epochs", "4", "--batch-size", "32", "--lr", "0.01", "--embedding-dim", "16", "--quiet",
    ])
    return folder, code


def test_cli_trains_on_a_quora_csv_listing_skipped_rows(text_run, capsys):
    folder, code = text_run
    assert code == 0
    metrics = json.loads((folder / "out" / "metrics.json").read_text())
    assert metrics["skipped_rows"] == [
        "line 4: empty question1", "line 8: is_duplicate is 'yes', not 0 (different) or 1 (same)",
    ]
    assert metrics["roc_auc"] > 0.9
    assert set(metrics["baselines"]) == {"bow_cosine", "tfidf_cosine"}
    assert all(set(b) >= {"roc_auc", "accuracy"} for b in metrics["baselines"].values())
    assert metrics["lift_over_best_baseline"]["test"]["lift"] == metrics["roc_auc"] - max(b["roc_auc"] for b in metrics["baselines"].values())
    assert (folder / "out" / "roc.png").stat().st_size > 0


def test_checkpoint_keeps_the_vocabulary_and_verify_works_from_the_cli(text_run, capsys):
    folder, _ = text_run
    ckpt = folder / "out" / "model.ckpt"
    tokenizer = text_tokenizer(load_checkpoint(ckpt).model.encoder)
    assert "parrot" in tokenizer.stoi and load_checkpoint(ckpt).meta["input_kind"] == "text"
    capsys.readouterr()
    assert run(["verify", str(ckpt), "--text", "How do I feed a parrot?", "--text", "What should a parrot eat?", "--json"]) == 0
    same = json.loads(capsys.readouterr().out)
    assert run(["verify", str(ckpt), "--text", "How do I feed a parrot?", "--text", "What should a goat eat?", "--json"]) == 0
    different = json.loads(capsys.readouterr().out)
    assert same["same"] is True and different["same"] is False
    assert same["score"] < different["score"]  # cosine... distances: smaller = alike


def test_strict_rows_refuses_the_file_naming_the_lines(tmp_path, capsys):
    _quora_csv(tmp_path / "q.csv", bad_rows=True)
    code = run(["train", "--out", str(tmp_path / "o"), "--pairs-csv", str(tmp_path / "q.csv"), "--encoder", "gru", "--strict-rows"])
    err = capsys.readouterr().err
    assert code == 2 and "line 4: empty question1" in err and "line 8" in err


def test_verify_text_errors(text_run, trained_run, capsys):
    folder, _ = text_run
    assert run(["verify", str(folder / "out" / "model.ckpt"), "--text", "only one"]) == 2
    assert "two --text" in capsys.readouterr().err
    image_ckpt = trained_run[0] / "model.ckpt"
    assert run(["verify", str(image_ckpt), "--text", "a", "--text", "b"]) == 2
    assert "IMAGE1 IMAGE2" in capsys.readouterr().err


@pytest.mark.parametrize("command", [
    ["eval", "--dataset", "digits"], ["oneshot", "--dataset", "digits"], ["doctor", "--dataset", "digits"],
    ["export", "--onnx", "TMP/m.onnx"], ["enroll", "x.png", "--label", "a", "--gallery", "TMP/gallery"],
])
def test_image_commands_name_the_text_model_and_what_to_use(text_run, command, tmp_path, capsys):
    folder, _ = text_run
    args = [arg.replace("TMP", str(tmp_path)) for arg in command[1:]]
    assert run([command[0], str(folder / "out" / "model.ckpt"), *args]) == 2
    err = capsys.readouterr().err
    assert "holds a text model" in err and "--text A --text B" in err and "Traceback" not in err


def test_image_commands_send_a_tracker_to_siamkit_track(tmp_path, capsys):
    from siamkit.deploy.checkpoint import save_checkpoint
    from siamkit.tracking import SiamFC

    save_checkpoint(tmp_path / "tracker.ckpt", SiamFC(), {"task": "tracking"})
    for command in (["eval"], ["export", "--onnx", str(tmp_path / "m.onnx")]):
        assert run([command[0], str(tmp_path / "tracker.ckpt"), *command[1:]]) == 2
        assert "SiamFC object tracker" in capsys.readouterr().err


def test_wordnet_gloss_slice_trains_with_a_baseline_side_by_side(tmp_path, monkeypatch):
    monkeypatch.setitem(text_data.TEXT_PAIR_DATASETS, "wordnet-gloss", lambda: text_data.wordnet_gloss(limit_per_split=200))
    config = ExperimentConfig(
        dataset="wordnet-gloss", encoder="text_pool", tokenizer="trigram", metric="cosine", embedding_dim=16,
        train=TrainConfig(epochs=1, batch_size=64, progress=False),
    )
    metrics = run_training(config, tmp_path)
    assert metrics["pairs"] == {"train": 200, "val": 200, "test": 200}
    assert 0.0 <= metrics["roc_auc"] <= 1.0 and 0.5 < metrics["baselines"]["bow_cosine"]["roc_auc"] < 1.0
    with pytest.raises(ConfigError, match="takes images"):
        run_training(ExperimentConfig(dataset="wordnet-gloss", encoder="lenet"), tmp_path)
