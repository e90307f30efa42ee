"""``siamkit track`` (a SiamFC tracker over a folder of frames) and ``siamkit train-tracker`` (whose
options take TrackingExperiment's defaults)."""

from __future__ import annotations

from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any, Mapping, Optional

import typer

from siamkit.cli.options import TRACKING, config_option
from siamkit.core.errors import DataError

if TYPE_CHECKING:
    from siamkit.tracking.experiment import TrackingExperiment

_option = partial(config_option, TRACKING)


def track_video(
    checkpoint: Path = typer.Argument(..., help="A SiamFC model.ckpt written by `siamkit train-tracker`."),
    frames: Path = typer.Option(..., "--frames", help="Folder of frame images (sorted by name)."),
    init: str = typer.Option(..., "--init", help="Target box in the first frame: x,y,w,h (pixels, top-left corner)."),
    out: Path = typer.Option(..., "--out", help="CSV to write, one x,y,w,h line per frame."),
    boxes: Optional[Path] = typer.Option(None, "--boxes", help="Ground-truth x,y,w,h file: also print success AUC and precision."),
    strip: Optional[Path] = typer.Option(None, "--strip", help="PNG strip of frames with the tracked (and true) boxes."),
) -> None:
    """Track a target through a folder of frames with a SiamFC tracker."""
    import torch

    from siamkit.deploy.checkpoint import load
    from siamkit.tracking import FrameFolder, SiamFCTracker, evaluate_boxes, read_boxes, track, write_boxes
    from siamkit.tracking.frames import parse_box

    tracker = SiamFCTracker(load(checkpoint))
    folder = FrameFolder(frames)
    truth = read_boxes(boxes) if boxes is not None else None
    if truth is not None and len(truth) != len(folder):
        raise DataError(f"{boxes} has {len(truth)} boxes but {frames} has {len(folder)} frames; give one line per frame")
    predicted = track(tracker, folder, parse_box(init, "--init"))
    write_boxes(out, predicted)
    typer.echo(f"{len(predicted)} boxes written to {out}")
    if truth is not None:
        metrics = evaluate_boxes([predicted], [truth])
        typer.echo(f"success AUC {metrics['success_auc']:.3f}, precision@20px {metrics['precision_20px']:.3f}")
    if strip is not None:
        from siamkit.tracking.plots import plot_strip

        picks = torch.linspace(0, len(folder) - 1, min(6, len(folder))).round().long().tolist()
        shown = torch.stack([folder[i] for i in picks])
        plot_strip(shown, predicted[picks], truth[picks] if truth is not None else None, strip, count=len(picks))
        typer.echo(f"strip written to {strip}")


def tracking_setup(options: Mapping[str, Any]) -> TrackingExperiment:
    """The TrackingExperiment of ``siamkit train-tracker``'s parsed options (``ctx.params``); validation
    pairs are a sixteenth of the training pairs (at least 8)."""
    from siamkit.tracking.experiment import TrackingExperiment

    given = {k: v for k, v in options.items() if k != "out"}
    return TrackingExperiment(**given, val_pairs=max(8, given["train_pairs"] // 16))


def train_tracker(
    ctx: typer.Context,
    out: Path = typer.Option(..., "--out", help="Output folder: model.ckpt, metrics.json, success.png, strip.png."),
    train_pairs: int = _option("train_pairs", "Exemplar/search training pairs from synthetic videos.", min=1),
    train_videos: int = _option("train_videos", "Synthetic training videos the pairs come from.", min=1),
    epochs: int = _option("epochs", "Training epochs.", min=1),
    batch_size: int = _option("batch_size", "Pairs per batch.", min=1),
    lr: float = _option("lr", "Learning rate (Adam)."),
    test_videos: int = _option("test_videos", "Held-out synthetic videos for the evaluation.", min=1),
    seed: int = _option("seed", "Seed of training and of the video seed ranges."),
) -> None:
    """Train a SiamFC tracker on synthetic videos; compare it with two baselines on held-out ones."""
    from siamkit.tracking.experiment import run_tracking_experiment

    metrics = run_tracking_experiment(out, tracking_setup(ctx.params))
    for name, r in metrics["trackers"].items():
        typer.echo(f"{name}: success AUC {r['success_auc']:.3f}, precision@20px {r['precision_20px']:.3f}")
    typer.echo(f"written to {out}")
