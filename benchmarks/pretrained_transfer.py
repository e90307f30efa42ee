"""ImageNet-pretrained MobileNetV2 vs the same net from scratch, on Fashion-MNIST classes never trained on.

    PYTHONPATH=src python benchmarks/pretrained_transfer.py [--size 64] [--epochs 3] [--per-class 1000]
    PYTHONPATH=src python benchmarks/pretrained_transfer.py --quick     # a smoke run of a minute or two

Needs the weights (``make weights``) and Fashion-MNIST (``make fashion-mnist``). Images are resized
from 28×28 to ``--size`` (MobileNetV2 divides by 32; ImageNet features need some pixels) and the
default unseen-classes protocol holds Sneaker, Bag and Ankle boot out. Variants share the data, split,
pairs and seed: ``scratch`` (random init), ``pretrained`` (fine-tune everything), ``pretrained, backbone
lr × 0.1`` and ``pretrained, frozen backbone`` (only the last linear layer trains). Printed: ROC AUC
and EER on test pairs of seen classes and on pairs of the unseen classes, side by side, with training time.
``--quick`` only checks that the script runs: in its 4 steps the scratch net's BatchNorm running statistics stay
near their initial values, so in eval mode its features vanish and its AUC is 0.5.
"""

from __future__ import annotations

import argparse
import tempfile
from dataclasses import replace

import torch
import torch.nn.functional as F

from siamkit.data.fashion import fashion_mnist
from siamkit.data.labeled import LabeledData, as_float
from siamkit.experiments.config import ExperimentConfig
from siamkit.experiments.image import run_training
from siamkit.training.config import TrainConfig

VARIANTS = {
    "scratch": {},
    "pretrained": {"pretrained": "imagenet"},
    "pretrained, backbone lr x0.1": {"pretrained": "imagenet", "backbone_lr_mult": 0.1},
    "pretrained, frozen backbone": {"pretrained": "imagenet", "freeze_backbone": True},
}


def resized(data: LabeledData, size: int, per_class: int, seed: int) -> LabeledData:
    """``per_class`` items of each class (official train/test split kept), resized to ``size × size`` (uint8)."""
    generator = torch.Generator().manual_seed(seed)
    index = torch.cat([
        (data.y == k).nonzero().flatten()[torch.randperm(int((data.y == k).sum()), generator=generator)[:per_class]]
        for k in data.classes()
    ])
    small = data.subset(index.sort().values)
    x = torch.cat([
        F.interpolate(as_float(b), size=(size, size), mode="bilinear", antialias=True) for b in small.x.split(2048)
    ])
    return LabeledData(x.mul(255).round().to(torch.uint8), small.y, small.class_names, small.name, small.split)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=64)
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--per-class", type=int, default=1000)
    parser.add_argument("--pairs", type=int, default=8000)
    parser.add_argument("--lr", type=float, default=1e-3)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--quick", action="store_true", help="tiny data, one epoch: checks the script runs")
    args = parser.parse_args()
    if args.quick:
        args.size, args.epochs, args.per_class, args.pairs = 32, 1, 60, 512
    data = resized(fashion_mnist(), args.size, args.per_class, args.seed)
    print(f"fashion-mnist: {len(data)} items at {args.size}×{args.size}, {args.epochs} epoch(s), {args.pairs} pairs")
    base = ExperimentConfig(
        dataset="fashion-mnist", encoder="mobilenet_v2", embedding_dim=64, train_pairs=args.pairs,
        eval_pairs=min(4000, args.pairs),
        train=TrainConfig(epochs=args.epochs, lr=args.lr, seed=args.seed, progress=False),
    )
    rows = []
    for name, settings in VARIANTS.items():
        train = replace(base.train, **{k: v for k, v in settings.items() if k != "pretrained"})
        config = replace(base, pretrained=settings.get("pretrained"), train=train)
        with tempfile.TemporaryDirectory(prefix="siamkit-transfer-") as out:
            metrics = run_training(config, out, data=data)
        unseen = metrics["unseen_classes"]
        seen = (metrics["roc_auc"], metrics["eer"])
        rows.append((name, *seen, unseen["roc_auc"], unseen["eer"], metrics["train_seconds"]))
    print(f"{'variant':32} {'seen AUC':>9} {'seen EER':>9} {'unseen AUC':>11} {'unseen EER':>11} {'train s':>8}")
    for name, *values in rows:
        print(f"{name:32} {values[0]:9.3f} {values[1]:9.3f} {values[2]:11.3f} {values[3]:11.3f} {values[4]:8.1f}")
    scratch = rows[0][3]
    print("unseen AUC, ratio to scratch: " + ", ".join(f"{row[0]} {row[3] / scratch:.3f}" for row in rows[1:]))


if __name__ == "__main__":
    main()
