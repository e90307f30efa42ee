"""Default training recipes per bundled dataset: what ``siamkit train --dataset NAME`` uses where the command
line does not say otherwise.

Each recipe was chosen without the unseen test classes, on class-disjoint validation classes of the seen classes
(``scripts/select_recipes.py``; README, "Choosing the default recipes"), except glyphs' (the first recipe tried,
untuned). Measured against the untrained baselines on the unseen classes in 3 seeds (README, "Defaults beside
doing nothing"; ``scripts/defaults_vs_baselines.py``): digits' and mnist's beat them in every seed; fashion-mnist's
beats them on the seen classes but only ties raw-pixel cosine on the unseen ones. Keys are ``siamkit train`` option names
(``ExperimentConfig`` fields, or ``TrainConfig`` fields such as ``epochs``) with the values the command line
takes. Datasets without a recipe here train with the ``ExperimentConfig`` defaults: for ``mnist`` those won the
selection on the class-disjoint validation classes 5, 6 (LeNet + contrastive over SmallCNN + SupCon and
SmallCNN + semi-hard triplet) and beat the baselines in every seed.

A recipe is one model trained one way: an option of :data:`MODEL_OPTIONS` on the command line (``--loss
contrastive``, ``--encoder lenet``) asks for another model, so the recipe is then left out entirely rather than
mixed with it; the other options (``--epochs``, ``--seed``, ``--lr`` …) replace the recipe's value and keep the rest.
"""

from __future__ import annotations

from typing import Any, Iterable, Mapping

DATASET_RECIPES: dict[str, dict[str, Any]] = {
    "digits": {
        "encoder": "conv_pooled", "embedding_dim": 2048, "projection_dim": 64, "loss": "supcon",
        "augment": "shift,rotate", "instance_weight": 1.0, "epochs": 60,
    },
    "fashion-mnist": {
        "encoder": "conv_pooled", "embedding_dim": 3136, "projection_dim": 64, "loss": "supcon", "augment": "flip",
        "rotation_classes": 4, "epochs": 12,
    },
    "glyphs": {"encoder": "small_cnn", "loss": "supcon", "embedding_dim": 64, "image_size": "32x32", "epochs": 3},
}

# Options that choose the model or its loss: giving any of them sets a recipe aside.
MODEL_OPTIONS = (
    "encoder", "head", "metric", "features", "loss", "mining", "margin", "embedding_dim", "projection_dim",
    "items_per_class", "instance_weight", "instance_temperature", "rotation_classes", "pretrained", "weights",
    "model_path",
)


def set_aside_by(options: Mapping[str, Any], given: Iterable[str]) -> list[str]:
    """The model options in ``given`` that set the dataset's recipe aside (``[]``: it applies, or there is none)."""
    if str(options.get("dataset")) not in DATASET_RECIPES:
        return []
    return [name for name in MODEL_OPTIONS if name in set(given)]


def with_recipe(options: Mapping[str, Any], given: Iterable[str]) -> tuple[dict[str, Any], dict[str, Any]]:
    """``(options with the dataset's recipe in every option not in given, the recipe values used)``.

    ``options``: parsed ``siamkit train`` options by name (``dataset`` among them); ``given``: the names the user
    set on the command line, which always win; if one of them is in :data:`MODEL_OPTIONS`, no recipe value is used.
    """
    given = set(given)
    if set_aside_by(options, given):
        return dict(options), {}
    recipe = DATASET_RECIPES.get(str(options.get("dataset")), {})
    used = {name: value for name, value in recipe.items() if name not in given}
    return {**options, **used}, used
