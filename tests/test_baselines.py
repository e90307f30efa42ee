"""Untrained baselines: scored on the model's own pairs, PCA from training items only, lifts and the
``transfer.below_baseline`` finding."""

from __future__ import annotations

import pytest
import torch

from siamkit.data import PairDataset, digits
from siamkit.evaluation.baselines import PCAProjection, below_baseline, evaluate_baselines, part_lifts
from siamkit.evaluation.metrics import roc_auc
from siamkit.evaluation.parts import PART_SEED_OFFSETS


@pytest.fixture(scope="module")
def parts():
    data = digits()
    order = torch.randperm(len(data), generator=torch.Generator().manual_seed(0))
    seen = [i for i in order.tolist() if int(data.y[i]) < 7]
    unseen = [i for i in order.tolist() if int(data.y[i]) >= 7]
    return data.subset(seen[:600]), data.subset(seen[600:800]), data.subset(seen[800:1000]), data.subset(unseen[:300])


def test_baselines_score_the_very_pairs_the_model_is_scored_on(parts):
    train, val, test, unseen = parts
    val_pairs = PairDataset(val, 200, seed=11)
    metrics, results = evaluate_baselines(train, val_pairs, {"test": test, "unseen": unseen}, 300, 7, ["7", "8", "9"])
    # The pairs the trained model's evaluate_parts draws for "unseen" with the same seed:
    pairs = PairDataset(unseen, 300, seed=7 + PART_SEED_OFFSETS["unseen"])
    x1, x2, labels = (torch.stack(t) for t in zip(*(pairs[i] for i in range(len(pairs)))))
    expected = roc_auc(-(x1.flatten(1).float() - x2.flatten(1).float()).norm(dim=1), labels)
    assert metrics["raw_l2"]["unseen_classes"]["roc_auc"] == pytest.approx(expected, abs=1e-9)
    assert results["raw_l2"][1].pairs.labels.tolist() == pairs.labels.tolist()
    assert set(metrics) == {"raw_l2", "raw_cosine", "pca_l2"}


def test_pca_is_fitted_on_training_items_only(parts):
    train, _, _, unseen = parts
    pca = PCAProjection(8).fit(train.x)
    assert torch.allclose(pca.mean, train.x.flatten(1).float().mean(0), atol=1e-5)
    assert torch.allclose(pca.axes.T @ pca.axes, torch.eye(8), atol=1e-4)
    other = PCAProjection(8).fit(unseen.x)
    assert not torch.allclose(pca.mean, other.mean)


def _metrics(model_seen: float, model_unseen: float, base_seen: float, base_unseen: float) -> tuple[dict, dict]:
    metrics = {"parts": ["test", "unseen"], "roc_auc": model_seen, "unseen_classes": {"roc_auc": model_unseen}}
    baselines = {"raw_l2": {"roc_auc": base_seen, "unseen_classes": {"roc_auc": base_unseen}},
                 "pca_l2": {"roc_auc": base_seen - 0.1, "unseen_classes": {"roc_auc": base_unseen - 0.1}}}
    return metrics, baselines


def test_below_baseline_fires_on_the_part_the_model_loses_and_not_where_it_wins():
    lifts = part_lifts(*_metrics(0.95, 0.70, 0.90, 0.82))
    assert lifts["test"]["lift"] == pytest.approx(0.05) and lifts["test"]["best_baseline"] == "raw_l2"
    assert lifts["unseen_classes"]["lift"] == pytest.approx(-0.12)
    messages = below_baseline(lifts)
    assert len(messages) == 1 and messages[0].startswith("transfer.below_baseline: on unseen classes")
    assert below_baseline(part_lifts(*_metrics(0.95, 0.90, 0.90, 0.82))) == []
    assert below_baseline(part_lifts(*_metrics(1.0, 0.9, 1.0, 0.8))) == []  # a tie with a perfect baseline
    assert len(below_baseline(part_lifts(*_metrics(0.9, 0.9, 0.9, 0.8)))) == 1  # a tie below 1 is no lift


