"""The ``siamkit`` command line: train, eval, verify.

User errors (bad paths, unreadable images, wrong shapes, unknown names) print one line on stderr
and exit with status 2; no traceback.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Optional

import typer

from siamkit.errors import DataError, SiamkitError

app = typer.Typer(
    help="siamkit: train, evaluate and use Siamese networks (pair label 1 = same, 0 = different).",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


def _parse_size(text: Optional[str]) -> Optional[tuple[int, int]]:
    if text is None:
        return None
    try:
        height, width = (int(v) for v in text.lower().split("x"))
    except ValueError:
        raise DataError(f"image size must look like 64x64 (HEIGHTxWIDTH), got '{text}'") from None
    return height, width


def _csv(text: Optional[str]) -> Optional[list[str]]:
    return None if text is None else [v.strip() for v in text.split(",") if v.strip()]


def _print_metrics(metrics: dict, title: str) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table(title=title)
    table.add_column("pairs")
    for col in ("ROC AUC", "EER", "threshold", "accuracy"):
        table.add_column(col, justify="right")
    rows = [("test (seen classes)", metrics)]
    if "unseen_classes" in metrics:
        rows.append((f"unseen classes {','.join(metrics['unseen_classes']['classes'])}", metrics["unseen_classes"]))
    for name, m in rows:
        table.add_row(name, f"{m['roc_auc']:.4f}", f"{m['eer']:.4f}", f"{m['threshold']:.4f}", f"{m['accuracy']:.4f}")
    Console().print(table)


@app.command()
def train(
    out: Path = typer.Option(..., "--out", help="Output folder for model.ckpt, metrics.json and plots."),
    dataset: str = typer.Option(
        "digits", help="Bundled dataset (digits, fashion-mnist), or a folder root/<class>/<image>."
    ),
    protocol: str = typer.Option(
        "unseen-classes", help="unseen-classes (hold classes out, report them apart) or all-classes."
    ),
    encoder: str = typer.Option("lenet", help="Encoder: lenet or mlp."),
    head: str = typer.Option("distance", help="Pair head: distance (contrastive loss) or classifier (BCE)."),
    metric: str = typer.Option("euclidean", help="Distance head metric: euclidean, squared_euclidean, cosine."),
    embedding_dim: int = typer.Option(32, help="Embedding size D."),
    loss: Optional[str] = typer.Option(
        None, help="Loss: contrastive, triplet, bce, ce, cosine, hinge or mse (default: the head's usual loss)."
    ),
    mining: str = typer.Option("batch_hard", help="Triplet mining: batch_hard, batch_all or semi_hard."),
    margin: Optional[float] = typer.Option(None, help="Loss margin (distance units; default: the loss's own)."),
    epochs: int = typer.Option(10, min=1, help="Training epochs."),
    batch_size: int = typer.Option(128, min=1, help="Pairs per batch (items per P×K batch with --loss triplet)."),
    lr: float = typer.Option(1e-3, help="Learning rate."),
    optimizer: str = typer.Option("adam", help="adam, adamw or sgd (momentum 0.9)."),
    train_pairs: int = typer.Option(10000, min=1, help="Training pairs drawn afresh each epoch."),
    eval_pairs: int = typer.Option(4000, min=1, help="Pairs per evaluation split."),
    held_out: Optional[str] = typer.Option(
        None, help="Comma-separated class names never trained on (default: digits 7,8,9; fashion-mnist Sneaker,Bag,Ankle boot)."
    ),
    image_size: Optional[str] = typer.Option(None, help="Resize folder images to HEIGHTxWIDTH."),
    seed: int = typer.Option(0, help="Seed for splits, pairs and initialisation."),
    resume: bool = typer.Option(False, help="Continue from OUT/checkpoints/last.ckpt if present."),
    quiet: bool = typer.Option(False, help="No progress bar."),
) -> None:
    """Train a Siamese network, calibrate its threshold and evaluate it; write everything to OUT."""
    from siamkit.config import TrainConfig
    from siamkit.workflow import ExperimentConfig, run_training

    config = ExperimentConfig(
        dataset=dataset,
        protocol=protocol,
        encoder=encoder,
        head=head,
        metric=metric,
        embedding_dim=embedding_dim,
        loss=loss,
        mining=mining,
        margin=margin,
        held_out=_csv(held_out),
        train_pairs=train_pairs,
        eval_pairs=eval_pairs,
        image_size=_parse_size(image_size),
        train=TrainConfig(
            epochs=epochs, batch_size=batch_size, lr=lr, optimizer=optimizer, seed=seed,
            progress=not quiet, resume=resume,
        ),
    )
    metrics = run_training(config, out)
    _print_metrics(metrics, f"siamkit train · {dataset} · {encoder} + {head} head")
    typer.echo(f"checkpoint: {out / 'model.ckpt'}")
    typer.echo(f"metrics:    {out / 'metrics.json'}")
    typer.echo(f"plots:      {out / 'loss.png'}, {out / 'roc.png'}")


@app.command("eval")
def evaluate(
    checkpoint: Path = typer.Argument(..., help="A model.ckpt written by `siamkit train`."),
    dataset: str = typer.Option("digits", help="Dataset to evaluate on (its stored split if trained on it)."),
    pairs: Optional[int] = typer.Option(None, min=1, help="Pairs per split (default: as in training)."),
    as_json: bool = typer.Option(False, "--json", help="Print metrics as JSON."),
) -> None:
    """Evaluate a checkpoint at its calibrated threshold: ROC AUC, EER, accuracy."""
    from siamkit.checkpoint import load_checkpoint
    from siamkit.workflow import evaluate_checkpoint

    metrics = evaluate_checkpoint(load_checkpoint(checkpoint), dataset, pairs)
    if as_json:
        typer.echo(json.dumps(metrics, indent=2, sort_keys=True))
    elif "unseen_classes" in metrics or "eer" in metrics:
        _print_metrics(metrics, f"siamkit eval · {checkpoint} · {dataset}")


@app.command()
def verify(
    checkpoint: Path = typer.Argument(..., help="A model.ckpt written by `siamkit train`."),
    image1: Path = typer.Argument(..., help="First image file."),
    image2: Path = typer.Argument(..., help="Second image file."),
    resize: bool = typer.Option(False, help="Resize images to the model's input size."),
    as_json: bool = typer.Option(False, "--json", help="Print the result as JSON."),
) -> None:
    """Decide whether two images show the same thing, at the checkpoint's calibrated threshold."""
    from siamkit.verification import verify_files

    result = verify_files(checkpoint, image1, image2, resize=resize)
    if as_json:
        typer.echo(json.dumps(result, indent=2, sort_keys=True))
    else:
        decision = "SAME" if result["same"] else "DIFFERENT"
        typer.echo(
            f"{decision}: {result['score_kind']} {result['score']:.4f} "
            f"(threshold {result['threshold']:.4f}; same if {result['rule']})"
        )


