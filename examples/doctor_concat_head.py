"""Doctor reproduction (b): a pseudo-Siamese network with a concat → one Linear head on black/white images.

The task: are two images the same colour? Each image is all black or all white (3×H×W). Two separate
encoders feed ``[a, b]`` to one linear layer, so the score is ``u(x1) + v(x2)``: it can fit at most 3
of the 4 colour combinations (same colour is XNOR), and no amount of training helps.
``siamkit doctor`` names the cause: ``model.head_capacity`` (and the overfit probe confirms it).

The encoders are siamkit's ResNet-18 (width 8 here, so the probes run in seconds; the full-width
network fails the same way) inside siamkit's ``PseudoSiameseNet``, on siamkit's ``colors`` images.

    PYTHONPATH=src python examples/doctor_concat_head.py [--quick]
"""

from __future__ import annotations

import argparse
import sys

import torch

from siamkit import ClassifierHead, PairBCEWithLogitsLoss, PairDataset, PseudoSiameseNet, ResNet18
from siamkit.data import colors
from siamkit.doctor import diagnose, print_expected

EXPECTED = {"model.head_capacity"}
EMBEDDING_DIM = 16


def build(quick: bool = False) -> dict:
    """The broken setup: model, pairs, loss and optimizer, ready for :func:`siamkit.doctor.diagnose`."""
    torch.manual_seed(0)
    head = ClassifierHead(EMBEDDING_DIM, features=("concat",))  # concat → one Linear: the cause
    model = PseudoSiameseNet(ResNet18(3, EMBEDDING_DIM, width=8), ResNet18(3, EMBEDDING_DIM, width=8), head)
    return {
        "model": model,
        "pairs_or_dataset": PairDataset(colors(64, (16, 16) if quick else (32, 32)), num_pairs=256, seed=0),
        "loss": PairBCEWithLogitsLoss(),
        "optimizer": torch.optim.Adam(model.parameters(), lr=1e-3),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smaller images and fewer probe steps (seconds)")
    args = parser.parse_args(argv)
    diagnosis = diagnose(**build(args.quick), steps=30 if args.quick else 60)
    return 0 if print_expected(diagnosis, EXPECTED, title="doctor: concat head on the black/white task") else 1


if __name__ == "__main__":
    sys.exit(main())
