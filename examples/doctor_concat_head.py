"""Doctor reproduction (b): a pseudo-Siamese network with a concat → one Linear head on black/white images.

The task: are two images the same colour? Each image is all black or all white (3×H×W). Two separate
encoders feed ``[a, b]`` to one linear layer, so the score is ``u(x1) + v(x2)``: it can fit at most 3
of the 4 colour combinations (same colour is XNOR), and no amount of training helps.
``siamkit doctor`` names the cause: ``model.head_capacity`` (and the overfit probe confirms it).

The encoders here are small LeNets so the example runs in seconds; ResNet-18 fails the same way.
To use the real parts, change the two lines marked SWAP.

    PYTHONPATH=src python examples/doctor_concat_head.py [--quick]
"""

from __future__ import annotations

import argparse
import sys

import torch
from torch import nn

from siamkit import ClassifierHead, LabeledData, LeNet, PairBCEWithLogitsLoss, PairDataset
from siamkit.doctor import diagnose, print_diagnosis

EXPECTED = {"model.head_capacity"}
EMBEDDING_DIM = 16


class PseudoSiameseNet(nn.Module):
    """Two encoders with separate weights and one pair head (score_kind from the head)."""

    def __init__(self, encoder_a: nn.Module, encoder_b: nn.Module, head: nn.Module) -> None:
        super().__init__()
        self.encoder_a, self.encoder_b, self.head = encoder_a, encoder_b, head

    @property
    def score_kind(self) -> str:
        return self.head.score_kind

    def forward(self, x1: torch.Tensor, x2: torch.Tensor) -> torch.Tensor:
        return self.head(self.encoder_a(x1), self.encoder_b(x2))


def colors(num_items: int = 64, size: int = 16) -> LabeledData:
    """``num_items`` images ``[N, 3, size, size]``, half all black (class 0), half all white (class 1)."""
    y = torch.arange(num_items) % 2
    x = y.float()[:, None, None, None].expand(num_items, 3, size, size).contiguous()
    return LabeledData(x, y, ["black", "white"], name="colors")


def encoder() -> nn.Module:
    return LeNet(in_channels=3, embedding_dim=EMBEDDING_DIM)  # SWAP: ResNet18 for 3-channel input


def build(quick: bool = False) -> dict:
    """The broken setup: model, pairs, loss and optimizer, ready for :func:`siamkit.doctor.diagnose`."""
    torch.manual_seed(0)
    head = ClassifierHead(EMBEDDING_DIM, features=("concat",))  # concat → one Linear: the cause
    model = PseudoSiameseNet(encoder(), encoder(), head)  # SWAP: siamkit's PseudoSiameseNet
    return {
        "model": model,
        "pairs_or_dataset": PairDataset(colors(size=8 if quick else 16), num_pairs=256, seed=0),
        "loss": PairBCEWithLogitsLoss(),
        "optimizer": torch.optim.Adam(model.parameters(), lr=1e-3),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smaller images and fewer probe steps (seconds)")
    args = parser.parse_args(argv)
    diagnosis = diagnose(**build(args.quick), steps=30 if args.quick else 60)
    print_diagnosis(diagnosis, title="doctor: concat head on the black/white task")
    found = EXPECTED <= {f.id for f in diagnosis.errors}
    print(f"expected {sorted(EXPECTED)}: {'found' if found else 'NOT found'}")
    return 0 if found else 1


if __name__ == "__main__":
    sys.exit(main())
