"""One set of defaults: the options of `siamkit train`, `compare` and `train-tracker` that mirror a config
field take that field's default, read from the dataclass (here at test time, so a literal in the CLI that
drifts from its dataclass fails, and changing a dataclass default changes the CLI)."""

from __future__ import annotations

import dataclasses

import pytest
import typer

from siamkit.cli import app
from siamkit.cli.compare import compare_config
from siamkit.cli.options import default_of
from siamkit.cli.tracking import tracking_setup
from siamkit.cli.train import experiment_config
from siamkit.experiments.config import ExperimentConfig
from siamkit.training.config import TrainConfig

NOT_CONFIG = {"train": {"out", "quiet"}, "compare": {"as_json", "quiet"}, "train-tracker": {"out"}}


def command(name: str):
    return typer.main.get_command(app).commands[name]


def parsed(name: str, args: list[str]) -> dict:
    """The option values `siamkit NAME ARGS` runs with, without running it."""
    return command(name).make_context(name, args).params


def field_names(config: type) -> set[str]:
    return {f.name for f in dataclasses.fields(config)}


def test_train_without_options_builds_the_default_experiment_config():
    assert experiment_config(parsed("train", ["--out", "run"])) == ExperimentConfig()


def test_every_train_option_is_a_config_field_with_its_default():
    options = parsed("train", ["--out", "run"])
    mirrored = set(options) - NOT_CONFIG["train"]
    assert mirrored <= field_names(ExperimentConfig) | field_names(TrainConfig), "a train option without a config field"
    # an instance's values are the defaults, but for loss, which __post_init__ fills in from the head
    defaults = {**vars(ExperimentConfig()), **vars(ExperimentConfig().train), "loss": ExperimentConfig.loss}
    scalars = {name for name in mirrored if not isinstance(defaults[name], tuple)}
    assert mirrored - scalars == {"text_columns", "augment"}
    assert {name: options[name] for name in scalars} == {name: defaults[name] for name in scalars}
    assert (options["text_columns"], options["augment"]) == (",".join(defaults["text_columns"]), None)
    assert defaults["augment"] == ()


def test_given_options_still_win():
    args = ["--out", "run", "--epochs", "2", "--held-out", "1,2", "--image-size", "8x9"]
    config = experiment_config(parsed("train", args))
    assert (config.train.epochs, config.held_out, config.image_size) == (2, ["1", "2"], (8, 9))


def test_changing_a_dataclass_default_changes_the_cli(monkeypatch):
    field = ExperimentConfig.__dataclass_fields__["embedding_dim"]
    monkeypatch.setattr(field, "default", field.default + 5)
    assert parsed("train", ["--out", "run"])["embedding_dim"] == ExperimentConfig().embedding_dim + 5


def test_compare_without_options_builds_the_default_compare_config():
    from siamkit.experiments.compare import CompareConfig

    options = parsed("compare", [])
    assert compare_config(options) == CompareConfig()
    assert set(options) - NOT_CONFIG["compare"] == {
        "dataset", "models", "encoder", "embedding_dim", "features", "target", "epochs", "batch_size", "lr",
        "train_pairs", "eval_pairs", "seed",
    }


def test_train_tracker_without_options_builds_the_default_experiment_but_val_pairs():
    from siamkit.tracking.experiment import TrackingExperiment

    options = parsed("train-tracker", ["--out", "run"])
    assert set(options) - NOT_CONFIG["train-tracker"] <= field_names(TrackingExperiment)
    default = TrackingExperiment()
    assert tracking_setup(options) == dataclasses.replace(default, val_pairs=max(8, default.train_pairs // 16))


def test_doctor_assumes_the_default_training_optimizer_and_lr():
    options = parsed("doctor", ["model.ckpt"])
    assert (options["optimizer"], options["lr"]) == (TrainConfig().optimizer, TrainConfig().lr)


@pytest.mark.parametrize(
    ("config", "path", "expected"),
    [
        (ExperimentConfig, "loss", None),  # the field's default, not the instance's (which fills in the head's loss)
        (ExperimentConfig, "train", TrainConfig()),  # a default_factory is called
        (ExperimentConfig, "train.epochs", TrainConfig().epochs),
    ],
)
def test_default_of_reads_fields_factories_and_dotted_paths(config, path, expected):
    assert default_of(config, path) == expected


def test_default_of_names_a_missing_field():
    with pytest.raises(AttributeError, match="ExperimentConfig has no field 'epochs'"):
        default_of(ExperimentConfig, "epochs")
