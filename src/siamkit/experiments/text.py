"""``siamkit train`` on text pairs: the bundled WordNet word↔gloss set or a CSV/TSV pair file.

pairs → train / val / test (the file's own split column, else stratified by label) → tokenizer
fitted on training texts → Siamese text model → fit → threshold calibrated on validation pairs →
test metrics, side by side with untrained text baselines (bag-of-words and TF-IDF cosine) →
``model.ckpt`` (vocabulary inside), ``metrics.json``, ``history.csv``, ``loss.png``, ``roc.png``.
"""

from __future__ import annotations

from dataclasses import asdict, replace
from pathlib import Path
from typing import Any, Sequence

import torch

from siamkit.core.conventions import to_similarity
from siamkit.core.errors import ConfigError, DataError
from siamkit.data.splits import stratified_split
from siamkit.data.text import TEXT_PAIR_DATASETS, TextPairs, read_text_pairs
from siamkit.evaluation.text_baselines import TEXT_BASELINE_TITLES
from siamkit.experiments.pipeline import train_and_calibrate, with_checkpoint_dir
from siamkit.losses.names import IN_BATCH_LOSSES
from siamkit.nn.encoders.text import Tokenizer
from siamkit.nn.encoders.tokens import TextTokenizer
from siamkit.nn.encoders.transformer import DEFAULT_MAX_LENGTH as TRANSFORMER_MAX_LENGTH
from siamkit.nn.encoders.transformer import TRANSFORMER_ENCODERS

TEXT_ENCODERS = ("gru", "lstm", "text_pool", *TRANSFORMER_ENCODERS)
DEFAULT_MAX_LENGTH = {"word": 64, "char": 200, "trigram": 300}


def is_text_experiment(config) -> bool:
    """Whether an :class:`~siamkit.experiments.config.ExperimentConfig` trains on text pairs."""
    return config.pairs_csv is not None or config.dataset in TEXT_PAIR_DATASETS


def load_text_pairs(config) -> TextPairs:
    """The pairs the config names: ``pairs_csv`` (with its columns) or a bundled text pair set."""
    if config.pairs_csv is not None:
        return read_text_pairs(
            config.pairs_csv, config.text_columns, config.label_column, strict=config.strict_rows
        )
    return TEXT_PAIR_DATASETS[config.dataset]()


def split_text_pairs(
    pairs: TextPairs, fractions: Sequence[float], seed: int, same_pairs_train: bool = False
) -> dict[str, TextPairs]:
    """``{"train", "val", "test"}``: the source's own split when it has one, else a seeded split
    stratified by pair label in ``fractions``. Each part needs same (1) and different (0) pairs, but with
    ``same_pairs_train`` (a loss with in-batch negatives, e.g. MNRL) training may hold same pairs only."""
    if pairs.split is not None:
        parts = {name: pairs.part(name) for name in ("train", "val", "test")}
    else:
        parts = dict(zip(("train", "val", "test"), (pairs.subset(i.tolist()) for i in stratified_split(pairs.labels, fractions, seed))))
    for name, part in parts.items():
        if name == "train" and same_pairs_train and bool((part.labels == 1).any()):
            continue
        if len(part) == 0 or len(torch.unique(part.labels)) < 2:
            hint = f" (with --loss {' or '.join(IN_BATCH_LOSSES)}, training needs only same pairs)"
            raise DataError(
                f"the {name} split of {pairs.name} needs same (1) and different (0) pairs; add pairs"
                + (hint if name == "train" and not same_pairs_train else "")
            )
    return parts


def check_text_encoder(name: str) -> None:
    if name not in TEXT_ENCODERS:
        raise ConfigError(f"encoder '{name}' takes images; for text pairs use one of: {', '.join(TEXT_ENCODERS)}")


def build_text_model(config, train: TextPairs) -> tuple[torch.nn.Module, TextTokenizer, int]:
    """The model, its tokenizer and the truncation length: a pretrained transformer with its own tokenizer
    (``hf``, ``minilm``), or a text encoder with a tokenizer fitted on the ``train`` texts only."""
    from siamkit.experiments.build import build_model

    torch.manual_seed(config.seed)
    if config.encoder in TRANSFORMER_ENCODERS:
        max_length = config.max_length or TRANSFORMER_MAX_LENGTH
        model = build_model(
            config, (max_length,), model_path=config.model_path, max_length=max_length,
            pooling=config.pooling, normalize=config.normalize,
        )
        return model, model.encoder.tokenizer, max_length
    max_length = config.max_length or DEFAULT_MAX_LENGTH.get(config.tokenizer, 64)
    tokenizer = Tokenizer.fit(train.texts(), config.tokenizer, max_length, min_count=config.min_count)
    return build_model(config, (max_length,), tokenizer=tokenizer), tokenizer, max_length


