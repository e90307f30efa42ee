"""The ``siamkit`` command line: train, eval, verify, oneshot, doctor, compare, enroll, search, serve, export.

User errors (bad paths, unreadable images, wrong shapes, unknown names) print one line on stderr
and exit with status 2; no traceback.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Optional

import typer

from siamkit.core.errors import DataError, SiamkitError

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


def _print_text_metrics(metrics: dict, title: str) -> None:
    """Test pairs: the model and the bag-of-words cosine baseline, side by side."""
    from rich.console import Console
    from rich.table import Table

    table = Table(title=title)
    for col in ("test pairs", "ROC AUC", "EER", "accuracy"):
        table.add_column(col, justify="left" if col == "test pairs" else "right")
    for name, m in (("model", metrics), ("bag-of-words cosine", metrics["baseline_bow_cosine"])):
        table.add_row(name, f"{m['roc_auc']:.4f}", f"{m['eer']:.4f}", f"{m['accuracy']:.4f}")
    Console().print(table)
    skipped = metrics.get("skipped_rows") or []
    if skipped:
        typer.echo(f"skipped {len(skipped)} bad rows of the pair file (--strict-rows refuses such a file):")
        for row in skipped:
            typer.echo(f"  {row}")


@app.command()
def train(
    out: Path = typer.Option(..., "--out", help="Output folder for model.ckpt, metrics.json and plots."),
    dataset: str = typer.Option(
        "digits", help="Bundled dataset (digits, fashion-mnist; wordnet-gloss: text pairs), or a folder root/<class>/<image>."
    ),
    protocol: str = typer.Option(
        "unseen-classes", help="unseen-classes (hold classes out, report them apart) or all-classes."
    ),
    encoder: str = typer.Option(
        "lenet", help="Encoder: lenet, mlp, small_cnn, small_cnn_pooled (D = 64·grid²), resnet18 or resnet34."
    ),
    head: str = typer.Option("distance", help="Pair head: distance (contrastive loss) or classifier (BCE)."),
    metric: str = typer.Option("euclidean", help="Distance head metric: euclidean, squared_euclidean, cosine."),
    embedding_dim: int = typer.Option(32, help="Embedding size D."),
    projection_dim: Optional[int] = typer.Option(
        None, min=1, help="Train the loss on a linear projection of the embeddings to this size, dropped after training."
    ),
    loss: Optional[str] = typer.Option(
        None, help="Loss: contrastive, triplet, bce, ce, cosine, hinge or mse (default: the head's usual loss)."
    ),
    mining: str = typer.Option("batch_hard", help="Triplet mining: batch_hard, batch_all or semi_hard."),
    margin: Optional[float] = typer.Option(None, help="Loss margin (distance units; default: the loss's own)."),
    epochs: int = typer.Option(10, min=1, help="Training epochs."),
    batch_size: int = typer.Option(128, min=1, help="Pairs per batch (items per P×K batch with --loss triplet)."),
    lr: float = typer.Option(1e-3, help="Learning rate."),
    optimizer: str = typer.Option("adam", help="adam, adamw or sgd (momentum 0.9)."),
    lr_schedule: str = typer.Option("constant", help="constant, or cosine (lr decays to 0 over all steps)."),
    augment: Optional[str] = typer.Option(
        None, help="Augment training images: shift (up to 10 % of the side), flip (left-right), or shift,flip."
    ),
    train_pairs: int = typer.Option(10000, min=1, help="Training pairs drawn afresh each epoch."),
    eval_pairs: int = typer.Option(4000, min=1, help="Pairs per evaluation split."),
    held_out: Optional[str] = typer.Option(
        None, help="Comma-separated class names never trained on (default: digits 7,8,9; fashion-mnist Sneaker,Bag,Ankle boot)."
    ),
    image_size: Optional[str] = typer.Option(None, help="Resize folder images to HEIGHTxWIDTH."),
    seed: int = typer.Option(0, help="Seed for splits, pairs and initialisation."),
    resume: bool = typer.Option(False, help="Continue from OUT/checkpoints/last.ckpt if present."),
    quiet: bool = typer.Option(False, help="No progress bar."),
    devices: int = typer.Option(1, min=1, help="Processes to train in (with --strategy ddp; one per device)."),
    strategy: str = typer.Option("auto", help="Lightning strategy: auto, or ddp (gloo on CPU)."),
    precision: str = typer.Option("32-true", help="Lightning precision: 32-true, or bf16-mixed (bf16 autocast)."),
    num_nodes: int = typer.Option(1, min=1, help="Machines in a multi-node DDP run launched with torchrun."),
    channels_last: bool = typer.Option(False, help="NHWC convolution weights (often faster on CPU)."),
    pairs_csv: Optional[Path] = typer.Option(
        None, help="Text pairs: a CSV/TSV file (Quora layout by default); use a text encoder (gru, lstm, text_pool)."
    ),
    text_columns: str = typer.Option("question1,question2", help="The two text columns of --pairs-csv."),
    label_column: str = typer.Option("is_duplicate", help="The 0/1 label column of --pairs-csv (1 = same)."),
    strict_rows: bool = typer.Option(False, help="Refuse a --pairs-csv with any bad row (default: skip and list them)."),
    tokenizer: str = typer.Option("word", help="Text tokenizer: word, char or trigram (character trigrams of words)."),
    max_length: Optional[int] = typer.Option(None, min=1, help="Tokens kept per text (default: word 64, char 200, trigram 300)."),
    min_count: int = typer.Option(1, min=1, help="Vocabulary: training tokens seen at least this often."),
) -> None:
    """Train a Siamese network, calibrate its threshold and evaluate it; write everything to OUT.

    With --devices N --strategy ddp, N processes each train on their own share of every epoch's
    batches (--batch-size per process); rank 0 evaluates and writes the outputs.
    """
    from siamkit.experiments.config import ExperimentConfig
    from siamkit.experiments.image import run_training
    from siamkit.training.config import TrainConfig

    columns = _csv(text_columns) or []
    if len(columns) != 2:
        raise DataError(f"--text-columns takes two column names like question1,question2, got '{text_columns}'")

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
            progress=not quiet, resume=resume, devices=devices, strategy=strategy, precision=precision,
            num_nodes=num_nodes, channels_last=channels_last, augment=augment or (), lr_schedule=lr_schedule,
        ),
        pairs_csv=None if pairs_csv is None else str(pairs_csv),
        text_columns=(columns[0], columns[1]),
        label_column=label_column,
        strict_rows=strict_rows,
        tokenizer=tokenizer,
        max_length=max_length,
        projection_dim=projection_dim,
        min_count=min_count,
    )
    metrics = run_training(config, out)
    if not metrics:  # a DDP rank other than 0: rank 0 reports
        return
    if "baseline_bow_cosine" in metrics:
        _print_text_metrics(metrics, f"siamkit train · {pairs_csv or dataset} · {encoder} + {head} head")
    else:
        _print_metrics(metrics, f"siamkit train · {dataset} · {encoder} + {head} head")
    typer.echo(f"checkpoint: {out / 'model.ckpt'}")
    typer.echo(f"metrics:    {out / 'metrics.json'}")
    typer.echo(f"plots:      {out / 'loss.png'}, {out / 'roc.png'}")
    if (out / "report" / "index.html").is_file():
        typer.echo(f"report:     {out / 'report' / 'index.html'}")


def _image_checkpoint(path: Path):
    """The checkpoint at ``path``, or a clear error when it holds no image-pair model (text, tracker)."""
    from siamkit.deploy.checkpoint import load_checkpoint
    from siamkit.deploy.verify import require_images

    checkpoint = load_checkpoint(path)
    require_images(checkpoint, path)
    return checkpoint


@app.command("eval")
def evaluate(
    checkpoint: Path = typer.Argument(..., help="A model.ckpt written by `siamkit train`."),
    dataset: str = typer.Option("digits", help="Dataset to evaluate on (its stored split if trained on it)."),
    pairs: Optional[int] = typer.Option(None, min=1, help="Pairs per split (default: as in training)."),
    split: Optional[str] = typer.Option(
        None, help="test, val, unseen or all (default: test and unseen classes; other data: all)."
    ),
    report: Optional[Path] = typer.Option(None, help="Write plots, metrics.json and index.html to this folder."),
    as_json: bool = typer.Option(False, "--json", help="Print metrics as JSON."),
) -> None:
    """Evaluate a checkpoint at its calibrated threshold: ROC AUC, EER, TAR@FAR, Recall@K, MAP@R, 1-shot."""
    from siamkit.experiments.evaluate import report_checkpoint

    metrics = report_checkpoint(
        _image_checkpoint(checkpoint), dataset, split, pairs, report, checkpoint.parent / "history.csv"
    )
    if report is not None and not as_json:
        typer.echo(f"report: {report / 'index.html'}")
    if as_json:
        typer.echo(json.dumps(metrics, indent=2, sort_keys=True))
    elif "unseen_classes" in metrics or "eer" in metrics:
        _print_metrics(metrics, f"siamkit eval · {checkpoint} · {dataset}")


@app.command()
def verify(
    checkpoint: Path = typer.Argument(..., help="A model.ckpt written by `siamkit train`."),
    image1: Optional[Path] = typer.Argument(None, help="First image file."),
    image2: Optional[Path] = typer.Argument(None, help="Second image file."),
    resize: bool = typer.Option(False, help="Resize images to the model's input size."),
    as_json: bool = typer.Option(False, "--json", help="Print the result as JSON."),
    text: Optional[list[str]] = typer.Option(None, "--text", help="A text to compare (give --text twice, no images)."),
) -> None:
    """Decide whether two images (or two --text strings) show the same thing, at the checkpoint's calibrated threshold."""
    from siamkit.deploy.verify import verify_files, verify_texts

    if text:
        if len(text) != 2 or image1 is not None:
            raise DataError("give exactly two --text options and no image files")
        result = verify_texts(checkpoint, text[0], text[1])
    elif image1 is None or image2 is None:
        raise DataError("give two image files, or two --text options for a text model")
    else:
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
    from siamkit.deploy.service.engine import Engine

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
    from siamkit.deploy.gallery import Gallery, GalleryError
    from siamkit.deploy.service.engine import Engine

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

    from siamkit.deploy.service.app import create_app

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
    from siamkit.deploy.export import export_onnx

    loaded = _image_checkpoint(checkpoint)
    result = export_onnx(loaded.model, loaded.input_shape, onnx, opset=opset, check=check)
    for part, path in result.files.items():
        line = f"{part}: {path}"
        if part in result.max_abs_diff:
            line += f"  (max |onnxruntime − torch| = {result.max_abs_diff[part]:.3g})"
        typer.echo(line)
