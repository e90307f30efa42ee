"""The classic "black or white?" trap, reproduced with ResNet-18 pseudo-Siamese encoders.

Every image is entirely black or entirely white; a pair is "same" when the colours match. A head
that concatenates the two embeddings and applies one linear layer computes ``g(x1) + h(x2)``: it
cannot express XNOR and stays at chance. Heads that compare the embeddings — the elementwise
product ``a·b`` or ``|a − b|`` — followed by the same single linear layer solve it.

    python examples/colors_trap.py            # 3×128×128, full-width ResNet-18 (over 15 min on 2 busy CPU cores)
    python examples/colors_trap.py --quick    # 3×32×32, ResNet-18 of width 16 (seconds)

Accuracy is on held-out test pairs (items never trained on) at the threshold calibrated on
validation pairs; ``acc@0`` is the accuracy at logit 0 (sigmoid 0.5), without calibration.
"""

from __future__ import annotations

import argparse
import json

import torch

from siamkit.compare import train_and_test
from siamkit.config import TrainConfig
from siamkit.data import PairDataset, colors, stratified_split
from siamkit.encoders import ResNet18
from siamkit.heads import ClassifierHead
from siamkit.models import PseudoSiameseNet

HEADS = ("concat", "prod", "abs")


def run(size: int, width: int, num_items: int, train_pairs: int, epochs: int, seed: int = 0) -> list[dict]:
    data = colors(num_items, (size, size), seed=seed)
    train, val, test = (data.subset(p) for p in stratified_split(data.y, (0.6, 0.2, 0.2), seed))
    pairs = [PairDataset(part, n, seed=seed + i) for i, (part, n) in enumerate(((train, train_pairs), (val, 200), (test, 200)))]
    config = TrainConfig(epochs=epochs, batch_size=16, lr=1e-3, seed=seed, progress=False)
    rows = []
    for feature in HEADS:
        torch.manual_seed(seed)
        model = PseudoSiameseNet(
            ResNet18(3, 64, width=width), ResNet18(3, 64, width=width), ClassifierHead(64, (feature,))
        )
        result = train_and_test(model, *pairs, config)
        with torch.no_grad():
            x1, x2, y = pairs[2][torch.arange(len(pairs[2]))]
            acc_at_zero = float(((model(x1, x2) >= 0).long() == y).float().mean())
        rows.append({"head": f"{feature} + linear", "acc@0": round(acc_at_zero, 4), **result})
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="3×32×32 images and a ResNet-18 of width 16")
    parser.add_argument("--json", action="store_true", help="print the rows as JSON")
    args = parser.parse_args()
    if args.quick:
        rows = run(size=32, width=16, num_items=100, train_pairs=480, epochs=2)
    else:
        rows = run(size=128, width=64, num_items=100, train_pairs=320, epochs=1)
    if args.json:
        print(json.dumps(rows, indent=2))
        return
    print(f"{'head':<16} {'accuracy':>9} {'acc@0':>7} {'ROC AUC':>8} {'parameters':>11} {'train s':>8}")
    for r in rows:
        print(
            f"{r['head']:<16} {r['accuracy']:>9.3f} {r['acc@0']:>7.3f} {r['roc_auc']:>8.3f} "
            f"{r['parameters']:>11,} {r['train_seconds']:>8.1f}"
        )


if __name__ == "__main__":
    main()
