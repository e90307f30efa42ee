"""compare: every architecture trained and tested on one split; the CLI prints one row per model."""

import json

import pytest

from siamkit.cli import run
from siamkit.core.errors import ConfigError
from siamkit.data import shapes
from siamkit.experiments.compare import (
    ARCHITECTURES,
    CompareConfig,
    ModelRecipe,
    build_compared_model,
    compare_models,
)
from siamkit.training.config import TrainConfig

TINY = TrainConfig(epochs=1, batch_size=32, seed=0, progress=False)


@pytest.mark.parametrize("name", list(ARCHITECTURES))
def test_built_architectures_score_pairs(name):
    import torch

    model = build_compared_model(name, ModelRecipe("small_cnn", 8), (1, 40, 50))
    assert model(torch.rand(2, 1, 40, 50), torch.rand(2, 1, 40, 50)).shape == (2,)
    assert model.score_kind == "similarity"


def test_compare_rows_share_split_and_count_parameters():
    config = CompareConfig(
        models=("siamese", "pseudo-siamese", "single"),
        recipe=ModelRecipe("lenet", 8),
        target="cross",
        train_pairs=64,
        eval_pairs=64,
        train=TINY,
    )
    rows = compare_models(config, data=shapes(12, seed=0))
    assert [r["model"] for r in rows] == ["siamese", "pseudo-siamese", "single"]
    assert {r["target"] for r in rows} == {"cross"} and {r["num_pairs"] for r in rows} == {64}
    siamese, pseudo, single = (r["parameters"] for r in rows)
    head = 8 + 1  # one linear layer over |a − b|
    assert pseudo == 2 * (siamese - head) + head  # two encoders instead of one
    assert single == siamese  # one encoder + one linear layer either way
    for r in rows:
        assert 0 <= r["accuracy"] <= 1 and 0 <= r["roc_auc"] <= 1 and r["train_seconds"] > 0


def test_unknown_architecture():
    with pytest.raises(ConfigError, match="choose a non-empty list from"):
        CompareConfig(models=("siamese", "triplet"))


def test_cli_compare_json(capsys):
    code = run(
        ["compare", "--dataset", "shapes", "--models", "siamese,two-channel,single", "--encoder", "lenet",
         "--embedding-dim", "8", "--epochs", "1", "--train-pairs", "64", "--eval-pairs", "64", "--json"]
    )
    assert code == 0
    rows = json.loads(capsys.readouterr().out)
    assert [r["model"] for r in rows] == ["siamese", "two-channel", "single"]
    assert {"roc_auc", "accuracy", "parameters", "train_seconds"} <= set(rows[0])


def test_cli_compare_bad_model(capsys):
    assert run(["compare", "--models", "siamese,nope"]) == 2
    assert "choose" in capsys.readouterr().err