@app.command()
def oneshot(
    checkpoint: Path = typer.Argument(..., help="A model.ckpt written by `siamkit train`."),
    dataset: str = typer.Option("digits", help="Dataset whose classes the episodes draw from."),
    split: Optional[str] = typer.Option(
        None, help="test, val, unseen or all (default: unseen classes if any were held out, else all)."
    ),
    ways: int = typer.Option(5, min=2, help="N: classes per episode."),
    shots: int = typer.Option(1, min=1, help="K: support items per class."),
    queries: int = typer.Option(5, min=1, help="Query items per class and episode."),
    episodes: int = typer.Option(1000, min=1, help="Episodes to average over."),
    scorer: str = typer.Option("pair_score", help="pair_score (the model's own score) or embedding (nearest support)."),
    seed: int = typer.Option(0, help="Seed of the episode draws."),
    as_json: bool = typer.Option(False, "--json", help="Print the result as JSON."),
) -> None:
    """N-way K-shot classification accuracy, averaged over seeded episodes, with a 95 % interval."""
    from siamkit.evaluation.fewshot import few_shot_accuracy
    from siamkit.evaluation.parts import retrieval_metric_of
    from siamkit.experiments.evaluate import dataset_parts

    ckpt = _image_checkpoint(checkpoint)
    if split is None:
        held_out = len(ckpt.meta.get("split", {}).get("held_out") or []) >= 2
        split = "unseen" if dataset == ckpt.meta.get("dataset") and held_out else "all"
    data = dataset_parts(ckpt.meta, dataset, split)[split]
    result = few_shot_accuracy(
        ckpt.model, data, ways=ways, shots=shots, episodes=episodes, queries=queries, seed=seed,
        scorer=scorer, metric=retrieval_metric_of(ckpt.model), score_kind=ckpt.score_kind,
    )
    out = {**result.as_dict(), "dataset": dataset, "split": split}
    if as_json:
        typer.echo(json.dumps(out, indent=2, sort_keys=True))
    else:
        typer.echo(
            f"{ways}-way {shots}-shot on {dataset} ({split}: classes {', '.join(result.classes)}): "
            f"accuracy {result.accuracy:.4f} ± {result.ci95:.4f} (95 % CI, {episodes} episodes, {result.scorer})"
        )


