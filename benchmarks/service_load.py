"""Load test of `siamkit serve` on 127.0.0.1: 1,000 requests (verify / search, 10 % malformed) from
4 concurrent clients; prints p50 / p99 latency and the number of 5xx answers (must be 0).

    PYTHONPATH=src python benchmarks/service_load.py [--checkpoint model.ckpt] [--requests 1000]

Without --checkpoint a tiny LeNet is trained on digits first (a few seconds). The server runs as a
subprocess (`python -m siamkit serve`) and is stopped at the end; every loop is bounded.
"""

from __future__ import annotations

import argparse
import io
import random
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import numpy as np
from PIL import Image

SRC = Path(__file__).resolve().parents[1] / "src"


def png(array: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(array).save(buffer, format="PNG")
    return buffer.getvalue()


def digit_pngs(count: int) -> tuple[list[bytes], list[int]]:
    from sklearn.datasets import load_digits

    bunch = load_digits()
    return [png((bunch.images[i] * 255 / 16).round().astype(np.uint8)) for i in range(count)], list(bunch.target[:count])


def train_checkpoint(folder: Path) -> Path:
    from siamkit.experiments.config import ExperimentConfig
    from siamkit.experiments.image import run_training
    from siamkit.training.config import TrainConfig

    train = TrainConfig(epochs=1, batch_size=64, progress=False, seed=0)
    run_training(ExperimentConfig(embedding_dim=16, train_pairs=1024, eval_pairs=300, train=train), folder)
    return folder / "model.ckpt"


def malformed(rng: random.Random, images: list[bytes]) -> tuple[str, dict, dict]:
    """One of: corrupt bytes, not an image, wrong size, empty file, missing field, bad k."""
    kind = rng.randrange(6)
    good = ("a.png", images[0], "image/png")
    if kind == 0:
        return "/verify", {"image1": ("a.png", images[0][:50] + b"\0" * 30, "image/png"), "image2": good}, {}
    if kind == 1:
        return "/search", {"image": ("a.txt", b"not an image", "text/plain")}, {}
    if kind == 2:
        return "/search", {"image": ("big.png", png(np.zeros((16, 16), np.uint8)), "image/png")}, {}
    if kind == 3:
        return "/verify", {"image1": ("e.png", b"", "image/png"), "image2": good}, {}
    if kind == 4:
        return "/verify", {"image1": good}, {}
    return "/search", {"image": good}, {"k": "0"}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--checkpoint", type=Path)
    parser.add_argument("--requests", type=int, default=1000)
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--malformed", type=float, default=0.10)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()

    sys.path.insert(0, str(SRC))  # this checkout's siamkit, installed or not
    from siamkit.deploy.service.runner import serve_process

    work = Path(tempfile.mkdtemp(prefix="siamkit-load-"))
    checkpoint = args.checkpoint or train_checkpoint(work / "run")
    images, labels = digit_pngs(200)
    with serve_process(checkpoint, work / "gallery", startup_timeout=90) as base:
        with httpx.Client(base_url=base, timeout=30) as http:
            for i in range(100):
                http.post("/enroll", files={"image": ("d.png", images[i], "image/png")},
                          data={"id": f"d{i}", "label": str(labels[i])}).raise_for_status()

        rng = random.Random(args.seed)
        plan = []
        for n in range(args.requests):
            if rng.random() < args.malformed:
                plan.append((*malformed(rng, images), True))
            elif n % 2:
                a, b = rng.randrange(200), rng.randrange(200)
                plan.append(("/verify", {"image1": ("a.png", images[a], "image/png"),
                                         "image2": ("b.png", images[b], "image/png")}, {}, False))
            else:
                plan.append(("/search", {"image": ("q.png", images[rng.randrange(100, 200)], "image/png")},
                             {"k": "5"}, False))
        chunks = [plan[i :: args.clients] for i in range(args.clients)]

        def client(chunk: list) -> list[tuple[float, int, bool]]:
            results = []
            with httpx.Client(base_url=base, timeout=30) as http:
                for path, files, data, bad in chunk:
                    start = time.perf_counter()
                    status = http.post(path, files=files, data=data).status_code
                    results.append((time.perf_counter() - start, status, bad))
            return results

        start = time.perf_counter()
        with ThreadPoolExecutor(max_workers=args.clients) as pool:
            results = [r for chunk in pool.map(client, chunks) for r in chunk]
        elapsed = time.perf_counter() - start

    latencies = np.array([r[0] for r in results]) * 1000
    server_errors = sum(status >= 500 for _, status, _ in results)
    wrong = sum((400 <= status < 500) != bad for _, status, bad in results)
    print(f"requests: {len(results)} ({sum(r[2] for r in results)} malformed) from {args.clients} clients "
          f"in {elapsed:.1f} s ({len(results) / elapsed:.0f} req/s)")
    print(f"latency p50: {np.percentile(latencies, 50):.1f} ms   p99: {np.percentile(latencies, 99):.1f} ms")
    print(f"5xx answers: {server_errors}")
    print(f"answers of the wrong class (4xx for good input or 2xx for bad): {wrong}")
    return 1 if server_errors or wrong else 0


if __name__ == "__main__":
    sys.exit(main())
