import json

import pytest
import torch

from siamkit.core.errors import ConfigError, DataError
from siamkit.data import LabeledData, digits
from siamkit.experiments.config import ExperimentConfig
from siamkit.experiments.selection import SelectionRow, lead_over_runner_up, run_selection, selection_data
from siamkit.training.config import TrainConfig


def _with_official_split():
    """4 classes × 20 items; the last 5 items of each class are official test items."""
    y = torch.arange(4).repeat_interleave(20)
    split = (torch.arange(80) % 20 >= 15).long()
    return LabeledData(torch.arange(80).float()[:, None], y, ["a", "b", "c", "d"], "toy", split)


def test_selection_data_never_holds_a_held_out_class_or_an_official_test_item():
    data = _with_official_split()
    chosen = selection_data(data, ["d"], seed=0)
    item_ids = chosen.x.flatten().long()
    assert set(chosen.y.tolist()) == {0, 1, 2}
    assert not bool(data.split[item_ids].any())  # official train items only
    assert chosen.name == "toy (selection)" and chosen.class_names == data.class_names
    # the new test marking is stratified with the official test share (5 of 20 → 4 of the 15 kept per class)
    assert torch.bincount(chosen.y[chosen.split == 1]).tolist() == [4, 4, 4]
    assert not torch.equal(selection_data(data, ["d"], seed=1).split, chosen.split)


def test_selection_data_errors():
    with pytest.raises(DataError, match="not in toy"):
        selection_data(_with_official_split(), ["z"])
    with pytest.raises(ConfigError, match="test_fraction"):
        selection_data(_with_official_split(), ["d"], test_fraction=1.0)


def test_run_selection_ranks_recipes_over_folds_and_seeds_and_resumes(tmp_path):
    data = selection_data(digits(), ["8", "9"])
    tiny = dict(dataset="digits", embedding_dim=8, train_pairs=256, eval_pairs=200)
    recipes = {
        "one-epoch": ExperimentConfig(**tiny, train=TrainConfig(epochs=1, progress=False)),
        "three-epochs": ExperimentConfig(**tiny, train=TrainConfig(epochs=3, progress=False)),
    }
    folds = {"A": ["5", "6", "7"]}
    seen = []
    rows = run_selection(data, recipes, folds, tmp_path, seeds=(0, 1), on_row=lambda row: seen.append(row.recipe))
    assert seen == ["one-epoch", "three-epochs"]
    assert recipes["one-epoch"].held_out is None and recipes["one-epoch"].train.checkpoint_dir is None  # not mutated
    assert rows[0].mean_unseen_auc >= rows[1].mean_unseen_auc
    for row in rows:
        assert set(row.unseen_auc) == {"A/0", "A/1"} and all(0 <= v <= 1 for v in row.unseen_auc.values())
        assert row.seed_spread == pytest.approx(abs(row.unseen_auc["A/0"] - row.unseen_auc["A/1"]))
        assert row.unseen_auc["A/0"] != row.unseen_auc["A/1"]  # the seed reaches the run
    metrics = json.loads((tmp_path / "three-epochs" / "seed-1" / "A" / "metrics.json").read_text())
    assert metrics["unseen_classes"]["classes"] == ["5", "6", "7"] and metrics["epochs"] == 3
    table = json.loads((tmp_path / "selection.json").read_text())
    assert [r["recipe"] for r in table["rows"]] == [r.recipe for r in rows] and table["seeds"] == [0, 1]

    stamp = (tmp_path / "one-epoch" / "seed-0" / "A" / "model.ckpt").stat().st_mtime_ns
    again = run_selection(data, recipes, folds, tmp_path, seeds=(0, 1))
    assert (tmp_path / "one-epoch" / "seed-0" / "A" / "model.ckpt").stat().st_mtime_ns == stamp  # read, not retrained
    assert [r.as_dict() for r in again] == [r.as_dict() for r in rows]
    with pytest.raises(ConfigError, match="two or more"):
        run_selection(data, recipes, {"A": ["5"]}, tmp_path)
    with pytest.raises(ConfigError, match="seed"):
        run_selection(data, recipes, folds, tmp_path, seeds=())


def test_lead_over_runner_up_compares_the_lead_with_the_seed_spread():
    # the numbers of Fashion-MNIST round 7: cosine led the euclidean recipe by 0.008, inside a 0.023 spread
    cosine = SelectionRow("cosine", {"A/0": 0.810, "B/0": 0.769, "A/1": 0.831, "B/1": 0.794}, {}, {})
    euclid = SelectionRow("euclid", {"A/0": 0.783, "B/0": 0.797, "A/1": 0.774, "B/1": 0.818}, {}, {})
    lead, noise = lead_over_runner_up([cosine, euclid])
    assert lead == pytest.approx(0.0080, abs=1e-4) and noise == pytest.approx(0.0230, abs=1e-4)
    assert lead < noise
    with pytest.raises(ConfigError, match="two or more"):
        lead_over_runner_up([cosine])
