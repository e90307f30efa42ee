"""``siamkit doctor``: what is wrong with a trained Siamese setup (exit status 1 on an error finding)."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from siamkit.cli.options import (
    EXPERIMENT,
    checkpoint_argument,
    config_option,
    echo_json,
    image_checkpoint,
    json_option,
)


def doctor(
    checkpoint: Path = checkpoint_argument(),
    dataset: str = typer.Option("digits", help="Dataset to diagnose on (its stored split if trained on it)."),
    loss: Optional[str] = typer.Option(
        None, help="A pair loss, e.g. contrastive or bce (default: as trained; for a triplet-trained model, from the score kind)."
    ),
    optimizer: str = config_option(
        EXPERIMENT, "train.optimizer", "Optimizer used for training: adam, adamw or sgd (momentum 0.9)."
    ),
    lr: float = config_option(EXPERIMENT, "train.lr", "Learning rate used for training."),
    pairs: int = typer.Option(256, min=8, help="Pairs read from the data."),
    steps: int = typer.Option(40, min=1, help="Optimizer steps per training probe."),
    seed: int = typer.Option(0, help="Seed for pairs and probes."),
    as_json: bool = json_option("Print the diagnosis as JSON."),
) -> None:
    """Find what is wrong with a Siamese setup: data, model, training dynamics, loss convention.

    Exits with status 1 when any finding has error severity.
    """
    from siamkit.doctor import print_diagnosis
    from siamkit.doctor.checkpoint import diagnose_checkpoint

    diagnosis = diagnose_checkpoint(
        image_checkpoint(checkpoint), dataset, loss, optimizer, lr,
        num_pairs=pairs, probe_pairs=min(32, pairs), steps=steps, seed=seed,
    )
    if as_json:
        echo_json(diagnosis.to_dict(), sort_keys=False)
    else:
        print_diagnosis(diagnosis, title=f"siamkit doctor · {checkpoint} · {dataset}")
    if not diagnosis.ok:
        raise typer.Exit(code=1)
