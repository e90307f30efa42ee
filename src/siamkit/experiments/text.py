"""``siamkit train`` on text pairs: the bundled WordNet word↔gloss set or a CSV/TSV pair file.

pairs → train / val / test (the file's own split column, else stratified by label) → tokenizer
fitted on training texts → Siamese text model → fit → threshold calibrated on validation pairs →
test metrics, side by side with a bag-of-words cosine baseline scored by the same code →
``model.ckpt`` (vocabulary inside), ``metrics.json``, ``history.csv``, ``loss.png``, ``roc.png``.
"""

from __future__ import annotations

import math
import time
from collections import Counter
from dataclasses import asdict, replace
from pathlib import Path
from typing import Any, Sequence

import torch

from siamkit.core.conventions import to_similarity
from siamkit.core.errors import ConfigError, DataError
from siamkit.data.splits import stratified_split
from siamkit.data.text import TEXT_PAIR_DATASETS, TextPairs, read_text_pairs
from siamkit.evaluation.inference import pair_scores
from siamkit.evaluation.metrics import calibrate_threshold, verification_report
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


def split_text_pairs(pairs: TextPairs, fractions: Sequence[float], seed: int) -> dict[str, TextPairs]:
    """``{"train", "val", "test"}``: the source's own split when it has one, else a seeded split
    stratified by pair label in ``fractions``."""
    if pairs.split is not None:
        parts = {name: pairs.part(name) for name in ("train", "val", "test")}
    else:
        parts = dict(zip(("train", "val", "test"), (pairs.subset(i.tolist()) for i in stratified_split(pairs.labels, fractions, seed))))
    for name, part in parts.items():
        if len(part) == 0 or len(torch.unique(part.labels)) < 2:
            raise DataError(f"the {name} split of {pairs.name} needs same (1) and different (0) pairs; add pairs")
    return parts


def bow_cosine(text1: Sequence[str], text2: Sequence[str], kind: str = "word") -> torch.Tensor:
    """Bag-of-words baseline: cosine similarity ``[P]`` of the token-count vectors of each pair
    (lower-cased words, no vocabulary, so unseen words still match), in [0, 1]."""
    splitter = Tokenizer([], kind)
    out = torch.zeros(len(text1), dtype=torch.float64)
    for i, (a, b) in enumerate(zip(text1, text2)):
        ca, cb = Counter(splitter.split(a)), Counter(splitter.split(b))
        dot = sum(n * cb[t] for t, n in ca.items())
        norm = math.sqrt(sum(n * n for n in ca.values()) * sum(n * n for n in cb.values()))
        out[i] = dot / norm if norm else 0.0
    return out


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
    validation pairs), ``baseline_bow_cosine`` with the same report for the bag-of-words baseline
    (its threshold calibrated on the same validation pairs), for a pretrained transformer
    ``baseline_pretrained_zero_shot`` (the same model before fine-tuning, scored and calibrated alike),
    ``val``, and the share of test tokens outside the vocabulary.
    """
    from siamkit.evaluation.baselines import similarity_baseline_report
    from siamkit.experiments.build import build_loss, build_projection
    from siamkit.experiments.outputs import write_run_outputs
    from siamkit.reporting.plots import plot_roc
    from siamkit.training.trainer import fit

    check_text_encoder(config.encoder)
    out_dir = Path(out_dir)
    pairs = load_text_pairs(config)
    parts = split_text_pairs(pairs, config.fractions, config.seed)
    model, tokenizer, max_length = build_text_model(config, parts["train"])
    config = replace(config, embedding_dim=model.encoder.embedding_dim)
    data = {name: part.to_pairs(tokenizer) for name, part in parts.items()}
    zero_shot = None
    if config.encoder in TRANSFORMER_ENCODERS:
        zero_shot = {name: to_similarity(pair_scores(model, data[name])[0], model.score_kind) for name in ("val", "test")}
    projection = build_projection(config)
    loss = build_loss(config)
    train_config = replace(config.train, checkpoint_dir=config.train.checkpoint_dir or out_dir / "checkpoints")
    started = time.perf_counter()
    result = fit(model, loss, data["train"], data["val"], train_config, projection)
    train_seconds = time.perf_counter() - started

    val_scores, val_labels = pair_scores(model, data["val"])
    threshold = calibrate_threshold(val_scores, val_labels, model.score_kind)
    test_scores, test_labels = pair_scores(model, data["test"])
    metrics: dict[str, Any] = {"threshold": threshold, "score_kind": model.score_kind}
    metrics.update(verification_report(test_scores, test_labels, model.score_kind, threshold).as_dict())
    metrics["val"] = verification_report(val_scores, val_labels, model.score_kind, threshold).as_dict()

    base_val = bow_cosine(parts["val"].text1, parts["val"].text2)
    base_test = bow_cosine(parts["test"].text1, parts["test"].text2)
    base_threshold = calibrate_threshold(base_val, parts["val"].labels, "similarity")
    metrics["baseline_bow_cosine"] = verification_report(base_test, parts["test"].labels, "similarity", base_threshold).as_dict()
    curves = {"test, bag-of-words cosine": (base_test, parts["test"].labels)}
    if zero_shot is not None:
        metrics["baseline_pretrained_zero_shot"] = similarity_baseline_report(
            zero_shot["val"], val_labels, zero_shot["test"], test_labels
        )
        curves["test, pretrained (no fine-tuning)"] = (zero_shot["test"], test_labels)
    metrics.update(
        test_unknown_token_rate=round(tokenizer.unknown_rate(parts["test"].texts()), 4),
        vocabulary_size=len(tokenizer),
        pairs={name: len(part) for name, part in parts.items()},
        skipped_rows=[str(row) for row in pairs.bad_rows],
        train_seconds=round(train_seconds, 2),
        epochs=len(result.history),
    )
    meta = {
        "threshold": threshold,
        "score_kind": model.score_kind,
        "input_shape": [max_length],
        "input_kind": "text",
        "dataset": config.pairs_csv or config.dataset,
        "experiment": {k: v for k, v in asdict(config).items() if k != "train"},
        "metrics": metrics,
    }
    write_run_outputs(out_dir, model, meta, metrics, result.history)
    plot_roc(
        {
            "validation": (to_similarity(val_scores, model.score_kind), val_labels),
            "test": (to_similarity(test_scores, model.score_kind), test_labels),
            **curves,
        },
        out_dir / "roc.png",
    )
    return metrics