def test_an_untrained_model_is_below_the_raw_pixel_baseline_on_digits(parts):
    from siamkit.evaluation.calibrated import calibrate
    from siamkit.evaluation.parts import evaluate_parts
    from siamkit.nn.encoders import build_encoder
    from siamkit.nn.heads import DistanceHead
    from siamkit.nn.models import SiameseNet

    train, val, test, unseen = parts
    torch.manual_seed(0)
    untrained = SiameseNet(build_encoder("lenet", train.input_shape, 2), DistanceHead("euclidean")).eval()
    val_pairs = PairDataset(val, 200, seed=1)
    part_sets = {"test": test, "unseen": unseen}
    threshold = calibrate(untrained, val_pairs).threshold
    metrics, _ = evaluate_parts(untrained, part_sets, threshold, "distance", 300, 0, ["7", "8", "9"])
    baselines, _ = evaluate_baselines(train, val_pairs, part_sets, 300, 0, ["7", "8", "9"])
    assert any("unseen classes" in m for m in below_baseline(part_lifts(metrics, baselines)))


def test_eval_of_a_checkpoint_scores_the_baselines_train_scored(tmp_path):
    from siamkit.deploy.checkpoint import load_checkpoint
    from siamkit.experiments.config import ExperimentConfig
    from siamkit.experiments.evaluate import report_checkpoint
    from siamkit.experiments.image import run_training
    from siamkit.training.config import TrainConfig

    config = ExperimentConfig(
        dataset="digits", embedding_dim=8, train_pairs=200, eval_pairs=200,
        train=TrainConfig(epochs=1, batch_size=64, progress=False),
    )
    trained = run_training(config, tmp_path)
    evaluated = report_checkpoint(load_checkpoint(tmp_path / "model.ckpt"), "digits")
    assert evaluated["baselines"] == trained["baselines"]
    assert evaluated["lift_over_best_baseline"] == trained["lift_over_best_baseline"]


def test_doctor_on_a_checkpoint_reports_a_stored_loss_to_the_baselines_and_not_a_win(tmp_path):
    from siamkit.deploy.checkpoint import load_checkpoint, save_checkpoint
    from siamkit.doctor.checkpoint import diagnose_checkpoint, stored_transfer_findings
    from siamkit.experiments.config import ExperimentConfig
    from siamkit.experiments.image import run_training
    from siamkit.training.config import TrainConfig

    config = ExperimentConfig(
        dataset="digits", embedding_dim=8, train_pairs=100, eval_pairs=200,
        train=TrainConfig(epochs=1, batch_size=64, lr=1e-5, progress=False),
    )
    metrics = run_training(config, tmp_path)
    assert metrics["lift_over_best_baseline"]["unseen_classes"]["lift"] < 0  # barely trained: loses on new digits
    checkpoint = load_checkpoint(tmp_path / "model.ckpt")
    diagnosis = diagnose_checkpoint(checkpoint, "digits", checks=["data.labels"], num_pairs=64)
    findings = [f for f in diagnosis.findings if f.id == "transfer.below_baseline"]
    assert "unseen_classes" in {f.evidence["part"] for f in findings}
    assert all(f.severity == "warning" and "--keep-best" in f.fix for f in findings)

    won = {part: {**lift, "lift": 0.05} for part, lift in metrics["lift_over_best_baseline"].items()}
    assert stored_transfer_findings({"metrics": {"lift_over_best_baseline": won}}) == []
    save_checkpoint(tmp_path / "won.ckpt", checkpoint.model, {**checkpoint.meta, "metrics": {"lift_over_best_baseline": won}})
    won_diagnosis = diagnose_checkpoint(load_checkpoint(tmp_path / "won.ckpt"), "digits", checks=["data.labels"], num_pairs=64)
    assert "transfer.below_baseline" not in won_diagnosis.ids()
