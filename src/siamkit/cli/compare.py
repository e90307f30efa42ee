"""``siamkit compare``: pair architectures trained alike on one one-vs-rest split. Options take
CompareConfig's defaults (its recipe and train fields)."""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING, Any, Mapping, Optional

import typer

from siamkit.cli.options import COMPARE, config_option, csv, echo_json, joined, json_option
from siamkit.cli.tables import print_table

if TYPE_CHECKING:
    from siamkit.experiments.compare import CompareConfig

_option = partial(config_option, COMPARE)
_COLUMNS = (("ROC AUC", "roc_auc", ".4f"), ("accuracy", "accuracy", ".4f"), ("parameters", "parameters", ","),
            ("train s", "train_seconds", ".1f"))


def compare_config(options: Mapping[str, Any]) -> CompareConfig:
    """The CompareConfig of ``siamkit compare``'s parsed options (``ctx.params``)."""
    from siamkit.experiments.compare import CompareConfig, ModelRecipe
    from siamkit.training.config import TrainConfig

    o = options
    return CompareConfig(
        dataset=o["dataset"],
        models=tuple(csv(o["models"]) or []),
        recipe=ModelRecipe(
            encoder=o["encoder"], embedding_dim=o["embedding_dim"], features=tuple(csv(o["features"]) or [])
        ),
        target=o["target"],
        train_pairs=o["train_pairs"],
        eval_pairs=o["eval_pairs"],
        train=TrainConfig(
            epochs=o["epochs"], batch_size=o["batch_size"], lr=o["lr"], seed=o["seed"],
            progress=not (o["quiet"] or o["as_json"]),
        ),
    )


def compare(
    ctx: typer.Context,
    dataset: str = _option("dataset", "Bundled dataset name (e.g. shapes, colors, digits) or an image folder."),
    models: str = _option("models", "Comma-separated: siamese, pseudo-siamese, two-channel, single.", shown=joined),
    encoder: str = _option("recipe.encoder", "Encoder of every model: small_cnn, lenet, resnet18, mlp, ..."),
    embedding_dim: int = _option("recipe.embedding_dim", "Embedding size D.", min=1),
    features: str = _option(
        "recipe.features", "Pair features of the Siamese classifier head: abs, sq, prod, concat.", shown=joined
    ),
    target: Optional[str] = _option("target", "Target class of the one-vs-rest pairs (default: the first)."),
    epochs: int = _option("train.epochs", "Training epochs per model.", min=1),
    batch_size: int = _option("train.batch_size", "Pairs per batch.", min=1),
    lr: float = _option("train.lr", "Learning rate (Adam)."),
    train_pairs: int = _option("train_pairs", "Training pairs drawn afresh each epoch.", min=1),
    eval_pairs: int = _option("eval_pairs", "Pairs per validation and test split.", min=1),
    seed: int = _option("train.seed", "Seed for the split, pairs and initialisation."),
    as_json: bool = json_option("Print the rows as JSON."),
    quiet: bool = typer.Option(False, help="No progress bars."),
) -> None:
    """Train several pair architectures on the same one-vs-rest split and print one table."""
    from siamkit.experiments.compare import compare_models

    rows = compare_models(compare_config(ctx.params))
    if as_json:
        echo_json(rows, sort_keys=False)
        return
    title = f"siamkit compare · {dataset} · target {rows[0]['target']} · held-out test pairs"
    print_table(title, "model", _COLUMNS, ((r["model"], r) for r in rows))
