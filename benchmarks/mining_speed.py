"""Mining time of siamkit's triplet miners vs pytorch-metric-learning's, side by side in one run.

Batch 256 × dim 128 (32 classes × 8 items, a P×K batch), Euclidean distance, CPU. For each strategy
both miners see the same embeddings; the script checks that they return the same triplets and
prints the median time of each and the ratio (PML time / siamkit time; > 1 means siamkit is faster).

Run: PYTHONPATH=src OMP_NUM_THREADS=1 python benchmarks/mining_speed.py [--repeats 20]
"""

from __future__ import annotations

import argparse
import statistics
import time

import torch
from pytorch_metric_learning import distances, miners

from siamkit.losses.mining import TripletMiner

MARGIN = 0.2


def pml_miner(strategy: str):
    distance = distances.LpDistance(normalize_embeddings=False)
    if strategy == "batch_hard":
        return miners.BatchHardMiner(distance=distance)
    return miners.TripletMarginMiner(MARGIN, "all" if strategy == "batch_all" else "semihard", distance=distance)


def median_seconds(fn, repeats: int) -> float:
    fn()  # warm-up
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batch", type=int, default=256)
    parser.add_argument("--dim", type=int, default=128)
    parser.add_argument("--classes", type=int, default=32)
    parser.add_argument("--repeats", type=int, default=20)
    args = parser.parse_args()

    g = torch.Generator().manual_seed(0)
    labels = torch.arange(args.classes).repeat_interleave(args.batch // args.classes)
    centers = torch.randn(args.classes, args.dim, generator=g)
    emb = centers[labels] * 0.05 + torch.randn(len(labels), args.dim, generator=g) / args.dim**0.5

    print(f"batch {len(labels)} × dim {args.dim}, {args.classes} classes, torch threads {torch.get_num_threads()}")
    print(f"{'strategy':<12}{'triplets':>10}{'siamkit ms':>12}{'PML ms':>10}{'PML/siamkit':>13}  same")
    for strategy in ("batch_all", "batch_hard", "semi_hard"):
        ours, theirs = TripletMiner(strategy, MARGIN), pml_miner(strategy)
        same = all(torch.equal(a, b) for a, b in zip(ours(emb, labels), theirs(emb, labels)))
        t_ours = median_seconds(lambda: ours(emb, labels), args.repeats)
        t_pml = median_seconds(lambda: theirs(emb, labels), args.repeats)
        count = len(ours(emb, labels)[0])
        print(f"{strategy:<12}{count:>10}{t_ours * 1e3:>12.2f}{t_pml * 1e3:>10.2f}{t_pml / t_ours:>13.2f}  {same}")


if __name__ == "__main__":
    main()
