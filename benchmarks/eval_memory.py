"""Peak memory and time of Recall@K / MAP@R on many random embeddings (default 100k × 128).

Chunked search keeps one ``[chunk, N]`` distance block alive instead of the ``N × N`` matrix;
the script prints the peak resident memory next to what the full matrix alone would need.

    PYTHONPATH=src python benchmarks/eval_memory.py [--n 100000] [--dim 128] [--classes 1000] [--backend torch]
"""

from __future__ import annotations

import argparse
import resource
import time

import torch

from siamkit.evaluation.retrieval import retrieval_metrics


def peak_rss_mb() -> float:
    """Peak resident set size of this process so far (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=100_000)
    parser.add_argument("--dim", type=int, default=128)
    parser.add_argument("--classes", type=int, default=1000)
    parser.add_argument("--backend", default="torch", choices=["torch", "faiss", "auto"])
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()

    g = torch.Generator().manual_seed(args.seed)
    embeddings = torch.randn(args.n, args.dim, generator=g)
    labels = torch.randint(args.classes, (args.n,), generator=g)
    before = peak_rss_mb()
    started = time.perf_counter()
    report = retrieval_metrics(embeddings, labels, ks=(1, 5, 10), backend=args.backend)
    seconds = time.perf_counter() - started
    peak = peak_rss_mb()
    full_matrix_mb = args.n * args.n * 4 / 2**20
    print(f"{args.n} × {args.dim} random embeddings, {args.classes} classes, backend {report.backend}")
    print(f"Recall@1 {report.recall_at['1']:.5f}  MAP@R {report.map_at_r:.6f}  ({seconds:.1f} s)")
    print(f"peak RSS {peak:.0f} MB (before search {before:.0f} MB; target < 2048 MB)")
    print(f"a full {args.n} × {args.n} float32 distance matrix alone: {full_matrix_mb:.0f} MB "
          f"({full_matrix_mb / peak:.1f}× this run's peak)")


if __name__ == "__main__":
    main()
