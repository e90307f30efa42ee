"""ImageNet-pretrained MobileNetV2 vs the same net from scratch, on Fashion-MNIST classes never trained on.

    PYTHONPATH=src python benchmarks/pretrained_transfer.py [--size 64] [--epochs 3] [--seeds 0 1 2] [--variants ...]
    PYTHONPATH=src python benchmarks/pretrained_transfer.py --quick     # a smoke run of a minute or two

Needs the weights (``make weights``) and Fashion-MNIST (``make fashion-mnist``). Images are resized
from 28×28 to ``--size`` (MobileNetV2 divides by 32; ImageNet features need some pixels) and the
default unseen-classes protocol holds Sneaker, Bag and Ankle boot out. Variants share the data, split,
pairs and seed: ``scratch`` (random init), ``pretrained`` (fine-tune everything), ``pretrained, backbone
lr × 0.1`` and ``pretrained, frozen backbone`` (only the last linear layer trains). Printed per seed: ROC AUC
on test pairs of seen classes and on pairs of the unseen classes, with training time, beside the untrained
baselines scored on the same pairs (raw pixels L2 / cosine, PCA); then the unseen-class mean ± half range.
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
    parser.add_argument("--seeds", type=int, nargs="+", default=[0], help="one run per seed; the summary is over them")
    parser.add_argument("--variants", nargs="+", choices=sorted(VARIANTS), default=list(VARIANTS), metavar="NAME",
                        help=f"which of: {', '.join(VARIANTS)} (default all)")
    parser.add_argument("--quick", action="store_true", help="tiny data, one epoch: checks the script runs")
    args = parser.parse_args()
    if args.quick:
        args.size, args.epochs, args.per_class, args.pairs = 32, 1, 60, 512
    print(f"fashion-mnist at {args.size}×{args.size}, {args.per_class} per class, {args.epochs} epoch(s), "
          f"{args.pairs} pairs, seeds {args.seeds}")
    unseen: dict[str, list[float]] = {}
    for seed in args.seeds:
        for name, seen_auc, unseen_auc, seconds in run_seed(args, seed):
            print(f"seed {seed}  {name:34} seen AUC {seen_auc:.3f}  unseen AUC {unseen_auc:.3f}  train {seconds:.0f} s",
                  flush=True)
            unseen.setdefault(name, []).append(unseen_auc)
    print(f"\nunseen classes (Sneaker, Bag, Ankle boot), ROC AUC over seeds {args.seeds}: mean ± half the range")
    for name, values in unseen.items():
        spread = (max(values) - min(values)) / 2
        print(f"{name:34} {sum(values) / len(values):.3f} ± {spread:.3f}   ({', '.join(f'{v:.3f}' for v in values)})")


def run_seed(args: argparse.Namespace, seed: int) -> list[tuple[str, float, float, float]]:
    """``(variant, seen-class test AUC, unseen-class AUC, train seconds)`` per variant, then one row per untrained
    baseline (``baseline: NAME``, scored by the training run on the same pairs; no training seconds)."""
    data = resized(fashion_mnist(), args.size, args.per_class, seed)
    base = ExperimentConfig(
        dataset="fashion-mnist", encoder="mobilenet_v2", embedding_dim=64, train_pairs=args.pairs,
        eval_pairs=min(4000, args.pairs),
        train=TrainConfig(epochs=args.epochs, lr=args.lr, seed=seed, progress=False),
    )
    rows, baselines = [], {}
    for name in args.variants:
        settings = VARIANTS[name]
        train = replace(base.train, **{k: v for k, v in settings.items() if k != "pretrained"})
        config = replace(base, pretrained=settings.get("pretrained"), train=train)
        with tempfile.TemporaryDirectory(prefix="siamkit-transfer-") as out:
            metrics = run_training(config, out, data=data)
        rows.append((name, metrics["roc_auc"], metrics["unseen_classes"]["roc_auc"], metrics["train_seconds"]))
        baselines = metrics["baselines"]
    rows += [(f"baseline: {name}", scores["roc_auc"], scores["unseen_classes"]["roc_auc"], 0.0)
             for name, scores in baselines.items()]
    return rows

if __name__ == "__main__":
    main()