@app.command()
def doctor(
    checkpoint: Path = typer.Argument(..., help="A model.ckpt written by `siamkit train`."),
    dataset: str = typer.Option("digits", help="Dataset to diagnose on (its stored split if trained on it)."),
    loss: Optional[str] = typer.Option(
        None, help="A pair loss, e.g. contrastive or bce (default: as trained; for a triplet-trained model, from the score kind)."
    ),
    optimizer: str = typer.Option("adam", help="Optimizer used for training: adam, adamw or sgd (momentum 0.9)."),
    lr: float = typer.Option(1e-3, help="Learning rate used for training."),
    pairs: int = typer.Option(256, min=8, help="Pairs read from the data."),
    steps: int = typer.Option(40, min=1, help="Optimizer steps per training probe."),
    seed: int = typer.Option(0, help="Seed for pairs and probes."),
    as_json: bool = typer.Option(False, "--json", help="Print the diagnosis as JSON."),
) -> None:
    """Find what is wrong with a Siamese setup: data, model, training dynamics, loss convention.

    Exits with status 1 when any finding has error severity.
    """
    from siamkit.doctor import print_diagnosis
    from siamkit.doctor.checkpoint import diagnose_checkpoint

    diagnosis = diagnose_checkpoint(
        _image_checkpoint(checkpoint), dataset, loss, optimizer, lr,
        num_pairs=pairs, probe_pairs=min(32, pairs), steps=steps, seed=seed,
    )
    if as_json:
        typer.echo(json.dumps(diagnosis.to_dict(), indent=2))
    else:
        print_diagnosis(diagnosis, title=f"siamkit doctor · {checkpoint} · {dataset}")
    if not diagnosis.ok:
        raise typer.Exit(code=1)
