"""The seed documents' models and loaders as their authors wrote them, in small sizes, for doctor tests.

seed 000: ``SiameseCNN`` takes one stacked tensor ``[N, 2, H, W]`` and returns ``[N, 2]`` through a final
ReLU, trained with BCELoss on one-hot ``[N, 2]`` targets and SGD lr 1e-6, from
``DataLoader(TensorDataset(x, y))``. seed 001: ``TemplateEvaluator`` takes ``torch.stack([X1, X2])``
``[2, B, 3, H, W]`` through two ResNet-18 encoders; its bug is a concat → Linear head, its fix the
element-wise product of the embeddings → Linear → Sigmoid, trained with MSE.

Also usable as ``siamkit doctor --model tests/doctor_seeds.py:seed000_model --data
tests/doctor_seeds.py:seed000_loader``.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

import siamkit
from siamkit.data import PairDataset
from siamkit.nn.encoders.resnet import ResNet18

SIZE = (20, 25)  # seed 000 used 40×50


class SiameseCNN(nn.Module):
    """seed 000: one conv tower applied to each image of ``data`` ``[N, 2, H, W]`` → ``[N, 2]``."""

    def __init__(self, final: nn.Module | None = None) -> None:
        super().__init__()
        self.conv = nn.Sequential(
            nn.Conv2d(1, 8, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(8, 16, 3, padding=1), nn.ReLU(), nn.AdaptiveAvgPool2d((4, 4)), nn.Flatten(),
        )
        self.fc = nn.Sequential(nn.Linear(256, 64), nn.ReLU(), nn.Linear(64, 2))
        self.final = nn.ReLU() if final is None else final

    def forward(self, data: torch.Tensor) -> torch.Tensor:
        a = self.conv(data[:, 0].unsqueeze(1))
        b = self.conv(data[:, 1].unsqueeze(1))
        return self.final(self.fc(torch.abs(a - b)))


def pairs_stacked(num_pairs: int = 192, seed: int = 0) -> tuple[torch.Tensor, torch.Tensor]:
    """Digit pairs resized to ``SIZE``: ``x`` ``[N, 2, H, W]`` and one-hot labels ``[N, 2]`` (column 1 = same)."""
    digits = siamkit.digits().subset(torch.arange(400))
    x1, x2, y = PairDataset(digits, num_pairs=num_pairs, seed=seed)[torch.arange(num_pairs)]
    x = torch.stack([x1[:, 0], x2[:, 0]], 1)
    x = F.interpolate(x, size=SIZE, mode="bilinear", align_corners=False)
    return x, F.one_hot(y.long(), 2).float()


def seed000_model() -> nn.Module:
    torch.manual_seed(0)
    return SiameseCNN()


def seed000_fixed_model() -> nn.Module:
    """seed 000's fix: Sigmoid instead of the final ReLU (BCELoss takes probabilities)."""
    torch.manual_seed(0)
    return SiameseCNN(final=nn.Sigmoid())


def seed000_loader() -> DataLoader:
    return DataLoader(TensorDataset(*pairs_stacked()), batch_size=32)


def seed000_same_pair_loader() -> DataLoader:
    """The author's data bug: every item is the same two images, labels alternate 1, 0."""
    x, _ = pairs_stacked(2)
    n = 128
    y = (torch.arange(n) + 1) % 2
    return DataLoader(TensorDataset(x[:1].repeat(n, 1, 1, 1), F.one_hot(y, 2).float()), batch_size=32)


class TemplateEvaluator(nn.Module):
    """seed 001: ``forward(x)`` with ``x = torch.stack([X1, X2])`` ``[2, B, 3, H, W]`` → ``[B]`` in (0, 1);
    the final sigmoid an ``nn.Sigmoid`` module, or ``torch.sigmoid`` when ``functional``."""

    def __init__(self, combine: str = "concat", width: int = 8, dim: int = 32, functional: bool = False) -> None:
        super().__init__()
        self.template_encoder = ResNet18(3, dim, width=width)
        self.candidate_encoder = ResNet18(3, dim, width=width)
        self.combine = combine
        self.fc = nn.Linear(2 * dim if combine == "concat" else dim, 1)
        self.out = torch.sigmoid if functional else nn.Sigmoid()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        a, b = self.template_encoder(x[0]), self.candidate_encoder(x[1])
        joint = torch.cat([a, b], 1) if self.combine == "concat" else a * b
        return self.out(self.fc(joint)).squeeze(1)


def seed001_model(combine: str = "concat", width: int = 8, functional: bool = False) -> nn.Module:
    torch.manual_seed(0)
    return TemplateEvaluator(combine, width, functional=functional)


def seed001_pairs(num_pairs: int = 160, size: int = 32, seed: int = 0) -> tuple[torch.Tensor, ...]:
    """Digit pairs as RGB ``[N, 3, size, size]`` halves ``X1, X2`` and labels ``[N]`` (1 = same)."""
    digits = siamkit.digits().subset(torch.arange(400))
    x1, x2, y = PairDataset(digits, num_pairs=num_pairs, seed=seed)[torch.arange(num_pairs)]

    def rgb(x: torch.Tensor) -> torch.Tensor:
        return F.interpolate(x, size=(size, size), mode="bilinear", align_corners=False).expand(-1, 3, -1, -1)

    return rgb(x1).contiguous(), rgb(x2).contiguous(), y.float()
