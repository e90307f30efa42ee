"""``siamkit train``. Every option but --out and --quiet is a field of ExperimentConfig (or of its ``train``
TrainConfig) of the same name, and takes that field's default."""

from __future__ import annotations

import dataclasses
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Mapping, Optional

import typer

from siamkit.cli.options import EXPERIMENT, config_option, csv, joined, parse_size
from siamkit.cli.tables import print_metrics
from siamkit.core.errors import DataError

if TYPE_CHECKING:
    from siamkit.experiments.config import ExperimentConfig

_option = partial(config_option, EXPERIMENT)


def _two_columns(text: str) -> tuple[str, str]:
    columns = csv(text) or []
    if len(columns) != 2:
        raise DataError(f"--text-columns takes two column names like question1,question2, got '{text}'")
    return columns[0], columns[1]


# Option text → field value, applied in this order (so a bad --text-columns is reported first).
_CONVERT: dict[str, Callable[[Any], Any]] = {
    "text_columns": _two_columns,
    "held_out": csv,
    "val_classes": csv,
    "image_size": parse_size,
    "pairs_csv": lambda path: None if path is None else str(path),
    "weights": lambda path: None if path is None else str(path),
    "model_path": lambda path: None if path is None else str(path),
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
    dataset: str = _option(
        "dataset",
        "Bundled dataset (digits, mnist, fashion-mnist, glyphs; wordnet-gloss: text pairs), a folder root/<class>/<image> "
        "or a CSV manifest path,label[,split].",
    ),
    protocol: str = _option("protocol", "unseen-classes (hold classes out, report them apart) or all-classes."),
    encoder: str = _option(
        "encoder",
        "Encoder: lenet, mlp, small_cnn, small_cnn_pooled (D = 64·grid²), conv_pooled (D = 4·width·grid²), resnet18, resnet34, resnet50 or mobilenet_v2; "
        "text: gru, lstm, text_pool, hf (a pretrained transformer folder, --model-path) or minilm (all-MiniLM-L6-v2).",
    ),
    model_path: Optional[Path] = _option("model_path", "--encoder hf: a local Hugging Face model folder (save_pretrained)."),
    pooling: str = _option("pooling", "Transformer encoders: pool the real tokens by mean, max or cls."),
    normalize: bool = _option("normalize", "Transformer encoders: L2-normalize the embeddings."),
    head: str = _option("head", "Pair head: distance (contrastive loss) or classifier (BCE)."),
    metric: Optional[str] = _option(
        "metric", "Distance head metric: euclidean, squared_euclidean, cosine (default: the loss's own, else euclidean)."
    ),
    embedding_dim: int = _option("embedding_dim", "Embedding size D."),
    projection_dim: Optional[int] = _option(
        "projection_dim",
        "Train the loss on a linear projection of the embeddings to this size, dropped after training.",
        min=1,
    ),
    loss: Optional[str] = _option(
        "loss",
        "Loss: contrastive, online_contrastive (hard pairs), mnrl / mnrl_symmetric (in-batch negatives), triplet, bce, ce, cosine, hinge "
        "or mse on pairs; multi_similarity, supcon, ntxent, circle, "
        "proxy_anchor, arcface or normalized_softmax on P×K batches (default: the head's usual loss).",
    ),
    mining: str = _option("mining", "Triplet mining: batch_hard, batch_all or semi_hard."),
    margin: Optional[float] = _option("margin", "Loss margin (distance units; default: the loss's own)."),
    epochs: int = _option("train.epochs", "Training epochs.", min=1),
    batch_size: int = _option("train.batch_size", "Pairs per batch (items per P×K batch with --loss triplet).", min=1),
    lr: float = _option("train.lr", "Learning rate."),
    optimizer: str = _option("train.optimizer", "adam, adamw or sgd (momentum 0.9)."),
    lr_schedule: str = _option("train.lr_schedule", "constant, cosine or linear (lr decays to 0 over all steps)."),
    warmup_steps: int = _option("train.warmup_steps", "Optimizer steps of linear lr warm-up from 0.", min=0),
    accumulate_grad_batches: int = _option(
        "train.accumulate_grad_batches", "Batches whose gradients add up before each optimizer step.", min=1
    ),
    grad_clip: Optional[float] = _option("train.grad_clip", "Clip the gradients' L2 norm to this before each step."),
    augment: Optional[str] = _option(
        "train.augment",
        "Augment training images: shift, flip, crop, rotate, jitter, or a preset light (shift) | strong "
        "(shift,crop,rotate,jitter); comma-separated, e.g. strong,flip.",
        shown=joined,
    ),
    instance_weight: float = _option(
        "train.instance_weight",
        "With a P×K-batch loss and --augment: see each item as two augmented views and add this × NT-Xent between "
        "them (SimCLR's self-supervised term; 0 = off).",
        min=0,
    ),
    instance_temperature: float = _option("train.instance_temperature", "Temperature of that instance term."),
    rotation_classes: int = _option(
        "train.rotation_classes",
        "With a P×K-batch loss: turn each training item by a random multiple of 360°/N and make each turn of a class "
        "a class of its own (1 = off, 2, or 4 for square images).",
        min=1,
    ),
    keep_best: bool = _option("train.keep_best", "End with the epoch whose validation pairs verify best (ROC AUC)."),
    patience: Optional[int] = _option(
        "train.patience", "Stop after this many epochs without a better validation ROC AUC.", min=1
    ),
    pretrained: Optional[str] = _option("pretrained", "Start the encoder from bundled weights: imagenet (mobilenet_v2)."),
    weights: Optional[Path] = _option(
        "weights", "Start the encoder from a torchvision-format state dict (resnet18/34/50, mobilenet_v2)."
    ),
    freeze_backbone: bool = _option("train.freeze_backbone", "Train only the encoder's last layer (BatchNorm frozen)."),
    backbone_lr_mult: float = _option("train.backbone_lr_mult", "The backbone learns at lr × this."),
    train_pairs: int = _option("train_pairs", "Training pairs drawn afresh each epoch.", min=1),
    eval_pairs: int = _option("eval_pairs", "Pairs per evaluation split.", min=1),
    held_out: Optional[str] = _option(
        "held_out",
        "Comma-separated class names never trained on (default: digits 7,8,9; fashion-mnist Sneaker,Bag,Ankle boot).",
        shown=joined,
    ),
    val_classes: Optional[str] = _option(
        "val_classes",
        "Comma-separated seen classes kept out of training to choose the best epoch and threshold on (class-disjoint validation).",
        shown=joined,
    ),
    image_size: Optional[str] = _option(
        "image_size", "Resize folder images to HEIGHTxWIDTH.", shown=partial(joined, sep="x")
    ),
    stream: bool = _option("stream", "Decode folder/CSV images per batch in worker processes instead of all into memory."),
    workers: Optional[int] = _option("train.workers", "Processes decoding streamed images (default: cores - 1; 0: main process).", min=0),
    strict_files: bool = _option("strict_files", "Refuse a folder/CSV with any unreadable image (default: skip and name them)."),
    cache_images: bool = _option("cache_images", "Keep decoded images (uint8, training size) in a disk cache under SIAMKIT_HOME."),
    seed: int = _option("train.seed", "Seed for splits, pairs and initialisation."),
    resume: bool = _option("train.resume", "Continue from OUT/checkpoints/last.ckpt if present."),
    quiet: bool = typer.Option(False, help="No progress bar."),
    devices: int = _option("train.devices", "Processes to train in (with --strategy ddp; one per device).", min=1),
    strategy: str = _option("train.strategy", "Lightning strategy: auto, or ddp (gloo on CPU)."),
    precision: str = _option("train.precision", "Lightning precision: 32-true, or bf16-mixed (bf16 autocast, also on CPU)."),
    num_nodes: int = _option("train.num_nodes", "Machines in a multi-node DDP run launched with torchrun.", min=1),
    channels_last: bool = _option("train.channels_last", "NHWC convolution weights (often faster on CPU)."),
    pairs_csv: Optional[Path] = _option(
        "pairs_csv", "Text pairs: a CSV/TSV file (Quora layout by default); use a text encoder (gru, lstm, text_pool, hf, minilm)."
    ),
    text_columns: str = _option("text_columns", "The two text columns of --pairs-csv.", shown=joined),
    label_column: str = _option("label_column", "The 0/1 label column of --pairs-csv (1 = same)."),
    strict_rows: bool = _option("strict_rows", "Refuse a --pairs-csv with any bad row (default: skip and list them)."),
    tokenizer: str = _option("tokenizer", "Text tokenizer: word, char or trigram (character trigrams of words)."),
    max_length: Optional[int] = _option(
        "max_length", "Tokens kept per text (default: word 64, char 200, trigram 300; transformers 128).", min=1
    ),
    min_count: int = _option("min_count", "Vocabulary: training tokens seen at least this often.", min=1),
) -> None:
    """Train a Siamese network, calibrate its threshold and evaluate it; write everything to OUT.

    With --devices N --strategy ddp, N processes each train on their own share of every epoch's
    batches (--batch-size per process); rank 0 evaluates and writes the outputs.
    """
    from siamkit.experiments.image import run_training
    from siamkit.experiments.recipes import set_aside_by, with_recipe

    given = [name for name in ctx.params if ctx.get_parameter_source(name).name not in ("DEFAULT", "DEFAULT_MAP")]
    options, recipe = with_recipe(ctx.params, given)
    if not quiet and recipe:
        shown = ", ".join(f"--{name.replace('_', '-')} {value}" for name, value in recipe.items())
        typer.echo(f"{dataset}'s default recipe: {shown} (give any of these options to change it)")
    elif not quiet and set_aside_by(ctx.params, given):
        shown = ", ".join(f"--{name.replace('_', '-')}" for name in set_aside_by(ctx.params, given))
        typer.echo(f"{dataset}'s default recipe is set aside: {shown} chooses another model")
    config = experiment_config(options)
    metrics = run_training(config, out)
    if not metrics:  # a DDP rank other than 0: rank 0 reports
        return
    print_metrics(metrics, f"siamkit train · {pairs_csv or dataset} · {config.encoder} + {config.head} head")
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
