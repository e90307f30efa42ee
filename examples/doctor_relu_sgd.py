"""Doctor reproduction (c): a ReLU after the final 2-unit layer, MSE loss and SGD at lr 1e-6.

A small CNN ends in ``Linear(…, 2) → ReLU``: its 2-d embedding is confined to a quadrant and dead
units give zero distance and zero gradient; MSE on the logit of "same" with plain SGD at lr 1e-6
barely moves the loss at all. ``siamkit doctor`` names both causes: ``model.output_activation`` and
``dynamics.learning_rate``.

The encoder is siamkit's SmallCNN on 1×40×50 images (digits resized; 16×20 with --quick).

    PYTHONPATH=src python examples/doctor_relu_sgd.py [--quick]
"""

from __future__ import annotations

import argparse
import sys

import torch
import torch.nn.functional as F
from torch import nn

import siamkit
from siamkit import ClassifierHead, LabeledData, PairDataset, SiameseNet, SmallCNN
from siamkit.doctor import diagnose, print_expected

EXPECTED = {"model.output_activation", "dynamics.learning_rate"}


def resized_digits(num_items: int, size: tuple[int, int]) -> LabeledData:
    """The first ``num_items`` bundled digits, resized to ``[N, 1, *size]``."""
    data = siamkit.digits().subset(torch.arange(num_items))
    x = F.interpolate(data.x, size=size, mode="bilinear", align_corners=False)
    return LabeledData(x, data.y, data.class_names, name="digits")


def build(quick: bool = False) -> dict:
    """The broken setup: model, pairs, loss and optimizer, ready for :func:`siamkit.doctor.diagnose`."""
    torch.manual_seed(0)
    final_two_units = SmallCNN(in_channels=1, embedding_dim=2)
    model = SiameseNet(nn.Sequential(final_two_units, nn.ReLU()), ClassifierHead(2, features=("abs",)))
    return {
        "model": model,
        "pairs_or_dataset": PairDataset(resized_digits(300, (16, 20) if quick else (40, 50)), num_pairs=256, seed=0),
        "loss": nn.MSELoss(),
        "optimizer": torch.optim.SGD(model.parameters(), lr=1e-6),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer items and probe steps (seconds)")
    args = parser.parse_args(argv)
    diagnosis = diagnose(**build(args.quick), steps=20 if args.quick else 40)
    return 0 if print_expected(diagnosis, EXPECTED, title="doctor: final ReLU, MSE and SGD at lr 1e-6") else 1


if __name__ == "__main__":
    sys.exit(main())
