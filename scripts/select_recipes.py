"""Choose a dataset's default training recipe without its unseen-class test set (see siamkit.experiments.selection).

The dataset's held-out classes (Fashion-MNIST: Sneaker, Bag, Ankle boot; digits: 7, 8, 9) and every official test
image are set aside. Inside what is left, each fold plays the protocol again: some seen classes become proxy unseen
classes, the others train the model. Every recipe runs on every fold with each seed (two seeds of one recipe can
differ more than two recipes do). Recipes are ranked by mean proxy-unseen ROC AUC, printed beside the best untrained
baseline scored on the same pairs; the best one is then trained with `siamkit train --dataset NAME` and reported in
the README.

    python scripts/select_recipes.py --dataset fashion-mnist [--recipes a,b] [--seeds 0,1] [--out runs/selection] [--quick]
    python scripts/select_recipes.py --dataset digits --recipes lenet-contrastive,conv-pooled-supcon,conv-pooled-supcon-instance
"""

from __future__ import annotations

import argparse
import dataclasses
from pathlib import Path

import torch

from siamkit.data import load_dataset
from siamkit.experiments.config import ExperimentConfig
from siamkit.experiments.selection import SelectionRow, lead_over_runner_up, run_selection, selection_data
from siamkit.experiments.splits import DEFAULT_HELD_OUT
from siamkit.training.config import TrainConfig

FOLDS = {
    # A, B: rounds 1-8; C, D, E (added in round 9): the folds of the first exploration of round 8's recipes
    "fashion-mnist": {
        "A": ("Pullover", "Coat", "Sandal"), "B": ("T-shirt/top", "Shirt", "Trouser"),
        "C": ("Sandal", "Shirt", "Trouser"), "D": ("T-shirt/top", "Coat", "Dress"), "E": ("Pullover", "Sandal", "Dress"),
    },
    "digits": {"A": ("5", "6"), "B": ("3", "4"), "C": ("0", "1")},
}

BASES = {
    "fashion-mnist": ExperimentConfig(
        dataset="fashion-mnist", encoder="small_cnn", loss="triplet", mining="semi_hard", embedding_dim=64,
        train=TrainConfig(epochs=4, progress=False),
    ),
    "digits": ExperimentConfig(dataset="digits", train=TrainConfig(progress=False)),
}


def recipe(dataset: str, **changes) -> ExperimentConfig:
    """The dataset's base recipe with ``changes``; keys of :class:`TrainConfig` go to ``train``."""
    base = BASES[dataset]
    train_fields = {f.name for f in dataclasses.fields(TrainConfig)}
    train = dataclasses.replace(base.train, **{k: v for k, v in changes.items() if k in train_fields})
    return dataclasses.replace(base, train=train, **{k: v for k, v in changes.items() if k not in train_fields})


def pooled(embedding_dim: int = 576, projection_dim: int = 64) -> dict:
    """Settings of the pooled-SmallCNN recipes: pooled features of size D under a training-only projection."""
    return {"encoder": "small_cnn_pooled", "embedding_dim": embedding_dim, "projection_dim": projection_dim}


def conv_pooled(embedding_dim: int, **changes) -> dict:
    """Settings of the round-8 recipes: the batch-normalized CNN's pooled map (``conv_pooled``, D values) as the
    embedding, SupCon on a training-only 64-d projection of it."""
    return {
        "encoder": "conv_pooled", "embedding_dim": embedding_dim, "projection_dim": 64, "loss": "supcon", "metric": "cosine",
        **changes,
    }


CONTRASTIVE = {"loss": "contrastive", "epochs": 3, "train_pairs": 40_000}  # as in the README's first table


def fashion(**changes) -> ExperimentConfig:
    return recipe("fashion-mnist", **changes)


def digits(**changes) -> ExperimentConfig:
    return recipe("digits", **changes)


