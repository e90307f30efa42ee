"""Same colour? Two ResNet-18 encoders on all-black / all-white 3×128×128 images — the classic trap.

Every image is entirely black or entirely white; a pair is "same" (label 1) when the colours match.
Two ResNet-18 encoders (a pseudo-Siamese net: separate weights) feed a pair head with one linear
layer. With ``concat`` features the score is ``g(x1) + h(x2)``: an additive score cannot express
XNOR, so it stays at chance however long it trains. Heads that *compare* the embeddings — the
elementwise product ``a·b`` or ``|a − b|`` — followed by the same single linear layer solve it.
``siamkit doctor`` explains the concat failure (``model.head_capacity``; the set-up of
``doctor_concat_head.py``).

    python examples/same_color_resnet.py [--quick] [--out runs/examples/same_color_resnet]

Full mode: 3×128×128 images, ResNet-18 of width 8 (the standard network is width 64; it fails and
succeeds the same way but takes far longer on a CPU). ``--quick``: 3×32×32, width 8, 10 steps. Accuracy is on
held-out test pairs at the threshold calibrated on validation pairs; ``acc@0`` is at logit 0.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import torch
from doctor_concat_head import build as concat_head_setup

from siamkit import ClassifierHead, PairDataset, PseudoSiameseNet, ResNet18, TrainConfig, stratified_split
from siamkit.core.fileio import write_json
from siamkit.data import colors
from siamkit.doctor import diagnose, print_diagnosis
from siamkit.experiments.compare import train_and_test

HEADS = ("concat", "prod", "abs")


def run(size: int, width: int, num_items: int, train_pairs: int, epochs: int, seed: int = 0) -> list[dict]:
    """Train one pseudo-Siamese ResNet-18 per head on the same pairs; one result row per head."""
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


def main(argv: list[str] | None = None) -> list[dict]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="3×32×32 images and a ResNet-18 of width 8 (seconds)")
    parser.add_argument("--out", type=Path, default=Path("runs/examples/same_color_resnet"))
    args = parser.parse_args(argv)
    if args.quick:
        rows = run(size=32, width=8, num_items=40, train_pairs=160, epochs=1)
    else:
        rows = run(size=128, width=8, num_items=100, train_pairs=480, epochs=2)
    print(f"{'head':<16} {'accuracy':>9} {'acc@0':>7} {'ROC AUC':>8} {'parameters':>11} {'train s':>8}")
    for r in rows:
        print(
            f"{r['head']:<16} {r['accuracy']:>9.3f} {r['acc@0']:>7.3f} {r['roc_auc']:>8.3f} "
            f"{r['parameters']:>11,} {r['train_seconds']:>8.1f}"
        )
    diagnosis = diagnose(**concat_head_setup(args.quick), steps=20 if args.quick else 30)
    print_diagnosis(diagnosis, title="doctor: why the concat head cannot learn 'same colour'")
    args.out.mkdir(parents=True, exist_ok=True)
    write_json(args.out / "results.json", {"rows": rows, "doctor": diagnosis.to_dict()})
    return rows


if __name__ == "__main__":
    main()
