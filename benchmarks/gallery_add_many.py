"""Time of one ``Gallery.add_many`` call for 1k, 8k and 32k items: it should grow linearly with the items.

    PYTHONPATH=src python benchmarks/gallery_add_many.py [--dim 128] [--repeats 3]

Each size enrols that many new items (ids ``item0 …``, 10 labels, random float32 embeddings of
``--dim``, empty metadata) into an empty flat ``l2`` gallery; prints the median seconds per size, the
microseconds per item, and the ratio of the 32k to the 8k time: ≈ 4 means linear, ≈ 16 quadratic
(the one-module gallery's duplicate check, ``list.count`` per id, was quadratic: 0.68 s for 8k items on a
2-core Xeon where this takes 0.0095 s).
"""

from __future__ import annotations

import argparse

import numpy as np
from perf_common import call_seconds, machine, median

from siamkit.deploy.gallery.gallery import Gallery

SIZES = (1_000, 8_000, 32_000)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dim", type=int, default=128)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    print(machine())
    seconds = {}
    for n in SIZES:
        ids = [f"item{i}" for i in range(n)]
        labels = [f"label{i % 10}" for i in range(n)]
        vectors = np.random.default_rng(0).normal(size=(n, args.dim)).astype(np.float32)

        def enrol() -> None:
            Gallery(args.dim, "bench").add_many(ids, labels, vectors)

        seconds[n] = median(call_seconds(enrol, args.repeats))
        print(f"{n:>6} items: {seconds[n]:8.4f} s  ({1e6 * seconds[n] / n:6.2f} µs per item)")
    ratio = seconds[SIZES[2]] / seconds[SIZES[1]]
    print(f"ratio 32k / 8k: {ratio:.2f} (4 = linear, 16 = quadratic)")


if __name__ == "__main__":
    main()
