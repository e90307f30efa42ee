"""``siamkit train``. Every option but --out and --quiet is a field of ExperimentConfig (or of its ``train``
TrainConfig) of the same name, and takes that field's default."""

from __future__ import annotations

import dataclasses
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Mapping, Optional

import typer

from siamkit.cli.options import EXPERIMENT, config_default, csv, joined, parse_size
from siamkit.cli.tables import print_metrics
from siamkit.core.errors import DataError

if TYPE_CHECKING:
    from siamkit.experiments.config import ExperimentConfig

_default = partial(config_default, EXPERIMENT)


def _two_columns(text: str) -> tuple[str, str]:
    columns = csv(text) or []
    if len(columns) != 2:
        raise DataError(f"--text-columns takes two column names like question1,question2, got '{text}'")
    return columns[0], columns[1]


# Option text → field value, applied in this order (so a bad --text-columns is reported first).
_CONVERT: dict[str, Callable[[Any], Any]] = {
    "text_columns": _two_columns,
    "held_out": csv,
    "image_size": parse_size,
    "pairs_csv": lambda path: None if path is None else str(path),
    "augment": lambda text: text or (),
}


def experiment_config(options: Mapping[str, Any]) -> ExperimentConfig:
    """The ExperimentConfig of ``siamkit train``'s parsed options (``ctx.params``: option name → value)."""
    from siamkit.experiments.config import ExperimentConfig
    from siamkit.training.config import TrainConfig

    given = {**options, **{name: convert(options[name]) for name, convert in _CONVERT.items()}}
    train_fields = {f.name for f in dataclasses.fields(TrainConfig)}
    experiment_fields = {f.name for f in dataclasses.fields(ExperimentConfig)} - {"train"}
    train = TrainConfig(progress=not given["quiet"], **{k: v for k, v in given.items() if k in train_fields})
    return ExperimentConfig(train=train, **{k: v for k, v in given.items() if k in experiment_fields})


