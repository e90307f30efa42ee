"""SiamFC tracker vs two baselines on held-out synthetic videos (the README's tracking table).

Trains SiamFC on exemplar/search pairs from synthetic videos (seeds 0 …), then tracks held-out
synthetic videos (seeds 1,000,000 …) with the Siamese tracker, 'stay at the first box' and NCC
template matching on raw pixels, all through the same tracking and metric code. Prints success AUC,
precision at 20 px and frames/s; writes model.ckpt, metrics.json, success.png, strip.png to --out.

Run: PYTHONPATH=src OMP_NUM_THREADS=1 python benchmarks/tracking_eval.py [--quick] [--out runs/tracking]
"""

from __future__ import annotations

import argparse

import torch

from siamkit.tracking.experiment import TrackingExperiment, run_tracking_experiment


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default="runs/tracking")
    parser.add_argument("--quick", action="store_true", help="a tiny run (about a minute) to check the pipeline")
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    setup = (
        TrackingExperiment(train_pairs=256, train_videos=16, val_pairs=32, test_videos=3, progress=False)
        if args.quick
        else TrackingExperiment(progress=False)
    )
    metrics = run_tracking_experiment(args.out, setup)
    print(f"held-out synthetic videos: {metrics['test_videos']} (seeds {metrics['test_seeds']}), "
          f"training {metrics['train_seconds']:.0f} s")
    print(f"{'tracker':<18} {'success AUC':>11} {'prec@20px':>10} {'frames/s':>9}")
    for name, r in metrics["trackers"].items():
        print(f"{name:<18} {r['success_auc']:>11.3f} {r['precision_20px']:>10.3f} {r['frames_per_second']:>9.1f}")


if __name__ == "__main__":
    main()
