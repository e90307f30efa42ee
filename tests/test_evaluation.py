"""Pair verification metrics: AUC against scikit-learn, EER and TAR@FAR by hand, calibration that
never sees test labels, direction handled through score_kind."""

from __future__ import annotations

import pytest
import torch
from sklearn.metrics import f1_score, precision_score, recall_score, roc_auc_score

from siamkit.core.errors import ConfigError
from siamkit.evaluation.inference import embed_items
from siamkit.evaluation.metrics import (
    calibrate_and_test,
    calibrate_threshold,
    confusion_at,
    equal_error_rate,
    far_threshold,
    roc_auc,
    tar_at_far,
    verification_report,
)
from siamkit.nn.encoders import MLP
from siamkit.nn.heads import DistanceHead
from siamkit.nn.models import SiameseNet


def _scores(n=400, shift=1.0, seed=0):
    g = torch.Generator().manual_seed(seed)
    labels = (torch.rand(n, generator=g) < 0.5).long()
    return torch.randn(n, generator=g) + shift * labels, labels


def test_roc_auc_equals_scikit_learn():
    similarity, labels = _scores()
    assert roc_auc(similarity, labels) == pytest.approx(roc_auc_score(labels.numpy(), similarity.numpy()), abs=1e-12)


def test_eer_on_hand_computed_cases():
    # accept s >= t. At t=0.7: false accepts 1/3 (0.7), false rejects 1/3 (0.6): equal exactly.
    s = torch.tensor([0.9, 0.8, 0.7, 0.6, 0.5, 0.4])
    y = torch.tensor([1, 1, 0, 1, 0, 0])
    eer, threshold = equal_error_rate(s, y)
    assert eer == pytest.approx(1 / 3) and threshold == pytest.approx(0.7)
    # Between t=0.9 (FAR 0, FRR 1/2) and t=0.8 (FAR 1, FRR 1/2) the rates cross halfway: 0.5 at 0.85.
    eer, threshold = equal_error_rate(torch.tensor([0.9, 0.8, 0.7]), torch.tensor([1, 0, 1]))
    assert eer == pytest.approx(0.5) and threshold == pytest.approx(0.85)


def test_tar_at_far_and_far_threshold_by_hand():
    negatives = torch.arange(10) / 10  # 0.0 … 0.9
    positives = torch.tensor([0.95, 0.85, 0.5, 0.05])
    s, y = torch.cat([negatives, positives]), torch.tensor([0] * 10 + [1] * 4)
    assert tar_at_far(s, y, 0.1) == pytest.approx(0.5)  # accepts 0.95, 0.9 (neg), 0.85
    assert tar_at_far(s, y, 0.01) == pytest.approx(0.25)  # no false accept allowed
    assert far_threshold(s, y, 0.1) == pytest.approx(0.825)  # in the gap below 0.85
    with pytest.raises(ConfigError, match="false accept rate"):
        tar_at_far(s, y, 0.0)


def test_confusion_metrics_equal_scikit_learn():
    similarity, labels = _scores(seed=1)
    counts = confusion_at(similarity, labels, 0.5)
    predicted = (similarity >= 0.5).long().numpy()
    assert counts.precision == pytest.approx(precision_score(labels.numpy(), predicted))
    assert counts.recall == pytest.approx(recall_score(labels.numpy(), predicted))
    assert counts.f1 == pytest.approx(f1_score(labels.numpy(), predicted))
    assert counts.tp + counts.fp + counts.tn + counts.fn == len(labels)


def test_calibration_never_looks_at_test_labels():
    val_scores, val_labels = _scores(seed=2)
    test_scores, test_labels = _scores(seed=3)
    shuffled = test_labels[torch.randperm(len(test_labels), generator=torch.Generator().manual_seed(0))]
    for target_far in (None, 0.1, 0.01):
        t1, r1 = calibrate_and_test(val_scores, val_labels, test_scores, test_labels, "similarity", target_far)
        t2, r2 = calibrate_and_test(val_scores, val_labels, test_scores, shuffled, "similarity", target_far)
        t3, _ = calibrate_and_test(val_scores, val_labels, test_scores, 1 - test_labels, "similarity", target_far)
        assert t1 == t2 == t3 == calibrate_threshold(val_scores, val_labels, "similarity", target_far)
        assert r1.accuracy != r2.accuracy  # the test labels do matter to the test metrics


def test_far_calibration_meets_its_target_on_validation():
    scores, labels = _scores(n=4000, seed=4)
    for far in (0.1, 0.01, 0.001):
        threshold = calibrate_threshold(scores, labels, "similarity", target_far=far)
        counts = confusion_at(scores, labels, threshold)
        assert counts.fp / (counts.fp + counts.tn) <= far


def test_distance_and_similarity_give_mirrored_thresholds_and_equal_metrics():
    similarity, labels = _scores(seed=5)
    t_sim = calibrate_threshold(similarity, labels, "similarity")
    t_dist = calibrate_threshold(-similarity, labels, "distance")
    assert t_dist == pytest.approx(-t_sim)
    a = verification_report(similarity, labels, "similarity", t_sim).as_dict()
    b = verification_report(-similarity, labels, "distance", t_dist).as_dict()
    assert b["eer_threshold"] == pytest.approx(-a["eer_threshold"])
    for key in ("roc_auc", "eer", "accuracy", "precision", "recall", "f1", "tp", "fp", "tar_at_far"):
        assert a[key] == pytest.approx(b[key])
    assert set(a["tar_at_far"]) == {"1e-01", "1e-02", "1e-03"}


def test_embed_items_in_batches_equals_one_pass():
    torch.manual_seed(0)
    net = SiameseNet(MLP(in_features=12, embedding_dim=4), DistanceHead())
    x = torch.randn(50, 12)
    assert torch.allclose(embed_items(net, x, batch_size=7), net.eval().embed(x), atol=1e-6)
