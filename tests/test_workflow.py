import json

import pytest
import torch

from siamkit.core.errors import DataError
from siamkit.data import digits
from siamkit.deploy.checkpoint import load_checkpoint
from siamkit.evaluation.metrics import accuracy_at, best_accuracy_threshold, equal_error_rate, roc_auc
from siamkit.experiments.evaluate import report_checkpoint
from siamkit.experiments.splits import split_data


def test_training_run_writes_every_artifact(trained_run):
    out, metrics = trained_run
    for name in ("model.ckpt", "metrics.json", "history.csv", "loss.png", "roc.png", "samples/0_a.png"):
        assert (out / name).is_file(), name
    on_disk = json.loads((out / "metrics.json").read_text())
    for key in ("roc_auc", "eer", "threshold", "accuracy"):
        assert on_disk[key] == pytest.approx(metrics[key])
    assert on_disk["unseen_classes"]["classes"] == ["7", "8", "9"]
    assert (out / "loss.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_even_a_tiny_run_learns_the_seen_classes(trained_run):
    _, metrics = trained_run
    assert metrics["roc_auc"] > 0.9
    assert metrics["accuracy"] > 0.75


def test_eval_reproduces_the_training_split_and_numbers(trained_run):
    out, metrics = trained_run
    again = report_checkpoint(load_checkpoint(out / "model.ckpt"), "digits")
    assert again["roc_auc"] == pytest.approx(metrics["roc_auc"])
    assert again["unseen_classes"]["roc_auc"] == pytest.approx(metrics["unseen_classes"]["roc_auc"])


def test_split_holds_out_whole_classes_and_keeps_parts_disjoint():
    splits = split_data(digits(), ["7", "8", "9"], (0.7, 0.15, 0.15), seed=0)
    assert set(splits.unseen.classes()) == {7, 8, 9}
    for part in (splits.train, splits.val, splits.test):
        assert set(part.classes()) == set(range(7))
    total = len(splits.train) + len(splits.val) + len(splits.test) + len(splits.unseen)
    assert total == 1797
    with pytest.raises(DataError, match="not in digits"):
        split_data(digits(), ["eleven"], (0.7, 0.15, 0.15), seed=0)


def test_metrics_on_a_hand_made_case():
    similarity = torch.tensor([0.9, 0.8, 0.7, 0.6, 0.4, 0.3])
    labels = torch.tensor([1, 1, 0, 1, 0, 0])
    # 9 positive/negative comparisons, 8 ordered correctly (0.7 beats 0.6)
    assert roc_auc(similarity, labels) == pytest.approx(8 / 9)
    eer, threshold = equal_error_rate(similarity, labels)
    assert eer == pytest.approx(1 / 3)
    assert 0.6 <= threshold <= 0.7
    t = best_accuracy_threshold(similarity, labels)
    assert accuracy_at(similarity, labels, t) == pytest.approx(5 / 6)
