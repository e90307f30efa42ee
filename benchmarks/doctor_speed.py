"""Wall time of a full ``siamkit.doctor.diagnose`` of seed 001's set-up: two ResNet-18 encoders (width 64)
on 3×128×128 images, ``forward(torch.stack([X1, X2]))``, product head → Linear → Sigmoid, MSE.

The pairs are the bundled digits resized to 128×128 RGB (256 pairs). Prints the machine, the time,
the probe size the time budget chose and the findings.

Run: PYTHONPATH=src nice -n 10 python benchmarks/doctor_speed.py [--budget 30] [--combine product|concat]
"""

from __future__ import annotations

import argparse
import time

import torch
import torch.nn.functional as F
from perf_common import machine
from torch import nn

import siamkit
from siamkit.doctor import diagnose
from siamkit.nn.encoders.resnet import ResNet18


class TemplateEvaluator(nn.Module):
    """Two ResNet-18s, ``x`` ``[2, B, 3, H, W]`` → ``[B]`` in (0, 1)."""

    def __init__(self, combine: str) -> None:
        super().__init__()
        self.template_encoder, self.candidate_encoder = ResNet18(3, 128), ResNet18(3, 128)
        self.combine = combine
        self.fc = nn.Linear(256 if combine == "concat" else 128, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        a, b = self.template_encoder(x[0]), self.candidate_encoder(x[1])
        joint = torch.cat([a, b], 1) if self.combine == "concat" else a * b
        return torch.sigmoid(self.fc(joint)).squeeze(1)


def pairs(num_pairs: int, size: int = 128) -> tuple[torch.Tensor, ...]:
    digits = siamkit.digits().subset(torch.arange(600))
    x1, x2, y = siamkit.PairDataset(digits, num_pairs=num_pairs, seed=0)[torch.arange(num_pairs)]
    rgb = lambda x: F.interpolate(x, size=(size, size), mode="bilinear", align_corners=False).expand(-1, 3, -1, -1)
    return rgb(x1).contiguous(), rgb(x2).contiguous(), y.float()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--budget", type=float, default=30.0, help="diagnose(budget_s=...); 0 = no budget")
    parser.add_argument("--combine", choices=["product", "concat"], default="product")
    parser.add_argument("--pairs", type=int, default=256)
    args = parser.parse_args()
    print(machine())
    torch.manual_seed(0)
    model = TemplateEvaluator(args.combine)
    data = pairs(args.pairs)
    started = time.perf_counter()
    diagnosis = diagnose(model, data, loss=nn.MSELoss(), num_pairs=args.pairs, budget_s=args.budget or None)
    seconds = time.perf_counter() - started
    print(f"full diagnosis: {seconds:.1f} s (budget {args.budget:g} s), {args.combine} head, {args.pairs} pairs")
    for finding in diagnosis.findings:
        print(f"  {finding.severity:7s} {finding.id}: {finding.title}")
    for name, status in diagnosis.checks.items():
        if status != "ran":
            print(f"  {name}: {status}")


if __name__ == "__main__":
    main()
