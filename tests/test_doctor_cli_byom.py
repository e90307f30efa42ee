"""``siamkit doctor --model FILE.py:factory``: the user's own code diagnosed from the command line."""

from __future__ import annotations

import json
from pathlib import Path

from siamkit.cli import run

SEEDS = Path(__file__).resolve().parent / "doctor_seeds.py"


def test_seed000_from_the_cli_names_the_final_relu_and_the_tiny_lr(capsys):
    code = run([
        "doctor", "--model", f"{SEEDS}:seed000_model", "--data", f"{SEEDS}:seed000_loader", "--loss", "BCELoss",
        "--optimizer", "sgd", "--lr", "1e-6", "--pairs", "128", "--steps", "20", "--json",
    ])
    report = json.loads(capsys.readouterr().out)
    assert code == 1 and report["complete"]
    errors = {f["id"] for f in report["findings"] if f["severity"] == "error"}
    assert {"model.output_activation", "dynamics.learning_rate"} <= errors
    assert "torch.stack([x1, x2], 1)" in report["layout"]
    assert next(f for f in report["findings"] if f["id"] == "doctor.layout")["evidence"]["call"] == "stack1"


def test_explicit_layout_and_a_dataset_name(capsys):
    code = run([
        "doctor", "--model", f"{SEEDS}:seed000_fixed_model", "--dataset", "digits", "--layout", "pair",
        "--loss", "BCELoss", "--pairs", "32", "--steps", "2",
    ])
    assert code == 2  # the layout given cannot call a forward(data) model: a clear error, no traceback
    err = capsys.readouterr().err
    assert "cannot call SiameseCNN" in err and "forward(x1, x2)" in err


def test_missing_file_or_factory_is_a_clear_error(tmp_path, capsys):
    assert run(["doctor", "--model", f"{tmp_path}/nope.py:build", "--dataset", "digits"]) == 2
    assert "no such file" in capsys.readouterr().err
    assert run(["doctor", "--model", f"{SEEDS}:no_such_factory", "--dataset", "digits"]) == 2
    err = capsys.readouterr().err
    assert "has no function 'no_such_factory'" in err and "seed000_model" in err
    assert run(["doctor", "--model", "model.py", "--dataset", "digits"]) == 2
    assert "FILE.py:factory" in capsys.readouterr().err
    assert run(["doctor"]) == 2
    assert "either a checkpoint or --model" in capsys.readouterr().err
