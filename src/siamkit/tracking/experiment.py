"""The tracking experiment: train SiamFC on synthetic videos, then compare it with the two baselines
on held-out synthetic videos (disjoint seeds) using the same tracking and metric code.

Writes ``model.ckpt``, ``history.csv``, ``metrics.json``, ``success.png`` and ``strip.png`` to ``out``.
"""

from __future__ import annotations

import csv
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import torch

from siamkit.core.fileio import atomic_path, write_json
from siamkit.deploy.checkpoint import save_checkpoint
from siamkit.tracking.frames import Sequence
from siamkit.tracking.metrics import evaluate_boxes
from siamkit.tracking.model import SiamFC
from siamkit.tracking.synthetic import synthetic_sequences
from siamkit.tracking.tracker import NCCTracker, SiamFCTracker, StaticTracker, track
from siamkit.tracking.training import TEST_SEED, TRAIN_SEED, VAL_SEED, TrackingPairs, fit_tracker
from siamkit.training.config import TrainConfig


@dataclass
class TrackingExperiment:
    """Sizes of a tracking run: training pairs and videos, epochs, held-out test videos."""

    train_pairs: int = 8_000
    train_videos: int = 200
    val_pairs: int = 256
    epochs: int = 3
    batch_size: int = 16
    lr: float = 3e-3
    test_videos: int = 50
    seed: int = 0
    progress: bool = True


def compare_trackers(model: SiamFC, sequences: list[Sequence]) -> dict[str, dict]:
    """Metrics (see :func:`~siamkit.tracking.metrics.evaluate_boxes`) and frames/s of the Siamese tracker
    and both baselines over ``sequences``; also the Siamese tracker's boxes under ``"boxes"``."""
    trackers = {
        "siamfc": lambda: SiamFCTracker(model),
        "ncc_template": NCCTracker,
        "static_first_box": StaticTracker,
    }
    results: dict[str, dict] = {}
    for name, make in trackers.items():
        start = time.perf_counter()
        boxes = [track(make(), s.frames, s.boxes[0]) for s in sequences]
        seconds = time.perf_counter() - start
        results[name] = evaluate_boxes(boxes, [s.boxes for s in sequences])
        results[name]["frames_per_second"] = sum(len(s) - 1 for s in sequences) / seconds
        results[name]["boxes"] = boxes
    return results


def run_tracking_experiment(out: str | Path, setup: TrackingExperiment | None = None) -> dict:
    """Train, evaluate against the baselines, write the files; return the metrics dict."""
    from siamkit.tracking.plots import plot_strip, plot_success

    setup = setup or TrackingExperiment()
    out = Path(out)
    train = TrackingPairs(setup.train_pairs, setup.train_videos, seed=TRAIN_SEED + setup.seed)
    val = TrackingPairs(setup.val_pairs, max(1, setup.val_pairs // 8), seed=VAL_SEED + setup.seed)
    config = TrainConfig(
        epochs=setup.epochs, batch_size=setup.batch_size, lr=setup.lr, seed=setup.seed, progress=setup.progress
    )
    torch.manual_seed(setup.seed)
    start = time.perf_counter()
    result = fit_tracker(SiamFC(), train, val, config)
    train_seconds = time.perf_counter() - start
    save_checkpoint(out / "model.ckpt", result.model, {"task": "tracking", "experiment": asdict(setup)})
    with atomic_path(out / "history.csv") as tmp, tmp.open("w", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=["epoch", "train_loss", "val_loss"])
        writer.writeheader()
        writer.writerows(result.history)

    sequences = synthetic_sequences(setup.test_videos, TEST_SEED + setup.seed)
    results = compare_trackers(result.model, sequences)
    boxes = {name: r.pop("boxes") for name, r in results.items()}
    plot_success({name: (r["success_curve"], r["success_auc"]) for name, r in results.items()}, out / "success.png")
    plot_strip(sequences[0].frames, boxes["siamfc"][0], sequences[0].boxes, out / "strip.png")
    metrics = {
        "trackers": results,
        "test_videos": setup.test_videos,
        "test_seeds": [TEST_SEED + setup.seed, TEST_SEED + setup.seed + setup.test_videos - 1],
        "train_seconds": train_seconds,
        "history": result.history,
        "experiment": asdict(setup),
    }
    write_json(out / "metrics.json", metrics)
    return metrics