def train(
    ctx: typer.Context,
    out: Path = typer.Option(..., "--out", help="Output folder for model.ckpt, metrics.json and plots."),
    dataset: str = typer.Option(
        default_factory=_default("dataset"),
        help="Bundled dataset (digits, fashion-mnist; wordnet-gloss: text pairs), or a folder root/<class>/<image>.",
    ),
    protocol: str = typer.Option(
        default_factory=_default("protocol"),
        help="unseen-classes (hold classes out, report them apart) or all-classes.",
    ),
    encoder: str = typer.Option(
        default_factory=_default("encoder"),
        help="Encoder: lenet, mlp, small_cnn, small_cnn_pooled (D = 64·grid²), resnet18 or resnet34.",
    ),
    head: str = typer.Option(
        default_factory=_default("head"), help="Pair head: distance (contrastive loss) or classifier (BCE)."
    ),
    metric: str = typer.Option(
        default_factory=_default("metric"), help="Distance head metric: euclidean, squared_euclidean, cosine."
    ),
    embedding_dim: int = typer.Option(default_factory=_default("embedding_dim"), help="Embedding size D."),
    projection_dim: Optional[int] = typer.Option(
        default_factory=_default("projection_dim"), min=1,
        help="Train the loss on a linear projection of the embeddings to this size, dropped after training.",
    ),
    loss: Optional[str] = typer.Option(
        default_factory=_default("loss"),
        help="Loss: contrastive, triplet, bce, ce, cosine, hinge or mse (default: the head's usual loss).",
    ),
    mining: str = typer.Option(
        default_factory=_default("mining"), help="Triplet mining: batch_hard, batch_all or semi_hard."
    ),
    margin: Optional[float] = typer.Option(
        default_factory=_default("margin"), help="Loss margin (distance units; default: the loss's own)."
    ),
    epochs: int = typer.Option(default_factory=_default("train.epochs"), min=1, help="Training epochs."),
    batch_size: int = typer.Option(
        default_factory=_default("train.batch_size"), min=1,
        help="Pairs per batch (items per P×K batch with --loss triplet).",
    ),
    lr: float = typer.Option(default_factory=_default("train.lr"), help="Learning rate."),
    optimizer: str = typer.Option(
        default_factory=_default("train.optimizer"), help="adam, adamw or sgd (momentum 0.9)."
    ),
    lr_schedule: str = typer.Option(
        default_factory=_default("train.lr_schedule"), help="constant, or cosine (lr decays to 0 over all steps)."
    ),
    augment: Optional[str] = typer.Option(
        default_factory=_default("train.augment", joined),
        help="Augment training images: shift (up to 10 % of the side), flip (left-right), or shift,flip.",
    ),
    train_pairs: int = typer.Option(
        default_factory=_default("train_pairs"), min=1, help="Training pairs drawn afresh each epoch."
    ),
    eval_pairs: int = typer.Option(default_factory=_default("eval_pairs"), min=1, help="Pairs per evaluation split."),
    held_out: Optional[str] = typer.Option(
        default_factory=_default("held_out", joined),
        help="Comma-separated class names never trained on (default: digits 7,8,9; fashion-mnist Sneaker,Bag,Ankle boot).",
    ),
    image_size: Optional[str] = typer.Option(
        default_factory=_default("image_size", partial(joined, sep="x")), help="Resize folder images to HEIGHTxWIDTH."
    ),
    seed: int = typer.Option(default_factory=_default("train.seed"), help="Seed for splits, pairs and initialisation."),
    resume: bool = typer.Option(
        default_factory=_default("train.resume"), help="Continue from OUT/checkpoints/last.ckpt if present."
    ),
    quiet: bool = typer.Option(False, help="No progress bar."),
    devices: int = typer.Option(
        default_factory=_default("train.devices"), min=1,
        help="Processes to train in (with --strategy ddp; one per device).",
    ),
    strategy: str = typer.Option(
        default_factory=_default("train.strategy"), help="Lightning strategy: auto, or ddp (gloo on CPU)."
    ),
    precision: str = typer.Option(
        default_factory=_default("train.precision"),
        help="Lightning precision: 32-true, or bf16-mixed (bf16 autocast).",
    ),
    num_nodes: int = typer.Option(
        default_factory=_default("train.num_nodes"), min=1,
        help="Machines in a multi-node DDP run launched with torchrun.",
    ),
    channels_last: bool = typer.Option(
        default_factory=_default("train.channels_last"), help="NHWC convolution weights (often faster on CPU)."
    ),
    pairs_csv: Optional[Path] = typer.Option(
        default_factory=_default("pairs_csv"),
        help="Text pairs: a CSV/TSV file (Quora layout by default); use a text encoder (gru, lstm, text_pool).",
    ),
    text_columns: str = typer.Option(
        default_factory=_default("text_columns", joined), help="The two text columns of --pairs-csv."
    ),
    label_column: str = typer.Option(
        default_factory=_default("label_column"), help="The 0/1 label column of --pairs-csv (1 = same)."
    ),
    strict_rows: bool = typer.Option(
        default_factory=_default("strict_rows"),
        help="Refuse a --pairs-csv with any bad row (default: skip and list them).",
    ),
    tokenizer: str = typer.Option(
        default_factory=_default("tokenizer"), help="Text tokenizer: word, char or trigram (character trigrams of words)."
    ),
    max_length: Optional[int] = typer.Option(
        default_factory=_default("max_length"), min=1,
        help="Tokens kept per text (default: word 64, char 200, trigram 300).",
    ),
    min_count: int = typer.Option(
        default_factory=_default("min_count"), min=1, help="Vocabulary: training tokens seen at least this often."
    ),
) -> None:
    """Train a Siamese network, calibrate its threshold and evaluate it; write everything to OUT.

    With --devices N --strategy ddp, N processes each train on their own share of every epoch's
    batches (--batch-size per process); rank 0 evaluates and writes the outputs.
    """
    from siamkit.experiments.image import run_training

    metrics = run_training(experiment_config(ctx.params), out)
    if not metrics:  # a DDP rank other than 0: rank 0 reports
        return
    print_metrics(metrics, f"siamkit train · {pairs_csv or dataset} · {encoder} + {head} head")
    skipped = metrics.get("skipped_rows") or []
    if skipped:
        typer.echo(f"skipped {len(skipped)} bad rows of the pair file (--strict-rows refuses such a file):")
        for row in skipped:
            typer.echo(f"  {row}")
    typer.echo(f"checkpoint: {out / 'model.ckpt'}")
    typer.echo(f"metrics:    {out / 'metrics.json'}")
    typer.echo(f"plots:      {out / 'loss.png'}, {out / 'roc.png'}")
    if (out / "report" / "index.html").is_file():
        typer.echo(f"report:     {out / 'report' / 'index.html'}")
