"""Siamese training throughput: the reference way vs the siamkit way, side by side in one run.

    PYTHONPATH=src python benchmarks/train_throughput.py [--threads 1] [--rounds 3] [--steps 6]

For LeNet on 1×28×28 and SmallCNN on 1×40×50 inputs (random images, 10 classes, batch 128 pairs):

(a) reference — as common reference implementations train (pytorch/examples ``siamese_network``,
    tutorials): a map-style Dataset draws each pair in ``__getitem__`` with Python's ``random``, a
    DataLoader collates items one by one, the encoder runs once per branch, ``loss.item()`` every step;
(b) siamkit — :func:`siamkit.training.trainer` as ``fit`` runs it (Lightning): pairs sampled vectorized into
    index tensors, batches sliced from the in-memory item tensor, one batched encoder pass,
    channels_last weights, no per-step host sync; in fp32 and with ``precision="bf16-mixed"``.

Variants run interleaved, ``--rounds`` times, each timing ``--steps`` steady-state steps (after one
warm-up step); pairs/s is the median over rounds. FLOPs per pair are counted by
``torch.utils.flop_counter`` (forward + backward), so GFLOP/s = FLOP/pair × pairs/s; the fp32 matmul
peak (1024² matmul, best of 5) is measured in each round at the same thread count.
"""

from __future__ import annotations

import argparse
import random
import time

import torch
import torch.nn.functional as F
from perf_common import machine, matmul_gflops, median
from torch import nn
from torch.utils.data import DataLoader, Dataset
from torch.utils.flop_counter import FlopCounterMode

from siamkit.data import LabeledData, PairDataset, pair_loader
from siamkit.losses.pair import ContrastiveLoss
from siamkit.nn.encoders import build_encoder
from siamkit.nn.heads import DistanceHead
from siamkit.nn.models import SiameseNet
from siamkit.training.config import TrainConfig
from siamkit.training.module import PairModule
from siamkit.training.trainer import run_trainer

INPUTS = {"lenet": (1, 28, 28), "small_cnn": (1, 40, 50)}
EMBEDDING = {"lenet": 32, "small_cnn": 100}
MARGIN = 1.0


def encoder_for(name: str) -> nn.Module:
    return build_encoder(name, INPUTS[name], EMBEDDING[name])


def synthetic_items(shape: tuple[int, ...], num_items: int = 4096, num_classes: int = 10) -> LabeledData:
    """Random ``uint8`` images ``[N, *shape]`` with random class ids (throughput does not depend on content)."""
    generator = torch.Generator().manual_seed(0)
    x = torch.randint(0, 256, (num_items, *shape), dtype=torch.uint8, generator=generator)
    return LabeledData(x, torch.randint(0, num_classes, (num_items,), generator=generator))


class ReferencePairs(Dataset):
    """One random pair per ``__getitem__`` (even index: same class, odd: different), as in pytorch/examples."""

    def __init__(self, data: LabeledData, num_pairs: int) -> None:
        self.images = data.x
        self.num_pairs = num_pairs
        self.by_class = {c: torch.nonzero(data.y == c).flatten().tolist() for c in data.classes()}
        self.classes = list(self.by_class)

    def __len__(self) -> int:
        return self.num_pairs

    def __getitem__(self, index: int):
        cls = random.choice(self.classes)
        first = random.choice(self.by_class[cls])
        if index % 2 == 0:
            second = first
            while second == first:
                second = random.choice(self.by_class[cls])
        else:
            other = random.choice([c for c in self.classes if c != cls])
            second = random.choice(self.by_class[other])
        x1 = self.images[first].float() / 255.0
        x2 = self.images[second].float() / 255.0
        return x1, x2, torch.tensor(1.0 if index % 2 == 0 else 0.0)


def reference_pairs_per_second(encoder: nn.Module, data: LabeledData, batch: int, steps: int) -> float:
    """(a): per-item pairs through a collating DataLoader, two encoder passes, ``.item()`` each step."""
    loader = DataLoader(ReferencePairs(data, (steps + 1) * batch), batch_size=batch, shuffle=True)
    optimizer = torch.optim.Adam(encoder.parameters(), lr=1e-3)
    running = 0.0
    for step, (x1, x2, y) in enumerate(loader):
        e1, e2 = encoder(x1), encoder(x2)
        distance = F.pairwise_distance(e1, e2)
        loss = (y * distance.pow(2) + (1 - y) * (MARGIN - distance).clamp(min=0).pow(2)).mean()
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        running += loss.item()
        if step == 0:
            start = time.perf_counter()
    return steps * batch / (time.perf_counter() - start)


