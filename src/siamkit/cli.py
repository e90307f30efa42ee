"""The ``siamkit`` command line: train, eval, verify, compare.

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
    dataset: str = typer.Option("digits", help="Bundled dataset name, or a folder root/<class>/<image>."),
    encoder: str = typer.Option("lenet", help="Encoder: lenet or mlp."),
    head: str = typer.Option("distance", help="Pair head: distance (contrastive loss) or classifier (BCE)."),
    metric: str = typer.Option("euclidean", help="Distance head metric: euclidean, squared_euclidean, cosine."),
    embedding_dim: int = typer.Option(32, help="Embedding size D."),
    margin: float = typer.Option(1.0, help="Contrastive margin (distance units)."),
    epochs: int = typer.Option(10, min=1, help="Training epochs."),
    batch_size: int = typer.Option(128, min=1, help="Pairs per batch."),
    lr: float = typer.Option(1e-3, help="Learning rate."),
    optimizer: str = typer.Option("adam", help="adam, adamw or sgd (momentum 0.9)."),
    train_pairs: int = typer.Option(10000, min=1, help="Training pairs drawn afresh each epoch."),
    eval_pairs: int = typer.Option(4000, min=1, help="Pairs per evaluation split."),
    held_out: Optional[str] = typer.Option(
        None, help="Comma-separated class names never trained on (default: digits 7,8,9)."
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
        encoder=encoder,
        head=head,
        metric=metric,
        embedding_dim=embedding_dim,
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
    from siamkit.compare import CompareConfig, ModelRecipe, compare_models
    from siamkit.config import TrainConfig

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


def run(argv: Optional[list[str]] = None) -> int:
    """Run the CLI with ``argv`` (default: ``sys.argv[1:]``) and return the exit status."""
    import click

    try:
        result = app(args=argv, prog_name="siamkit", standalone_mode=False)
    except SiamkitError as exc:
        print(f"siamkit: error: {exc}", file=sys.stderr)
        return 2
    except click.exceptions.Exit as exc:
        return exc.exit_code
    except click.ClickException as exc:
        print(f"siamkit: error: {exc.format_message()}", file=sys.stderr)
        return exc.exit_code
    except (click.exceptions.Abort, KeyboardInterrupt):
        print("siamkit: interrupted", file=sys.stderr)
        return 130
    except OSError as exc:
        print(f"siamkit: error: {exc}", file=sys.stderr)
        return 2
    return result if isinstance(result, int) else 0


def main() -> None:
    sys.exit(run())