def run_text_training(config, out_dir: str | Path) -> dict[str, Any]:
    """Train and evaluate a Siamese text model; write everything to ``out_dir``; return the metrics.

    ``metrics`` holds the model's test metrics at the top level (at the threshold calibrated on
    validation pairs), ``baselines`` with the same report for each untrained text baseline of
    :mod:`siamkit.evaluation.text_baselines` (thresholds calibrated on the same validation pairs) and, for a
    pretrained transformer, ``pretrained_zero_shot`` (the same model before fine-tuning, scored alike),
    ``lift_over_best_baseline``, ``val``, and the share of test tokens outside the vocabulary.
    """
    from siamkit.evaluation.baselines import part_lifts
    from siamkit.evaluation.inference import pair_scores
    from siamkit.evaluation.text_baselines import similarity_report, text_baselines
    from siamkit.experiments.build import build_loss, build_projection
    from siamkit.experiments.outputs import write_run_outputs
    from siamkit.reporting.plots import plot_roc
    from siamkit.training.trainer import fit

    check_text_encoder(config.encoder)
    out_dir = Path(out_dir)
    pairs = load_text_pairs(config)
    parts = split_text_pairs(pairs, config.fractions, config.seed, same_pairs_train=config.loss in IN_BATCH_LOSSES)
    model, tokenizer, max_length = build_text_model(config, parts["train"])
    config = replace(config, embedding_dim=model.encoder.embedding_dim)
    data = {name: part.to_pairs(tokenizer) for name, part in parts.items()}
    zero_shot = None
    if config.encoder in TRANSFORMER_ENCODERS:
        zero_shot = {name: to_similarity(pair_scores(model, data[name])[0], model.score_kind) for name in ("val", "test")}
    projection = build_projection(config)
    loss = build_loss(config)
    train_config = with_checkpoint_dir(config.train, out_dir)
    trained = train_and_calibrate(
        model, lambda: fit(model, loss, data["train"], data["val"], train_config, projection), data["val"]
    )
    report, test_scores = trained.report(data["test"])
    metrics: dict[str, Any] = {
        "threshold": trained.threshold, "score_kind": model.score_kind, "parts": ["test"], "input_kind": "text"
    }
    metrics.update(report)
    metrics["val"] = trained.val_report()
    metrics["baselines"], baseline_curves = text_baselines(parts["train"].texts(), parts["val"], parts["test"])
    if zero_shot is not None:
        metrics["baselines"]["pretrained_zero_shot"] = similarity_report(
            zero_shot["val"], parts["val"].labels, zero_shot["test"], parts["test"].labels
        )
        baseline_curves["pretrained_zero_shot"] = (zero_shot["test"], parts["test"].labels)
    metrics["lift_over_best_baseline"] = part_lifts(metrics, metrics["baselines"])
    metrics.update(
        test_unknown_token_rate=round(tokenizer.unknown_rate(parts["test"].texts()), 4),
        vocabulary_size=len(tokenizer),
        pairs={name: len(part) for name, part in parts.items()},
        skipped_rows=[str(row) for row in pairs.bad_rows],
        train_seconds=trained.train_seconds,
        epochs=len(trained.history),
    )
    meta = {
        "threshold": trained.threshold,
        "score_kind": model.score_kind,
        "input_shape": [max_length],
        "input_kind": "text",
        "dataset": config.pairs_csv or config.dataset,
        "experiment": {k: v for k, v in asdict(config).items() if k != "train"},
        "metrics": metrics,
    }
    write_run_outputs(out_dir, model, meta, metrics, trained.history)
    curves = {
        "validation": trained.val_curve(),
        "test": (to_similarity(test_scores, model.score_kind), parts["test"].labels),
        **{f"test, {TEXT_BASELINE_TITLES[name]}": curve for name, curve in baseline_curves.items()},
    }
    plot_roc(curves, out_dir / "roc.png")
    return metrics