def _gallery_images(paths: list[Path], label: Optional[str]) -> tuple[list[str], list[str], list[Path]]:
    """(ids, labels, files) to enrol: files take ``label``; folders are root/<label>/<image> (id label/file)."""
    from siamkit.data.images import IMAGE_SUFFIXES

    ids, labels, files = [], [], []
    for path in paths:
        if path.is_dir():
            for file in sorted(path.glob("*/*")):
                if file.suffix.lower() in IMAGE_SUFFIXES:
                    ids.append(f"{file.parent.name}/{file.name}")
                    labels.append(file.parent.name)
                    files.append(file)
        elif label is None:
            raise DataError(f"{path} is a single image: give its --label (folders use their sub-folder names)")
        else:
            ids.append(path.name)
            labels.append(label)
            files.append(path)
    if not files:
        raise DataError("no images found; give image files with --label, or folders laid out as root/<label>/<image>")
    return ids, labels, files


@app.command()
def enroll(
    checkpoint: Path = typer.Argument(..., help="A model.ckpt written by `siamkit train`."),
    images: list[Path] = typer.Argument(..., help="Image files (with --label) or folders root/<label>/<image>."),
    gallery: Path = typer.Option(..., "--gallery", help="Gallery folder (created if absent)."),
    label: Optional[str] = typer.Option(None, help="Label of the image files given (ids are the file names)."),
    resize: bool = typer.Option(False, help="Resize images to the model's input size."),
    metric: Optional[str] = typer.Option(None, help="New gallery only: l2 or ip (default: from the model's head)."),
    index: str = typer.Option("flat", help="New gallery only: flat (exact), ivf or hnsw."),
) -> None:
    """Add images to a gallery: embed them with the checkpoint's encoder and save the gallery atomically."""
    from siamkit.service.engine import Engine

    ids, labels, files = _gallery_images(images, label)
    engine = Engine.from_paths(checkpoint, gallery, metric=metric, index=index)
    count = engine.enroll_many(ids, labels, files, resize=resize)
    typer.echo(f"enrolled {len(files)} images; {gallery} now holds {count} items")


@app.command()
def search(
    checkpoint: Path = typer.Argument(..., help="The model.ckpt the gallery was built with."),
    image: Path = typer.Argument(..., help="Image to look up."),
    gallery: Path = typer.Option(..., "--gallery", help="Gallery folder written by `siamkit enroll`."),
    k: int = typer.Option(5, "-k", "--top", min=1, help="Number of matches."),
    resize: bool = typer.Option(False, help="Resize the image to the model's input size."),
    as_json: bool = typer.Option(False, "--json", help="Print matches as JSON."),
) -> None:
    """The gallery items nearest to IMAGE, with the model's score and same/different decision."""
    from siamkit.gallery import Gallery, GalleryError
    from siamkit.service.engine import Engine

    if not Gallery.exists(gallery):
        raise GalleryError(f"no gallery in {gallery}; create one with `siamkit enroll`")
    engine = Engine.from_paths(checkpoint, gallery)
    matches = engine.search(image, k, resize)
    if as_json:
        typer.echo(json.dumps(matches, indent=2, sort_keys=True))
        return
    for rank, m in enumerate(matches, 1):
        typer.echo(f"{rank}. {m['id']}  label={m['label']}  score={m['score']:.4f}  {'SAME' if m['same'] else 'different'}")


