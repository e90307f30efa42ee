"""Every worked example in examples/ runs end to end in --quick mode and writes its outputs.

The examples are imported and their ``main`` called in this process (imports and the MNIST parse are
paid once); examples/ goes on ``sys.path`` as it does when a script runs, so examples can reuse each
other's set-ups.
"""

from __future__ import annotations

import importlib
from pathlib import Path

import pytest

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


@pytest.fixture(autouse=True)
def examples_on_path(monkeypatch):
    monkeypatch.syspath_prepend(str(EXAMPLES))


def quick(name: str, out: Path, capsys):
    result = importlib.import_module(name).main(["--quick", "--out", str(out)])
    return result, capsys.readouterr().out


def test_every_example_is_smoke_tested():
    tested = {"mnist_contrastive_2d", "custom_autograd_loss", "grayscale_pairs_three_ways", "same_color_resnet",
              "triplet_mnist", "verify_service", "crossmodal_digits",
              "doctor_identical_pairs", "doctor_concat_head", "doctor_relu_sgd"}
    assert {p.stem for p in EXAMPLES.glob("*.py")} == tested  # doctor_* run in test_doctor_reproductions.py


def test_mnist_contrastive_2d(tmp_path, capsys):
    numbers, out = quick("mnist_contrastive_2d", tmp_path, capsys)
    assert 0.0 <= numbers["seen_auc"] <= 1.0 and 0.0 <= numbers["unseen_3way_1shot"] <= 1.0
    assert "'same'" in out and "3-way 1-shot" in out
    assert (tmp_path / "embedding_2d.png").stat().st_size > 0 and (tmp_path / "loss.png").is_file()


def test_custom_autograd_loss_matches_autograd(tmp_path, capsys):
    numbers, out = quick("custom_autograd_loss", tmp_path, capsys)
    assert numbers["gradcheck"] and numbers["steps"] > 0
    assert numbers["max_curve_gap"] < 1e-5  # the hand-written backward trains exactly like autograd
    assert "gradcheck of the hand-written backward (float64): passed" in out
    assert (tmp_path / "curves.png").is_file()


def test_grayscale_pairs_three_ways(tmp_path, capsys):
    rows, out = quick("grayscale_pairs_three_ways", tmp_path, capsys)
    assert [r["model"] for r in rows] == ["siamese SmallCNN", "2-channel SmallCNN", "single-image classifier"]
    assert "model.output_activation" in out and "dynamics.learning_rate" in out
    assert (tmp_path / "results.json").is_file()


def test_same_color_resnet(tmp_path, capsys):
    rows, out = quick("same_color_resnet", tmp_path, capsys)
    assert [r["head"] for r in rows] == ["concat + linear", "prod + linear", "abs + linear"]
    assert "model.head_capacity" in out


def test_triplet_mnist(tmp_path, capsys):
    numbers, out = quick("triplet_mnist", tmp_path, capsys)
    assert 0.0 <= numbers["trained"]["recall@1"] <= 1.0 and 0.0 <= numbers["trained"]["map@r"] <= 1.0
    assert "Recall@1" in out and "MAP@R" in out


def test_verify_service(tmp_path, capsys):
    numbers, out = quick("verify_service", tmp_path, capsys)
    assert 0.0 <= numbers["verify_accuracy"] <= 1.0 and 0.0 <= numbers["search_top1_accuracy"] <= 1.0
    assert "service stopped" in out and (tmp_path / "model.ckpt").is_file() and (tmp_path / "gallery").is_dir()


def test_crossmodal_digits(tmp_path, capsys):
    metrics, out = quick("crossmodal_digits", tmp_path, capsys)
    assert 0.0 <= metrics["test"]["accuracy"] <= 1.0
    assert "text → image" in out and "image → text" in out
    assert (tmp_path / "metrics.json").is_file()

