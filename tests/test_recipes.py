"""Per-dataset default recipes: used where the command line is silent, never over an option the user gave."""

from __future__ import annotations

import pytest

from siamkit.cli import run
from siamkit.cli.options import parse_size
from siamkit.deploy.checkpoint import load_checkpoint
from siamkit.experiments import recipes
from siamkit.experiments.config import ExperimentConfig
from siamkit.losses.names import LOSSES
from siamkit.nn.encoders import ENCODERS


def test_every_recipe_names_real_options_and_builds_a_config():
    for dataset, recipe in recipes.DATASET_RECIPES.items():
        options, used = recipes.with_recipe({"dataset": dataset}, given=[])
        assert used == recipe
        assert recipe["encoder"] in ENCODERS.names() and recipe["loss"] in LOSSES
        train_keys = {"epochs", "augment"}
        fields = {k: v for k, v in recipe.items() if k not in train_keys}
        if "image_size" in fields:
            fields["image_size"] = parse_size(fields["image_size"])
        ExperimentConfig(dataset=dataset, **fields)


def test_options_the_user_gave_win_over_the_recipe():
    given = {"dataset": "fashion-mnist", "epochs": 3, "encoder": "lenet"}
    options, used = recipes.with_recipe(given, given=["epochs"])
    assert options["epochs"] == 3 and "epochs" not in used
    assert options["encoder"] == recipes.DATASET_RECIPES["fashion-mnist"]["encoder"] != "lenet"
    assert recipes.with_recipe({"dataset": "digits", "epochs": 2}, given=[]) == ({"dataset": "digits", "epochs": 2}, {})


@pytest.fixture
def digits_recipe(monkeypatch):
    monkeypatch.setitem(recipes.DATASET_RECIPES, "digits", {"encoder": "mlp", "embedding_dim": 8, "epochs": 1})


def _trained_experiment(tmp_path, *extra):
    out = tmp_path / "run"
    args = ["train", "--out", str(out), "--dataset", "digits", "--train-pairs", "200", "--eval-pairs", "100", *extra]
    assert run(args) == 0
    return load_checkpoint(out / "model.ckpt").meta["experiment"]


def test_train_uses_the_dataset_recipe_and_says_so(digits_recipe, tmp_path, capsys):
    experiment = _trained_experiment(tmp_path)
    assert experiment["encoder"] == "mlp" and experiment["embedding_dim"] == 8
    assert "digits's default recipe: --encoder mlp, --embedding-dim 8, --epochs 1" in capsys.readouterr().out


def test_an_option_on_the_command_line_overrides_the_recipe(digits_recipe, tmp_path):
    experiment = _trained_experiment(tmp_path, "--embedding-dim", "4", "--quiet")
    assert experiment["encoder"] == "mlp" and experiment["embedding_dim"] == 4
