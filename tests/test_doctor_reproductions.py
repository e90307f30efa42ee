"""The three shipped reproductions (examples/doctor_*.py): doctor names the right cause for each;
a healthy trained model (the demo set-up on digits) gets no error; the CLI prints JSON and exit codes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch
from conftest import load_module, tiny_experiment

from siamkit.cli import run
from siamkit.data import digits
from siamkit.deploy.checkpoint import load_checkpoint
from siamkit.doctor import diagnose
from siamkit.doctor.checkpoint import score_kind_loss
from siamkit.experiments.image import run_training

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


def load_example(name: str):
    return load_module(EXAMPLES / f"{name}.py")


@pytest.mark.parametrize(
    "example", ["doctor_identical_pairs", "doctor_concat_head", "doctor_relu_sgd"]
)
def test_reproduction_names_its_cause(example):
    module = load_example(example)
    diagnosis = diagnose(**module.build(quick=True), num_pairs=128, steps=20)
    assert module.EXPECTED <= {f.id for f in diagnosis.errors}, diagnosis.to_dict()


def test_example_main_reports_the_cause(capsys):
    assert load_example("doctor_identical_pairs").main(["--quick"]) == 0
    out = capsys.readouterr().out
    assert "data.identical_pairs" in out and "items[pairs[k, 0]]" in out


def test_healthy_trained_model_has_no_error(trained_run, capsys):
    out, _ = trained_run
    assert run(["doctor", str(out / "model.ckpt"), "--dataset", "digits", "--json", "--pairs", "128", "--steps", "30"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["ok"] and not [f for f in report["findings"] if f["severity"] == "error"]
    assert report["checks"]["data.train_test_overlap"] == "ran"


def test_cli_exits_1_on_an_error_finding(trained_run, capsys):
    out, _ = trained_run
    # BCE on a distance model treats "far apart" as "same": the convention is inverted
    assert run(["doctor", str(out / "model.ckpt"), "--loss", "bce", "--pairs", "64", "--steps", "30"]) == 1
    assert "loss.convention" in capsys.readouterr().out


def test_doctor_help(capsys):
    assert run(["doctor", "--help"]) == 0
    assert "--json" in capsys.readouterr().out


@pytest.fixture(scope="module")
def triplet_run(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("triplet-run")
    run_training(tiny_experiment(loss="triplet", mining="semi_hard"), out)
    return out


def test_triplet_trained_model_is_probed_with_pairs(triplet_run, capsys):
    """The triplet loss needs class labels, not pairs: the doctor probes such a model with a contrastive
    loss instead of failing on the pair scores, and refuses --loss triplet with a fix."""
    ckpt = str(triplet_run / "model.ckpt")
    assert run(["doctor", ckpt, "--dataset", "digits", "--json", "--pairs", "128", "--steps", "30"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["ok"] and report["checks"]["dynamics.overfit_one_batch"] == "ran"
    assert run(["doctor", ckpt, "--loss", "triplet"]) == 2
    assert "use --loss contrastive" in capsys.readouterr().err


def test_contrastive_probe_margin_follows_the_distance_scale(triplet_run):
    checkpoint = load_checkpoint(triplet_run / "model.ckpt")
    train = digits()
    margin = score_kind_loss(checkpoint, train, seed=0).margin
    last = [m for m in checkpoint.model.modules() if isinstance(m, torch.nn.Linear)][-1]
    with torch.no_grad():
        last.weight.mul_(10.0)
        last.bias.mul_(10.0)
    assert score_kind_loss(checkpoint, train, seed=0).margin == pytest.approx(10.0 * margin, rel=1e-4)