@app.command()
def serve(
    checkpoint: Path = typer.Argument(..., help="A model.ckpt written by `siamkit train`."),
    gallery: Path = typer.Option(..., "--gallery", help="Gallery folder (created if absent)."),
    host: str = typer.Option("127.0.0.1", help="Address to listen on."),
    port: int = typer.Option(8000, min=1, max=65535, help="TCP port."),
    max_upload_mb: float = typer.Option(10.0, min=0.001, help="Largest accepted image upload, in MB."),
) -> None:
    """Serve the verify / embed / enroll / search API, its docs (/docs) and a web page (/) with uvicorn."""
    import uvicorn

    from siamkit.service.app import create_app

    application = create_app(checkpoint, gallery, max_upload_bytes=int(max_upload_mb * 1024 * 1024))
    typer.echo(f"siamkit serving on http://{host}:{port}/ (API docs at /docs)")
    uvicorn.run(application, host=host, port=port, log_level="warning")


@app.command()
def export(
    checkpoint: Path = typer.Argument(..., help="A model.ckpt written by `siamkit train`."),
    onnx: Path = typer.Option(..., "--onnx", help="Output ONNX file of the encoder; the head goes beside it."),
    opset: int = typer.Option(17, help="ONNX opset version."),
    check: bool = typer.Option(True, help="Compare onnxruntime with PyTorch on random inputs."),
) -> None:
    """Export the encoder (and pair head) to ONNX with a dynamic batch axis; print the parity check."""
    from siamkit.checkpoint import load_checkpoint
    from siamkit.export import export_onnx

    loaded = load_checkpoint(checkpoint)
    if loaded.input_shape is None:
        raise DataError(f"{checkpoint} does not record its input shape; use a model.ckpt written by `siamkit train`")
    result = export_onnx(loaded.model, loaded.input_shape, onnx, opset=opset, check=check)
    for part, path in result.files.items():
        line = f"{part}: {path}"
        if part in result.max_abs_diff:
            line += f"  (max |onnxruntime − torch| = {result.max_abs_diff[part]:.3g})"
        typer.echo(line)



@app.command("track")
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

    from siamkit.checkpoint import load
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


@app.command("train-tracker")
def train_tracker(
    out: Path = typer.Option(..., "--out", help="Output folder: model.ckpt, metrics.json, success.png, strip.png."),
    train_pairs: int = typer.Option(8000, min=1, help="Exemplar/search training pairs from synthetic videos."),
    train_videos: int = typer.Option(200, min=1, help="Synthetic training videos the pairs come from."),
    epochs: int = typer.Option(3, min=1, help="Training epochs."),
    batch_size: int = typer.Option(16, min=1, help="Pairs per batch."),
    lr: float = typer.Option(3e-3, help="Learning rate (Adam)."),
    test_videos: int = typer.Option(50, min=1, help="Held-out synthetic videos for the evaluation."),
    seed: int = typer.Option(0, help="Seed of training and of the video seed ranges."),
) -> None:
    """Train a SiamFC tracker on synthetic videos; compare it with two baselines on held-out ones."""
    from siamkit.tracking.experiment import TrackingExperiment, run_tracking_experiment

    setup = TrackingExperiment(
        train_pairs=train_pairs, train_videos=train_videos, val_pairs=max(8, train_pairs // 16), epochs=epochs,
        batch_size=batch_size, lr=lr, test_videos=test_videos, seed=seed,
    )
    metrics = run_tracking_experiment(out, setup)
    for name, r in metrics["trackers"].items():
        typer.echo(f"{name}: success AUC {r['success_auc']:.3f}, precision@20px {r['precision_20px']:.3f}")
    typer.echo(f"written to {out}")

def run(argv: Optional[list[str]] = None) -> int:
    """Run the CLI with ``argv`` (default: ``sys.argv[1:]``) and return the exit status."""
    try:
        result = app(args=argv, prog_name="siamkit", standalone_mode=False)
    except SiamkitError as exc:
        print(f"siamkit: error: {exc}", file=sys.stderr)
        return 2
    except typer.Exit as exc:
        return exc.exit_code
    except (typer.Abort, KeyboardInterrupt):
        print("siamkit: interrupted", file=sys.stderr)
        return 130
    except typer.TyperException as exc:  # usage errors: bad option values, missing arguments
        if exc.__class__.__name__ == "NoArgsIsHelpError":
            exc.show()
        else:
            print(f"siamkit: error: {exc.format_message()}", file=sys.stderr)
        return getattr(exc, "exit_code", 2)
    except OSError as exc:
        print(f"siamkit: error: {exc}", file=sys.stderr)
        return 2
    return result if isinstance(result, int) else 0


def main() -> None:
    sys.exit(run())
