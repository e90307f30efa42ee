"""``siamkit doctor``: what is wrong with a Siamese setup — a checkpoint, or the user's own code
(``--model FILE.py:factory``). Exit status 1 on an error finding or an incomplete diagnosis."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from siamkit.cli.options import EXPERIMENT, config_option, echo_json, image_checkpoint, json_option
from siamkit.core.errors import ConfigError


def doctor(
    checkpoint: Optional[Path] = typer.Argument(None, help="A model.ckpt written by `siamkit train` (or use --model)."),
    model: Optional[str] = typer.Option(
        None, help="Your own model instead of a checkpoint: FILE.py:factory (a function returning the nn.Module)."
    ),
    data: Optional[str] = typer.Option(
        None, help="Your own pairs for --model: FILE.py:factory returning a DataLoader, a dataset or a tuple."
    ),
    dataset: Optional[str] = typer.Option(
        None, help="Dataset to diagnose on, by name or image folder (default for a checkpoint: digits)."
    ),
    loss: Optional[str] = typer.Option(
        None, help="A pair loss: a siamkit name (contrastive, bce), a torch.nn class (BCELoss, MSELoss) or "
        "FILE.py:factory (default: as trained, else from the score kind)."
    ),
    optimizer: str = config_option(
        EXPERIMENT, "train.optimizer", "Optimizer used for training: adam, adamw or sgd (momentum 0.9)."
    ),
    lr: float = config_option(EXPERIMENT, "train.lr", "Learning rate used for training."),
    layout: Optional[str] = typer.Option(
        None, help="How the model takes a pair (default: detected): pair, stack1 ([B, 2, ...]), stack0 "
        "([2, B, ...]) or list, plus two_class, same=0|1, targets=one_hot|index; comma-separated."
    ),
    pairs: int = typer.Option(256, min=8, help="Pairs read from the data."),
    steps: int = typer.Option(40, min=1, help="Optimizer steps per training probe."),
    seed: int = typer.Option(0, help="Seed for pairs and probes."),
    budget: float = typer.Option(
        30.0, min=0, help="Seconds for the training probes: a large model gets smaller probes (0 = no budget)."
    ),
    as_json: bool = json_option("Print the diagnosis as JSON."),
) -> None:
    """Find what is wrong with a Siamese setup: data, model, training dynamics, loss convention.

    Exits with status 1 when any finding has error severity or a check could not run.
    """
    from siamkit.doctor import print_diagnosis

    options = dict(num_pairs=pairs, probe_pairs=min(32, pairs), steps=steps, seed=seed, budget_s=budget or None)
    if (checkpoint is None) == (model is None):
        raise ConfigError("give either a checkpoint or --model FILE.py:factory")
    if model is not None:
        from siamkit.doctor.user_code import diagnose_user_code

        diagnosis = diagnose_user_code(model, data, dataset, loss, optimizer, lr, layout, **options)
        title = f"siamkit doctor · {model} · {data or dataset}"
    else:
        from siamkit.doctor.checkpoint import diagnose_checkpoint

        if data is not None or layout is not None:
            raise ConfigError("--data and --layout go with --model; a checkpoint is diagnosed on --dataset")
        name = dataset or "digits"
        diagnosis = diagnose_checkpoint(image_checkpoint(checkpoint), name, loss, optimizer, lr, **options)
        title = f"siamkit doctor · {checkpoint} · {name}"
    if as_json:
        echo_json(diagnosis.to_dict(), sort_keys=False)
    else:
        print_diagnosis(diagnosis, title=title)
    if not diagnosis.ok:
        raise typer.Exit(code=1)
