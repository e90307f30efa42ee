"""The doctor's time budget: probes shrink and optional ones are skipped with the reason; a shrunk overfit
probe trains on until memorized, so a healthy model gets no alarm and a broken one still does."""

from __future__ import annotations

import pytest
import torch

import siamkit
from siamkit import ClassifierHead, DistanceHead, LabeledData, PairDataset, SiameseNet
from siamkit.doctor import budget, diagnose
from siamkit.doctor.context import SHRUNK_OVERFIT_EXTRA
from siamkit.nn.encoders import MLP

OVERFIT = "dynamics.overfit_one_batch"


@pytest.fixture(scope="module")
def pairs() -> PairDataset:
    return PairDataset(siamkit.digits().subset(torch.arange(400)), num_pairs=256, seed=0)


def healthy() -> SiameseNet:
    torch.manual_seed(0)
    return SiameseNet(MLP(in_features=64, embedding_dim=8, hidden=(32,)), DistanceHead())


@pytest.fixture
def slow_steps(monkeypatch) -> None:
    """Every pair-step "costs" a second and the floor is 2 steps: any small budget shrinks to 8 pairs × 2 steps."""
    monkeypatch.setattr(budget, "pair_step_seconds", lambda ctx: 1.0)
    monkeypatch.setattr(budget, "MIN_STEPS", 2)


def test_budget_skips_the_optional_probes_and_says_why(pairs, slow_steps):
    diagnosis = diagnose(healthy(), pairs, steps=40, budget_s=5)
    for name in budget.OPTIONAL:
        assert diagnosis.checks[name].startswith("skipped: over the time budget")
        assert "--budget 0" in diagnosis.checks[name]
    assert diagnosis.checks[OVERFIT] == "ran"


def test_shrunk_overfit_probe_trains_on_until_a_healthy_model_memorizes(pairs, slow_steps):
    # 8 pairs need 4 Adam steps on this model: 2 steps alone cannot, the shrunk probe may take 2 + 3 × 2
    at_two_steps = diagnose(healthy(), pairs, checks=[OVERFIT], probe_pairs=8, steps=2, budget_s=None)
    assert at_two_steps.get("dynamics.cannot_overfit").severity == "error"
    shrunk = diagnose(healthy(), pairs, checks=[OVERFIT], probe_pairs=32, steps=40, budget_s=1)
    assert shrunk.checks[OVERFIT] == "ran"
    assert "dynamics.cannot_overfit" not in shrunk.ids()


def test_shrunk_overfit_probe_still_flags_a_model_that_cannot_learn(slow_steps):
    y = torch.arange(64) % 2
    colors = LabeledData(y.float()[:, None].expand(64, 64).reshape(64, 1, 8, 8).contiguous(), y, ["black", "white"])
    torch.manual_seed(0)
    concat = SiameseNet(MLP(in_features=64, embedding_dim=8, hidden=(32,)), ClassifierHead(8, features=("concat",)))
    diagnosis = diagnose(concat, PairDataset(colors, 64, seed=0), checks=[OVERFIT], probe_pairs=32, steps=40, budget_s=1)
    finding = diagnosis.get("dynamics.cannot_overfit")
    assert finding.severity == "warning" and "shrunk to the time budget" in finding.title
    assert finding.evidence["pairs"] == 8 and finding.evidence["steps"] == 2 * (1 + SHRUNK_OVERFIT_EXTRA)