RECIPES = {
    "fashion-mnist": {
        "base": fashion(),
        "shift-flip": fashion(augment=("shift", "flip")),
        "cosine-metric": fashion(metric="cosine"),
        "8-epochs-cosine-lr": fashion(epochs=8, lr_schedule="cosine"),
        "flip": fashion(augment=("flip",)),
        "shift": fashion(augment=("shift",)),
        "embedding-128": fashion(embedding_dim=128),
        "margin-0.5": fashion(margin=0.5),
        "2-epochs": fashion(epochs=2),
        # round 3: the round-2 gains (flip, margin 0.5, D = 128) together, and a larger margin
        "margin-1.0": fashion(margin=1.0),
        "flip-margin-0.5": fashion(augment=("flip",), margin=0.5),
        "margin-0.5-embedding-128": fashion(margin=0.5, embedding_dim=128),
        "flip-margin-0.5-embedding-128": fashion(augment=("flip",), margin=0.5, embedding_dim=128),
        # round 4: a deeper encoder with batch norm (3.7× the time per step of SmallCNN)
        "resnet18": fashion(encoder="resnet18"),
        # round 5: SmallCNN's pooled convolution features as the embedding, the loss on a linear projection of
        # them (siamkit.nn.projection); on the base recipe's own fold models, those features (pooled 3 × 3) scored
        # 0.80 proxy-unseen AUC against 0.72 for the trained embedding
        "pooled-256-projection-64": fashion(**pooled(256)),
        "pooled-576-projection-64": fashion(**pooled()),
        "pooled-1024-projection-64": fashion(**pooled(1024)),
        "pooled-576-projection-64-flip": fashion(**pooled(), augment=("flip",)),
        # round 6: around the round-5 best (pooled 576, projection 64), and contrastive training with and without it
        "pooled-576-projection-32": fashion(**pooled(projection_dim=32)),
        "pooled-576-projection-128": fashion(**pooled(projection_dim=128)),
        "pooled-576-projection-64-margin-0.5": fashion(**pooled(), margin=0.5),
        "pooled-576-projection-64-8-epochs": fashion(**pooled(), epochs=8),
        "contrastive": fashion(**CONTRASTIVE),
        "contrastive-pooled-576-projection-64": fashion(**CONTRASTIVE, **pooled()),
        # round 7: pooled ReLU features differ in length from image to image (brightness, area), and euclidean
        # distance counts that; cosine distance does not
        "pooled-576-projection-64-8-epochs-cosine": fashion(**pooled(), epochs=8, metric="cosine"),
        "contrastive-pooled-576-projection-64-cosine": fashion(**CONTRASTIVE, **pooled(), metric="cosine"),
        # round 8: a batch-normalized CNN whose 7 × 7 pooled map is the embedding, SupCon on its projection;
        # flipped images, and two augmented views of each image with SimCLR's instance term added
        "conv-pooled-supcon-flip": fashion(**conv_pooled(3136), augment=("flip",), epochs=3),
        "conv-pooled-supcon-flip-6-epochs": fashion(**conv_pooled(3136), augment=("flip",), epochs=6),
        "conv-pooled-supcon-flip-instance": fashion(
            **conv_pooled(3136), augment=("flip", "crop"), instance_weight=1.0, epochs=3
        ),
        # round 9, on five folds: the instance term on views that keep each image's shape (shift, flip; no crop)
        "conv-pooled-supcon-shift-flip-instance": fashion(
            **conv_pooled(3136), augment=("shift", "flip"), instance_weight=1.0, epochs=3
        ),
        # round 10: the default's recipe with every 90° turn of a class a class of its own (28 training classes)
        "conv-pooled-supcon-flip-rotation-classes": fashion(
            **conv_pooled(3136), augment=("flip",), rotation_classes=4, epochs=6
        ),
        "conv-pooled-supcon-flip-rotation-classes-12-epochs": fashion(
            **conv_pooled(3136), augment=("flip",), rotation_classes=4, epochs=12
        ),
    },
    "digits": {
        "lenet-contrastive": digits(),  # the ExperimentConfig defaults
        "conv-pooled-supcon": digits(**conv_pooled(2048), augment=("shift", "rotate"), epochs=60),
        "conv-pooled-supcon-instance": digits(
            **conv_pooled(2048), augment=("shift", "rotate"), instance_weight=1.0, epochs=60
        ),
    },
}


def main(argv: list[str] | None = None) -> list[SelectionRow]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dataset", choices=sorted(RECIPES), default="fashion-mnist")
    parser.add_argument("--recipes", help="comma-separated subset of the dataset's recipes (default: all)")
    parser.add_argument("--seeds", default="0,1", help="comma-separated training seeds, each run on every fold")
    parser.add_argument("--folds", help="comma-separated subset of the dataset's folds (default: all)")
    parser.add_argument("--out", type=Path, help="default: runs/selection-DATASET")
    parser.add_argument("--quick", action="store_true", help="60 images a class, one epoch, first recipe and seed only")
    args = parser.parse_args(argv)
    catalogue, folds = RECIPES[args.dataset], FOLDS[args.dataset]
    if args.folds:
        unknown_folds = sorted(set(args.folds.split(",")) - set(folds))
        if unknown_folds:
            parser.error(f"unknown {args.dataset} folds {unknown_folds}; choose from: {', '.join(folds)}")
        folds = {name: folds[name] for name in args.folds.split(",")}
    names = args.recipes.split(",") if args.recipes else list(catalogue)
    unknown = sorted(set(names) - set(catalogue))
    if unknown:
        parser.error(f"unknown {args.dataset} recipes {unknown}; choose from: {', '.join(catalogue)}")
    recipes = {name: catalogue[name] for name in names}
    try:
        seeds = [int(seed) for seed in args.seeds.split(",")]
    except ValueError:
        parser.error(f"--seeds takes whole numbers like 0,1, got {args.seeds!r}")

    full = load_dataset(args.dataset)
    data = selection_data(full, DEFAULT_HELD_OUT[args.dataset])
    if args.quick:
        data = data.subset(torch.cat([torch.nonzero(data.y == c).flatten()[:60] for c in data.classes()]))
        recipes = {name: dataclasses.replace(r, train=dataclasses.replace(r.train, epochs=1), eval_pairs=200)
                   for name, r in list(recipes.items())[:1]}
        seeds = seeds[:1]
    kind = "official training images" if full.split is not None else "images"
    print(f"selection data: {len(data)} {kind} of {len(data.classes())} seen classes; "
          f"folds (proxy unseen classes): {folds}")

    def show(row: SelectionRow) -> None:
        runs = "  ".join(f"{key} {auc:.3f} ({row.lifts[key]:+.3f})" for key, auc in row.unseen_auc.items())
        print(f"{row.recipe:<34} proxy-unseen AUC {row.mean_unseen_auc:.4f}, {row.mean_lift:+.4f} over the best "
              f"baseline (seed spread {row.seed_spread:.3f}; fold/seed: {runs})  seen AUC {row.mean_seen_auc:.4f}  "
              f"train s {sum(row.train_seconds.values()):.0f}", flush=True)

    rows = run_selection(data, recipes, folds, args.out or Path(f"runs/selection-{args.dataset}"), seeds, on_row=show)
    print(f"best: {rows[0].recipe}")
    if len(rows) > 1:
        lead, noise = lead_over_runner_up(rows)
        verdict = "more than" if lead > noise else "inside"
        print(f"its lead over {rows[1].recipe} ({lead:.3f}) is {verdict} the seed spread ({noise:.3f})")
    return rows


if __name__ == "__main__":
    main()