@app.command()
def compare(
    dataset: str = typer.Option("shapes", help="Bundled dataset name (e.g. shapes, colors, digits) or an image folder."),
    models: str = typer.Option(
        "siamese,two-channel,single", help="Comma-separated: siamese, pseudo-siamese, two-channel, single."
    ),
    encoder: str = typer.Option("small_cnn", help="Encoder of every model: small_cnn, lenet, resnet18, mlp, ..."),
    embedding_dim: int = typer.Option(100, min=1, help="Embedding size D."),
    features: str = typer.Option("abs", help="Pair features of the Siamese classifier head: abs, sq, prod, concat."),
    target: Optional[str] = typer.Option(None, help="Target class of the one-vs-rest pairs (default: the first)."),
    epochs: int = typer.Option(3, min=1, help="Training epochs per model."),
    batch_size: int = typer.Option(64, min=1, help="Pairs per batch."),
    lr: float = typer.Option(1e-3, help="Learning rate (Adam)."),
    train_pairs: int = typer.Option(4000, min=1, help="Training pairs drawn afresh each epoch."),
    eval_pairs: int = typer.Option(2000, min=1, help="Pairs per validation and test split."),
    seed: int = typer.Option(0, help="Seed for the split, pairs and initialisation."),
    as_json: bool = typer.Option(False, "--json", help="Print the rows as JSON."),
    quiet: bool = typer.Option(False, help="No progress bars."),
) -> None:
    """Train several pair architectures on the same one-vs-rest split and print one table."""
    from siamkit.experiments.compare import CompareConfig, ModelRecipe, compare_models
    from siamkit.training.config import TrainConfig

    config = CompareConfig(
        dataset=dataset,
        models=tuple(_csv(models) or []),
        recipe=ModelRecipe(encoder=encoder, embedding_dim=embedding_dim, features=tuple(_csv(features) or [])),
        target=target,
        train_pairs=train_pairs,
        eval_pairs=eval_pairs,
        train=TrainConfig(
            epochs=epochs, batch_size=batch_size, lr=lr, seed=seed, progress=not (quiet or as_json)
        ),
    )
    rows = compare_models(config)
    if as_json:
        typer.echo(json.dumps(rows, indent=2))
        return
    from rich.console import Console
    from rich.table import Table

    table = Table(title=f"siamkit compare · {dataset} · target {rows[0]['target']} · held-out test pairs")
    for col in ("model", "ROC AUC", "accuracy", "parameters", "train s"):
        table.add_column(col, justify="left" if col == "model" else "right")
    for r in rows:
        table.add_row(r["model"], f"{r['roc_auc']:.4f}", f"{r['accuracy']:.4f}", f"{r['parameters']:,}", f"{r['train_seconds']:.1f}")
    Console().print(table)



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
