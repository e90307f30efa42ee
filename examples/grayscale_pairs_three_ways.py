"""Grayscale image pairs stored as one ``[N, 2, H, W]`` array, solved three ways — then the broken original.

The common question: "I have pairs of 1×40×50 grayscale images stacked as [N, 2, 40, 50] and a label
saying whether the second image is the target object; my Siamese network does not learn". Here the
images are siamkit's ``shapes`` (circle / square / triangle / cross); a pair is (a reference circle,
a query) with label 1 when the query is a circle. The stacked arrays become pair datasets with
``PairDataset.from_stacked``, and three models train on the same pairs with the same BCE loss:

1. a Siamese SmallCNN (shared weights, |a − b| → one logit),
2. a 2-channel net (the pair stacked along channels into one SmallCNN),
3. a single-image classifier that reads only the query (one-vs-rest: "is this a circle?").

Each is scored on held-out test pairs at the threshold calibrated on validation pairs. Then the
original broken recipe — a ReLU after the final 2-unit layer, MSE and SGD at lr 1e-6 — is handed to
``siamkit doctor`` (the set-up of ``doctor_relu_sgd.py``), which names both causes.

    python examples/grayscale_pairs_three_ways.py [--quick] [--out runs/examples/grayscale_pairs_three_ways]
"""

from __future__ import annotations

import argparse
from pathlib import Path

import torch
from doctor_relu_sgd import build as broken_original

from siamkit import (
    ClassifierHead,
    PairDataset,
    SiameseNet,
    SingleBranchClassifier,
    SmallCNN,
    TrainConfig,
    TwoChannelNet,
    stratified_split,
)
from siamkit.core.fileio import write_json
from siamkit.data import OneVsRestPairs, shapes, stack_pairs
from siamkit.doctor import diagnose, print_diagnosis
from siamkit.experiments.compare import train_and_test


def stacked_pairs(size: tuple[int, int], per_class: int, train_pairs: int, eval_pairs: int):
    """Train / validation / test pairs as the user has them: ``([N, 2, H, W] float, [N] labels 1 = circle)``."""
    data = shapes(per_class, size, seed=0)
    parts = [data.subset(i) for i in stratified_split(data.y, (0.6, 0.2, 0.2), seed=0)]
    out = []
    for seed, (part, n) in enumerate(zip(parts, (train_pairs, eval_pairs, eval_pairs))):
        x1, x2, y = (pairs := OneVsRestPairs(part, "circle", n, seed=seed))[torch.arange(len(pairs))]
        out.append((stack_pairs(x1, x2), y))
    return out


def main(argv: list[str] | None = None) -> list[dict]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="1×20×25 images, few pairs, one epoch (seconds)")
    parser.add_argument("--out", type=Path, default=Path("runs/examples/grayscale_pairs_three_ways"))
    args = parser.parse_args(argv)
    size, per_class, train_n, eval_n, epochs = ((20, 25), 30, 200, 100, 1) if args.quick else ((40, 50), 150, 1500, 500, 2)

    stacked = stacked_pairs(size, per_class, train_n, eval_n)
    print(f"stacked pairs: train {list(stacked[0][0].shape)}, validation {list(stacked[1][0].shape)}, "
          f"test {list(stacked[2][0].shape)}; label 1 = the query is a circle")
    train, val, test = (PairDataset.from_stacked(x, y) for x, y in stacked)

    models = {
        "siamese SmallCNN": lambda: SiameseNet(SmallCNN(1, 100), ClassifierHead(100, ("abs",))),
        "2-channel SmallCNN": lambda: TwoChannelNet(SmallCNN(2, 100)),
        "single-image classifier": lambda: SingleBranchClassifier(SmallCNN(1, 100)),
    }
    config = TrainConfig(epochs=epochs, batch_size=32, lr=1e-3, seed=0, progress=False)
    rows = []
    for name, build in models.items():
        torch.manual_seed(0)
        rows.append({"model": name, **train_and_test(build(), train, val, test, config)})
    print(f"\n{'model':<24} {'ROC AUC':>8} {'accuracy':>9} {'parameters':>11} {'train s':>8}")
    for r in rows:
        print(f"{r['model']:<24} {r['roc_auc']:>8.4f} {r['accuracy']:>9.4f} {r['parameters']:>11,} {r['train_seconds']:>8.1f}")

    print("\nThe broken original: Linear(…, 2) → ReLU, MSE loss, SGD at lr 1e-6")
    diagnosis = diagnose(**broken_original(args.quick), steps=10 if args.quick else 20)
    print_diagnosis(diagnosis, title="doctor: the broken original")
    args.out.mkdir(parents=True, exist_ok=True)
    write_json(args.out / "results.json", {"rows": rows, "doctor": diagnosis.to_dict()})
    return rows


if __name__ == "__main__":
    main()
