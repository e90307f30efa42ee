"""Training from a folder of JPEGs streamed from disk vs the same images held in memory: peak RSS and throughput.

    PYTHONPATH=src nice -n 10 python benchmarks/stream_folder.py                 # 100,000 JPEGs, 128×128
    PYTHONPATH=src python benchmarks/stream_folder.py --images 3000 --steps 20   # a smoke run

The folder is written once by the benchmark (``--root``, default ``$TMPDIR/siamkit-stream-<N>``): the 70,000
real Fashion-MNIST images (Debian's ``dataset-fashion-mnist``), and, past 70,000, the same images mirrored
left-right, each upscaled to 128×128 (bilinear) and saved as a JPEG (quality 90) under ``root/<class>/``.

Each side trains the same Siamese ``small_cnn`` for ``--steps`` batches of ``--batch`` pairs (siamkit's ``fit``;
pairs drawn from every image), in a fresh process so its peak memory is its own:

- ``stream``: :func:`siamkit.data.streaming.stream_folder` — JPEGs decoded per batch in DataLoader workers
  (one per core but one);
- ``memory``: the same files decoded once into one ``uint8`` tensor ``[N, 1, 128, 128]`` before training
  (the decode time is not counted in its throughput).

Printed side by side: pairs per second while training, peak resident memory (the training process, and the
largest decoding worker) and the peak PSS summed over the trainer and its workers (sampled every 0.25 s). The aim (issue 22): streamed peak RSS < 2 GB with ≥ 80 % of in-memory throughput.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np
import psutil
from perf_common import machine

SIZE = 128


def _write_chunk(args: tuple[Path, np.ndarray, np.ndarray, list[str], int, bool]) -> None:
    from PIL import Image

    root, images, labels, names, start, mirror = args
    for i, (image, label) in enumerate(zip(images, labels)):
        picture = Image.fromarray(image).resize((SIZE, SIZE), Image.BILINEAR)
        if mirror:
            picture = picture.transpose(Image.FLIP_LEFT_RIGHT)
        picture.save(root / names[label] / f"{start + i:06d}.jpg", quality=90)


def write_folder(root: Path, count: int) -> None:
    """``count`` JPEGs under ``root/<class>/`` (see the module docstring); skipped when ``root`` is complete."""
    from siamkit.data.fashion import fashion_mnist

    done = root / "complete"
    if done.exists():
        return
    data = fashion_mnist()
    x, y = data.x[:, 0].numpy(), data.y.numpy()
    for name in data.class_names:
        (root / name).mkdir(parents=True, exist_ok=True)
    jobs, chunk = [], 5000
    for start in range(0, count, chunk):
        index = np.arange(start, min(start + chunk, count)) % len(x)
        jobs.append((root, x[index], y[index], data.class_names, start, start >= len(x)))
    with ProcessPoolExecutor(os.cpu_count()) as pool:
        list(pool.map(_write_chunk, jobs))
    done.write_text(str(count))


def peak_mb(who: int) -> float:
    return resource.getrusage(who).ru_maxrss / 1024  # kB on Linux


class PeakPSS(threading.Thread):
    """Samples, every ``interval`` s, the summed PSS (proportional set size: shared pages split between the
    processes that map them) of this process and its children: the memory the whole job takes, which summed
    RSS overstates (every worker maps the same torch libraries)."""

    def __init__(self, interval: float = 0.25) -> None:
        super().__init__(daemon=True)
        self.interval, self.peak_mb, self._stop_event = interval, 0.0, threading.Event()

    def run(self) -> None:
        me = psutil.Process()
        while not self._stop_event.wait(self.interval):
            total = 0
            for proc in [me, *me.children(recursive=True)]:
                try:
                    total += proc.memory_full_info().pss
                except (psutil.NoSuchProcess, psutil.AccessDenied):
                    continue
            self.peak_mb = max(self.peak_mb, total / 2**20)

    def stop(self) -> float:
        self._stop_event.set()
        self.join()
        return self.peak_mb


def run_side(side: str, root: Path, steps: int, batch: int) -> dict:
    """Train one side in this process; its throughput and peak RSS as a dict."""
    import torch

    from siamkit.data.pairs import PairDataset
    from siamkit.data.streaming import load_into_memory, stream_folder
    from siamkit.losses.pair import ContrastiveLoss
    from siamkit.nn.encoders import build_encoder
    from siamkit.nn.heads import DistanceHead
    from siamkit.nn.models import SiameseNet
    from siamkit.training.config import TrainConfig
    from siamkit.training.trainer import fit

    data = stream_folder(root)
    if side == "memory":
        data = load_into_memory(data)
    torch.manual_seed(0)
    model = SiameseNet(build_encoder("small_cnn", (1, SIZE, SIZE), 64), DistanceHead("euclidean"))
    pairs = PairDataset(data, num_pairs=steps * batch, seed=0)
    config = TrainConfig(epochs=1, batch_size=batch, progress=False, resample_pairs=False)
    sampler = PeakPSS()
    sampler.start()
    started = time.perf_counter()
    fit(model, ContrastiveLoss(), pairs, None, config)
    seconds = time.perf_counter() - started
    peak_pss = sampler.stop()
    return {
        "pairs_per_second": steps * batch / seconds,
        "seconds": seconds,
        "peak_rss_mb": peak_mb(resource.RUSAGE_SELF),
        "peak_worker_rss_mb": peak_mb(resource.RUSAGE_CHILDREN),
        "peak_pss_all_mb": peak_pss,
        "items": len(data.y),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--images", type=int, default=100_000)
    parser.add_argument("--steps", type=int, default=150)
    parser.add_argument("--batch", type=int, default=64)
    parser.add_argument("--root", type=Path)
    parser.add_argument("--side", choices=("stream", "memory"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    root = args.root or Path(tempfile.gettempdir()) / f"siamkit-stream-{args.images}"
    if args.side:
        print(json.dumps(run_side(args.side, root, args.steps, args.batch)))
        return
    print(machine())
    started = time.perf_counter()
    write_folder(root, args.images)
    print(f"{args.images} JPEGs {SIZE}×{SIZE} under {root} (written in {time.perf_counter() - started:.0f} s or earlier)")
    results = {}
    for side in ("stream", "memory"):
        command = [sys.executable, __file__, "--side", side, "--root", str(root), "--steps", str(args.steps),
                   "--batch", str(args.batch)]
        output = subprocess.run(command, check=True, capture_output=True, text=True).stdout
        results[side] = json.loads(output.strip().splitlines()[-1])
    print(f"{args.steps} steps × {args.batch} pairs, small_cnn, 1×{SIZE}×{SIZE}")
    print(f"{'':28}{'streamed':>12}{'in memory':>12}{'ratio':>8}")
    s, m = results["stream"], results["memory"]
    print(f"{'pairs / s while training':28}{s['pairs_per_second']:12.1f}{m['pairs_per_second']:12.1f}"
          f"{s['pairs_per_second'] / m['pairs_per_second']:8.2f}")
    print(f"{'peak RSS, trainer (MB)':28}{s['peak_rss_mb']:12.0f}{m['peak_rss_mb']:12.0f}"
          f"{s['peak_rss_mb'] / m['peak_rss_mb']:8.2f}")
    print(f"{'peak RSS, a worker (MB)':28}{s['peak_worker_rss_mb']:12.0f}{'-':>12}")
    print(f"{'peak PSS, all processes (MB)':28}{s['peak_pss_all_mb']:12.0f}{m['peak_pss_all_mb']:12.0f}"
          f"{s['peak_pss_all_mb'] / m['peak_pss_all_mb']:8.2f}")


if __name__ == "__main__":
    main()
