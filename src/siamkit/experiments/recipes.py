"""Default training recipes per bundled dataset: what ``siamkit train --dataset NAME`` uses where the command
line does not say otherwise.

Each recipe was chosen without the unseen test classes (Fashion-MNIST: on proxy-unseen folds of the seen
classes, ``scripts/fashion_mnist_selection.py``; glyphs: the first recipe tried, untuned). Measured against the
untrained baselines on the unseen classes in 3 seeds (README, "Defaults beside doing nothing";
``scripts/defaults_vs_baselines.py``): glyphs wins in every seed, Fashion-MNIST in one of three. Keys are
``siamkit train`` option names (``ExperimentConfig`` fields, or ``TrainConfig`` fields such as ``epochs``) with
the values the command line takes. Datasets without a recipe here train with the ``ExperimentConfig``
defaults: for ``mnist`` those won the selection on the class-disjoint validation classes 5, 6 (LeNet +
contrastive over SmallCNN + SupCon and SmallCNN + semi-hard triplet) and beat the baselines in every seed;
for ``digits`` no recipe tried beats raw pixels.
"""

from __future__ import annotations

from typing import Any, Iterable, Mapping

DATASET_RECIPES: dict[str, dict[str, Any]] = {
    "fashion-mnist": {
        "encoder": "small_cnn", "loss": "triplet", "mining": "semi_hard", "embedding_dim": 128, "margin": 0.5,
        "augment": "flip", "epochs": 4,
    },
    "glyphs": {"encoder": "small_cnn", "loss": "supcon", "embedding_dim": 64, "image_size": "32x32", "epochs": 3},
}


def with_recipe(options: Mapping[str, Any], given: Iterable[str]) -> tuple[dict[str, Any], dict[str, Any]]:
    """``(options with the dataset's recipe in every option not in given, the recipe values used)``.

    ``options``: parsed ``siamkit train`` options by name (``dataset`` among them); ``given``: the names the user
    set on the command line, which always win.
    """
    recipe = DATASET_RECIPES.get(str(options.get("dataset")), {})
    given = set(given)
    used = {name: value for name, value in recipe.items() if name not in given}
    return {**options, **used}, used
