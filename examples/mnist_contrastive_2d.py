"""The classic Caffe Siamese MNIST example, done right: LeNet → 2-D embedding, contrastive loss.

Real MNIST (5,000 digits, 500 per class). Digits 0–6 train the network; 7, 8 and 9 are never seen in
training. Training pairs are *adjacent* images of a shuffled training set (label 1 = same digit, so
about 1 pair in 7 is "same"), as in Caffe's example, and the loss is Caffe's contrastive loss:
squared Euclidean distance for same pairs, max(0, margin − d)² for different ones, summed and
divided by 2N (``ContrastiveLoss(reduction="half_mean")``).

Prints: verification ROC AUC / accuracy on balanced pairs of held-out test images of digits 0–6 (at
the threshold calibrated on validation pairs), and 3-way 1-shot accuracy on digits 7–9 (never
trained on). Saves the 2-D embedding of the test images coloured by digit and the loss curves.

    python examples/mnist_contrastive_2d.py [--quick] [--out runs/examples/mnist_contrastive_2d]
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import torch

from siamkit import (
    ContrastiveLoss,
    DistanceHead,
    LabeledData,
    LeNet,
    PairDataset,
    SiameseNet,
    TrainConfig,
    calibrate_and_test,
    class_disjoint_split,
    embed_items,
    few_shot_accuracy,
    fit,
    mnist,
    pair_scores,
    stratified_split,
)
from siamkit.reporting.plots import plot_embedding_2d, plot_loss

UNSEEN_DIGITS = (7, 8, 9)


def adjacent_pairs(data: LabeledData, rounds: int, seed: int) -> PairDataset:
    """Shuffle the items ``rounds`` times; each time pair every item with the next one (label 1 = same digit)."""
    generator = torch.Generator().manual_seed(seed)
    x1, x2, y = [], [], []
    for _ in range(rounds):
        order = torch.randperm(len(data), generator=generator)
        x1.append(data.x[order[:-1]])
        x2.append(data.x[order[1:]])
        y.append((data.y[order[:-1]] == data.y[order[1:]]).long())
    return PairDataset.from_pairs(torch.cat(x1), torch.cat(x2), torch.cat(y))


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a few hundred images and one epoch (seconds)")
    parser.add_argument("--out", type=Path, default=Path("runs/examples/mnist_contrastive_2d"))
    args = parser.parse_args(argv)
    rounds, epochs, per_class, eval_pairs, episodes = (1, 1, 40, 400, 50) if args.quick else (4, 6, 500, 4000, 1000)

    data = mnist()
    data = data.subset(torch.cat([torch.nonzero(data.y == c).flatten()[:per_class] for c in range(10)]))
    seen_idx, unseen_idx = class_disjoint_split(data.y, UNSEEN_DIGITS)
    seen, unseen = data.subset(seen_idx), data.subset(unseen_idx)
    train, val, test = (seen.subset(i) for i in stratified_split(seen.y, (0.8, 0.1, 0.1), seed=0))

    train_pairs = adjacent_pairs(train, rounds, seed=0)
    val_pairs, test_pairs = PairDataset(val, eval_pairs // 2, seed=1), PairDataset(test, eval_pairs, seed=2)
    print(f"{len(train)} training images of digits 0–6 → {len(train_pairs)} adjacent pairs, "
          f"{float(train_pairs.labels.float().mean()):.1%} of them 'same'")

    torch.manual_seed(0)
    model = SiameseNet(LeNet(in_channels=1, embedding_dim=2), DistanceHead("euclidean"))
    loss = ContrastiveLoss(margin=1.0, squared=True, reduction="half_mean")
    started = time.perf_counter()
    result = fit(model, loss, train_pairs, val_pairs, TrainConfig(epochs=epochs, batch_size=16, progress=False))
    seconds = time.perf_counter() - started

    threshold, report = calibrate_and_test(*pair_scores(model, val_pairs), *pair_scores(model, test_pairs), "distance")
    oneshot = few_shot_accuracy(model, unseen, ways=3, shots=1, episodes=episodes, seed=0)

    args.out.mkdir(parents=True, exist_ok=True)
    plot_loss(result.history, args.out / "loss.png")
    shown = LabeledData(torch.cat([test.x, unseen.x]), torch.cat([test.y, unseen.y]), data.class_names)
    plot_embedding_2d(embed_items(model, shown.x), shown.y, shown.class_names, args.out / "embedding_2d.png")

    numbers = {
        "train_seconds": round(seconds, 1),
        "final_train_loss": round(result.history[-1]["train_loss"], 4),
        "seen_auc": round(report.roc_auc, 4),
        "seen_accuracy": round(report.accuracy, 4),
        "threshold": round(threshold, 4),
        "unseen_3way_1shot": round(oneshot.accuracy, 3),
        "unseen_3way_1shot_ci95": round(oneshot.ci95, 3),
    }
    print(f"trained {epochs} epochs in {seconds:.0f} s; final train loss {numbers['final_train_loss']}")
    print(f"digits 0–6, held-out test images, {len(test_pairs)} balanced pairs: ROC AUC {report.roc_auc:.4f}, "
          f"accuracy {report.accuracy:.4f} at the validation threshold d < {threshold:.3f}")
    print(f"digits 7–9, never trained on: 3-way 1-shot accuracy {oneshot.accuracy:.3f} ± {oneshot.ci95:.3f} "
          f"({episodes} episodes, chance 0.333)")
    print(f"wrote {args.out / 'embedding_2d.png'} and {args.out / 'loss.png'}")
    return numbers


if __name__ == "__main__":
    main()