class TimedPairModule(PairModule):
    """:class:`~siamkit.training.module.PairModule` that times batches 1…n (batch 0 is the warm-up)."""

    def on_train_batch_end(self, outputs, batch, batch_idx: int) -> None:
        if batch_idx == 0:
            self.started = time.perf_counter()
        self.finished = time.perf_counter()


def siamkit_pairs_per_second(model: SiameseNet, data: LabeledData, batch: int, steps: int, precision: str) -> float:
    """(b): what :func:`siamkit.training.trainer.fit` runs, timed in steady state."""
    config = TrainConfig(epochs=1, batch_size=batch, progress=False, precision=precision, channels_last=True)
    module = TimedPairModule(model, ContrastiveLoss(MARGIN), config)
    pairs = PairDataset(data, (steps + 1) * batch, seed=0)
    run_trainer(module, pair_loader(pairs, batch, shuffle=True, shard=True), None, config)
    return steps * batch / (module.finished - module.started)


def flops_per_pair(encoder: nn.Module, shape: tuple[int, ...], batch: int) -> float:
    """Forward + backward FLOPs of one training step over ``batch`` pairs, divided by ``batch``."""
    model = SiameseNet(encoder, DistanceHead())
    x1, x2 = torch.rand(batch, *shape), torch.rand(batch, *shape)
    with FlopCounterMode(display=False) as counter:
        ContrastiveLoss(MARGIN)(model(x1, x2), torch.ones(batch)).backward()
    model.zero_grad()
    return counter.get_total_flops() / batch


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--steps", type=int, default=6)
    parser.add_argument("--batch-size", type=int, default=128)
    parser.add_argument("--encoders", nargs="+", default=list(INPUTS), choices=list(INPUTS))
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    random.seed(0)
    torch.manual_seed(0)
    print(f"machine: {machine()}")

    variants = ("(a) reference", "(b) siamkit fp32", "(b) siamkit bf16-mixed")
    rates: dict[tuple[str, str], list[float]] = {}
    peaks: list[float] = []
    setups = {}
    for name in args.encoders:
        data = synthetic_items(INPUTS[name])
        models = {"(a) reference": encoder_for(name)}
        models.update({v: SiameseNet(encoder_for(name), DistanceHead()) for v in variants[1:]})
        setups[name] = (data, models, flops_per_pair(encoder_for(name), INPUTS[name], args.batch_size))
    for _ in range(args.rounds):
        peaks.append(matmul_gflops())
        for name, (data, models, _) in setups.items():
            for variant in variants:
                if variant.startswith("(a)"):
                    rate = reference_pairs_per_second(models[variant], data, args.batch_size, args.steps)
                else:
                    precision = "bf16-mixed" if "bf16" in variant else "32-true"
                    rate = siamkit_pairs_per_second(models[variant], data, args.batch_size, args.steps, precision)
                rates.setdefault((name, variant), []).append(rate)

    peak = median(peaks)
    print(f"fp32 matmul peak (1024², median of rounds): {peak:.1f} GFLOP/s\n")
    print(f"{'encoder':9} {'input':>8} {'variant':24} {'pairs/s':>8} {'GFLOP/s':>8} {'% peak':>7} {'× (a)':>6}")
    summary = {}
    for name, (_, _, flops) in setups.items():
        base = median(rates[(name, variants[0])])
        for variant in variants:
            rate = median(rates[(name, variant)])
            gflops = rate * flops / 1e9
            summary[(name, variant)] = (rate, gflops / peak)
            print(f"{name:9} {'x'.join(map(str, INPUTS[name])):>8} {variant:24} {rate:8.0f} {gflops:8.1f} "
                  f"{100 * gflops / peak:6.0f}% {rate / base:6.2f}")
    print()
    if "lenet" in setups:
        for variant in variants[1:]:
            ratio = summary[("lenet", variant)][0] / summary[("lenet", variants[0])][0]
            print(f"LeNet 28×28 batch {args.batch_size}: {variant[4:]} / reference = {ratio:.2f}× (target ≥ 2×)")
    if "small_cnn" in setups:
        share = summary[("small_cnn", variants[1])][1]
        bf16 = summary[("small_cnn", variants[2])][0] / summary[("small_cnn", variants[1])][0]
        print(f"SmallCNN 1×40×50: siamkit fp32 reaches {100 * share:.0f}% of the fp32 matmul peak (target ≥ 50%)")
        print(f"SmallCNN 1×40×50: bf16-mixed / fp32 = {bf16:.2f}× (target ≥ 1.3×)")


if __name__ == "__main__":
    main()
