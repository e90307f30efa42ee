"""Exact nearest-neighbour search over 1M × 128 vectors: FAISS flat index vs torch matmuls.

    PYTHONPATH=src python benchmarks/search_throughput.py [--threads 1] [--num 1000000] [--batch 64]

All methods search the same random gallery (float32, L2 distance, top 10) with the same query batches
of ``--batch``, interleaved over ``--rounds``; prints queries/s (median over rounds), whether each
returns FAISS's top-k ids, and whether the fastest reaches the 100 queries/s target. FAISS's
``IndexFlatL2`` is the index a ``siamkit.deploy.gallery.Gallery`` builds with ``index="flat"``. Plain torch:
``‖q‖² − 2 q·xᵀ + ‖x‖²`` as one ``[B, N]`` matmul, then ``topk``; chunked: :func:`siamkit.evaluation.search.exact_search`.
"""

from __future__ import annotations

import argparse
import time

import torch
from perf_common import machine, median

from siamkit.evaluation.search import exact_search


def torch_search(gallery: torch.Tensor, squared_norms: torch.Tensor, queries: torch.Tensor, k: int) -> torch.Tensor:
    """Ids ``[B, k]`` of the ``k`` nearest gallery rows (L2) of each query ``[B, D]``."""
    distances = torch.addmm(squared_norms[None, :], queries, gallery.t(), alpha=-2.0)
    return distances.topk(k, dim=1, largest=False).indices


def main() -> None:
    import faiss

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--num", type=int, default=1_000_000)
    parser.add_argument("--dim", type=int, default=128)
    parser.add_argument("--batch", type=int, default=64)
    parser.add_argument("--batches", type=int, default=5, help="query batches timed per round")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("-k", type=int, default=10)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    faiss.omp_set_num_threads(args.threads)
    print(f"machine: {machine()}; faiss {faiss.__version__}, {args.threads} thread(s)")

    generator = torch.Generator().manual_seed(0)
    gallery = torch.randn(args.num, args.dim, generator=generator)
    queries = torch.randn(args.batches, args.batch, args.dim, generator=generator)
    index = faiss.IndexFlatL2(args.dim)
    index.add(gallery.numpy())
    squared_norms = gallery.pow(2).sum(1)
    methods = {
        "faiss IndexFlatL2": lambda q: torch.from_numpy(index.search(q.numpy(), args.k)[1]),
        "torch matmul + topk": lambda q: torch_search(gallery, squared_norms, q, args.k),
        "siamkit exact_search": lambda q: exact_search(gallery, q, args.k, gallery_sq_norms=squared_norms)[1],
    }
    rates: dict[str, list[float]] = {name: [] for name in methods}
    found: dict[str, list[torch.Tensor]] = {}
    for name, search in methods.items():  # warm-up, and the ids to compare
        found[name] = [search(q) for q in queries[:1]]
    for _ in range(args.rounds):
        for name, search in methods.items():
            start = time.perf_counter()
            for q in queries:
                search(q)
            rates[name].append(args.batches * args.batch / (time.perf_counter() - start))

    reference = found["faiss IndexFlatL2"][0]
    print(f"{args.num:,} × {args.dim} float32 gallery, L2, top {args.k}, batches of {args.batch} queries")
    print(f"{'method':22} {'queries/s':>10} {'ms/batch':>9} {'× faiss':>8} {'same ids as faiss':>18}")
    faiss_rate = median(rates["faiss IndexFlatL2"])
    for name in methods:
        rate = median(rates[name])
        ids = found[name][0]
        agree = sum(len(set(x.tolist()) & set(y.tolist())) for x, y in zip(ids, reference)) / ids.numel()
        print(f"{name:22} {rate:10.0f} {1000 * args.batch / rate:9.1f} {rate / faiss_rate:8.2f} {100 * agree:17.1f}%")
    best = max(methods, key=lambda name: median(rates[name]))
    rate = median(rates[best])
    print(f"exact search ≥ 100 queries/s in batches of {args.batch}: {'yes' if rate >= 100 else 'NO'} "
          f"({best}, {rate:.0f} queries/s)")


if __name__ == "__main__":
    main()
