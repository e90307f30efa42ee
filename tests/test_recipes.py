"""Per-dataset default recipes: used where the command line is silent, never over an option the user gave."""

from __future__ import annotations

import dataclasses

import pytest

from siamkit.cli import run
from siamkit.cli.options import parse_size
from siamkit.deploy.checkpoint import load_checkpoint
from siamkit.experiments import recipes
from siamkit.experiments.config import ExperimentConfig
from siamkit.losses.names import LOSSES
from siamkit.nn.encoders import ENCODERS
from siamkit.training.config import TrainConfig


def test_every_recipe_names_real_options_and_builds_a_config():
    train_keys = {f.name for f in dataclasses.fields(TrainConfig)}
    for dataset, recipe in recipes.DATASET_RECIPES.items():
        options, used = recipes.with_recipe({"dataset": dataset}, given=[])
        assert used == recipe
        assert recipe["encoder"] in ENCODERS.names() and recipe["loss"] in LOSSES
        fields = {k: v for k, v in recipe.items() if k not in train_keys}
        if "image_size" in fields:
            fields["image_size"] = parse_size(fields["image_size"])
        train = TrainConfig(**{k: v for k, v in recipe.items() if k in train_keys})
        ExperimentConfig(dataset=dataset, train=train, **fields)


def test_options_the_user_gave_win_over_the_recipe():
    given = {"dataset": "fashion-mnist", "epochs": 3, "encoder": "lenet"}
    options, used = recipes.with_recipe(given, given=["epochs"])
    assert options["epochs"] == 3 and "epochs" not in used
    assert options["encoder"] == recipes.DATASET_RECIPES["fashion-mnist"]["encoder"] != "lenet"
    assert recipes.with_recipe({"dataset": "mnist", "epochs": 2}, given=[]) == ({"dataset": "mnist", "epochs": 2}, {})


def test_a_model_option_sets_the_whole_recipe_aside():
    options = {"dataset": "digits", "loss": "contrastive", "epochs": 10}
    assert recipes.set_aside_by(options, given=["loss", "epochs"]) == ["loss"]
    assert recipes.with_recipe(options, given=["loss", "epochs"]) == (options, {})  # no recipe value mixed in
    assert recipes.set_aside_by({"dataset": "mnist"}, given=["loss"]) == []  # mnist has no recipe to set aside


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


def test_options_that_do_not_choose_the_model_keep_the_recipe(digits_recipe, tmp_path):
    experiment = _trained_experiment(tmp_path, "--seed", "1", "--quiet")
    assert experiment["encoder"] == "mlp" and experiment["embedding_dim"] == 8


def test_a_model_option_on_the_command_line_sets_the_recipe_aside_and_says_so(digits_recipe, tmp_path, capsys):
    experiment = _trained_experiment(tmp_path, "--embedding-dim", "4", "--epochs", "1")
    assert experiment["encoder"] == "lenet" and experiment["embedding_dim"] == 4  # ExperimentConfig's default encoder
    assert "digits's default recipe is set aside: --embedding-dim chooses another model" in capsys.readouterr().out
