"""Doctor reproduction (a): a pair loader that returns the same image twice.

A hand-written pair dataset has an indexing bug (``items[i], items[i]`` instead of ``items[i],
items[j]``), so every pair, "different" ones included, shows one image twice; the |a−b| head then
sees only zeros and the network outputs the same value for every pair. ``siamkit doctor`` names the
cause: ``data.identical_pairs``.

    PYTHONPATH=src python examples/doctor_identical_pairs.py [--quick]
"""

from __future__ import annotations

import argparse
import sys

import torch
from torch.utils.data import Dataset

import siamkit
from siamkit import ClassifierHead, LeNet, PairBCEWithLogitsLoss, SiameseNet
from siamkit.data import sample_pairs
from siamkit.doctor import diagnose, print_expected

EXPECTED = {"data.identical_pairs"}


class BuggyPairs(Dataset):
    """Pairs ``(x1, x2, y)`` over labelled items, with the classic bug: the second half re-reads ``i``."""

    def __init__(self, data: siamkit.LabeledData, num_pairs: int, seed: int = 0) -> None:
        self.items = data.x
        self.pairs, self.labels = sample_pairs(data.y, num_pairs, generator=torch.Generator().manual_seed(seed))

    def __len__(self) -> int:
        return len(self.labels)

    def __getitem__(self, k: int):
        i, j = self.pairs[k].tolist()
        return self.items[i], self.items[i], self.labels[k]  # the bug: should be self.items[j]


def build(quick: bool = False) -> dict:
    """The broken setup: model, pairs, loss and optimizer, ready for :func:`siamkit.doctor.diagnose`."""
    torch.manual_seed(0)
    model = SiameseNet(LeNet(in_channels=1, embedding_dim=16), ClassifierHead(16, features=("abs",)))
    return {
        "model": model,
        "pairs_or_dataset": BuggyPairs(siamkit.digits(), 128 if quick else 512),
        "loss": PairBCEWithLogitsLoss(),
        "optimizer": torch.optim.Adam(model.parameters(), lr=1e-3),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer pairs and probe steps (seconds)")
    args = parser.parse_args(argv)
    setup = build(args.quick)
    diagnosis = diagnose(**setup, num_pairs=128 if args.quick else 256, steps=20 if args.quick else 40)
    return 0 if print_expected(diagnosis, EXPECTED, title="doctor: loader returns the same image twice") else 1


if __name__ == "__main__":
    sys.exit(main())
