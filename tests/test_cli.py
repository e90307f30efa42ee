import json
import subprocess
import sys

import pytest
from PIL import Image

from siamkit.cli import run

COMMANDS = [
    "train", "eval", "verify", "enroll", "search", "serve", "export", "oneshot", "doctor", "compare", "track",
    "train-tracker",
]


def test_commands_are_listed_in_order():
    import typer

    from siamkit.cli import app

    assert list(typer.main.get_command(app).commands) == COMMANDS


@pytest.mark.parametrize("command", [[], *([c] for c in COMMANDS)])
def test_help_for_every_command(command, capsys):
    assert run([*command, "--help"]) == 0
    out = capsys.readouterr().out
    assert "Usage" in out and "(dynamic)" not in out  # defaults read from the configs are shown as values


def test_verify_decides_with_the_calibrated_threshold(trained_run, capsys):
    out, _ = trained_run
    samples = out / "samples"
    assert run(["verify", str(out / "model.ckpt"), str(samples / "0_a.png"), str(samples / "1_a.png"), "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["score_kind"] == "distance" and result["rule"] == "distance <= threshold"
    assert result["same"] == (result["score"] <= result["threshold"])


def test_eval_prints_json_metrics(trained_run, capsys):
    out, metrics = trained_run
    assert run(["eval", str(out / "model.ckpt"), "--dataset", "digits", "--json"]) == 0
    printed = json.loads(capsys.readouterr().out)
    assert printed["roc_auc"] == pytest.approx(metrics["roc_auc"])


def _error(argv, capsys) -> str:
    assert run(argv) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err and err.count("\n") == 1
    return err


def test_missing_checkpoint(tmp_path, capsys):
    err = _error(["verify", str(tmp_path / "none.ckpt"), "a.png", "b.png"], capsys)
    assert "checkpoint not found" in err


def test_unreadable_image(trained_run, tmp_path, capsys):
    out, _ = trained_run
    bad = tmp_path / "bad.png"
    bad.write_text("hello")
    err = _error(["verify", str(out / "model.ckpt"), str(bad), str(out / "samples" / "0_a.png")], capsys)
    assert "cannot read image" in err and "bad.png" in err


def test_wrong_image_shape_needs_resize(trained_run, tmp_path, capsys):
    out, _ = trained_run
    big = tmp_path / "big.png"
    Image.new("L", (28, 28), 200).save(big)
    sample = str(out / "samples" / "0_a.png")
    err = _error(["verify", str(out / "model.ckpt"), str(big), sample], capsys)
    assert "28×28" in err and "--resize" in err
    assert run(["verify", str(out / "model.ckpt"), str(big), sample, "--resize"]) == 0


def test_unknown_dataset_and_encoder(tmp_path, capsys):
    assert "unknown dataset 'nope'" in _error(["train", "--out", str(tmp_path), "--dataset", "nope"], capsys)
    assert "unknown encoder 'vgg'" in _error(["train", "--out", str(tmp_path), "--encoder", "vgg"], capsys)


def test_bad_augmentation_and_lr_schedule(tmp_path, capsys):
    assert "unknown augmentation 'warp'" in _error(["train", "--out", str(tmp_path), "--augment", "shift,warp"], capsys)
    assert "unknown lr schedule 'step'" in _error(["train", "--out", str(tmp_path), "--lr-schedule", "step"], capsys)
    text = ["train", "--out", str(tmp_path), "--dataset", "wordnet-gloss", "--encoder", "text_pool", "--augment", "flip"]
    assert "--augment works on images, not text" in _error(text, capsys)


def test_bad_option_value_is_a_usage_error(capsys):
    assert run(["train", "--out", "x", "--epochs", "zero"]) == 2
    assert "Traceback" not in capsys.readouterr().err


def test_console_script_exits_2_without_traceback(tmp_path):
    proc = subprocess.run(
        [sys.executable, "-m", "siamkit", "verify", str(tmp_path / "m.ckpt"), "a.png", "b.png"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 2
    assert proc.stderr.startswith("siamkit: error: checkpoint not found") and "Traceback" not in proc.stderr
