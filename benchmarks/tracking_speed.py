"""Tracking speed of SiamFC with the default encoder: 127×127 exemplar, 255×255 search, 3 scales, CPU.

Times ``SiamFCTracker.update`` (crop 3 search images, encode them, cross-correlate, upsample,
window, move the box) on a 480×640 frame sequence of a synthetic video; prints the median frames/s
and, side by side, the share of one frame taken by the network alone. Weights do not change the
cost, so an untrained network is timed unless --checkpoint is given.

Run: PYTHONPATH=src OMP_NUM_THREADS=1 python benchmarks/tracking_speed.py [--threads 1] [--frames 200]
"""

from __future__ import annotations

import argparse
import statistics
import time

import torch

from siamkit.tracking.model import SiamFC
from siamkit.tracking.synthetic import SyntheticVideo, VideoConfig
from siamkit.tracking.tracker import SiamFCTracker, TrackerConfig


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--frames", type=int, default=200)
    parser.add_argument("--checkpoint", default=None)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    if args.checkpoint:
        from siamkit.deploy.checkpoint import load

        model = load(args.checkpoint)
    else:
        torch.manual_seed(0)
        model = SiamFC().eval()
    config = TrackerConfig()
    video = SyntheticVideo(0, VideoConfig(height=480, width=640, length=40, target_size=(40, 100)))
    frames, boxes = video.render(torch.arange(len(video)))
    tracker = SiamFCTracker(model, config)
    tracker.init(frames[0], boxes[0])
    times = []
    for i in range(args.frames):
        start = time.perf_counter()
        tracker.update(frames[1 + i % (len(frames) - 1)])
        times.append(time.perf_counter() - start)
    per_frame = statistics.median(times[5:])

    exemplar = tracker.exemplar
    search = torch.rand(config.scales, 3, config.search_size, config.search_size)
    net = []
    with torch.inference_mode():
        for _ in range(50):
            start = time.perf_counter()
            model.score(exemplar, search)
            net.append(time.perf_counter() - start)
    net_time = statistics.median(net[5:])
    print(f"exemplar {config.exemplar_size}, search {config.search_size}, {config.scales} scales, "
          f"{args.threads} thread(s), default encoder {model.encoder.spec_args['widths']}")
    print(f"tracking: {1 / per_frame:.1f} frames/s (median {per_frame * 1e3:.2f} ms/frame over {args.frames} frames)")
    print(f"network alone: {net_time * 1e3:.2f} ms/frame = {net_time / per_frame:.0%} of a frame")


if __name__ == "__main__":
    main()
