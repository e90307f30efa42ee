"""Compare pair architectures on the same data: Siamese, pseudo-Siamese, 2-channel, single-image.

Every model is trained with the same :func:`~siamkit.training.trainer.fit`, loss (BCE on one logit of
"same"), one-vs-rest pairs (:class:`~siamkit.data.OneVsRestPairs`: a reference of the target class
and a query; label 1 = the query is the target) and seeds; its threshold is calibrated on validation
pairs and applied unchanged to held-out test pairs, whose items no model trained on.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable

from torch import nn

from siamkit.core.errors import ConfigError
from siamkit.data import LabeledData, OneVsRestPairs, PairDataset, load_dataset, stratified_split
from siamkit.experiments.pipeline import train_and_calibrate
from siamkit.losses.pair import PairBCEWithLogitsLoss
from siamkit.nn.encoders import build_encoder
from siamkit.nn.heads import ClassifierHead
from siamkit.nn.models import PseudoSiameseNet, SiameseNet, SingleBranchClassifier, TwoChannelNet
from siamkit.training.config import TrainConfig


@dataclass
class ModelRecipe:
    """How :func:`build_compared_model` builds each architecture (all end in a logit of "same")."""

    encoder: str = "small_cnn"
    embedding_dim: int = 100
    features: tuple[str, ...] = ("abs",)


def _siamese(r: ModelRecipe, shape: tuple[int, ...]) -> nn.Module:
    return SiameseNet(build_encoder(r.encoder, shape, r.embedding_dim), ClassifierHead(r.embedding_dim, r.features))


def _pseudo(r: ModelRecipe, shape: tuple[int, ...]) -> nn.Module:
    encoders = [build_encoder(r.encoder, shape, r.embedding_dim) for _ in range(2)]
    return PseudoSiameseNet(*encoders, ClassifierHead(r.embedding_dim, r.features))


def _two_channel(r: ModelRecipe, shape: tuple[int, ...]) -> nn.Module:
    return TwoChannelNet(build_encoder(r.encoder, (2 * shape[0], *shape[1:]), r.embedding_dim))


def _single(r: ModelRecipe, shape: tuple[int, ...]) -> nn.Module:
    return SingleBranchClassifier(build_encoder(r.encoder, shape, r.embedding_dim))


ARCHITECTURES: dict[str, Callable[[ModelRecipe, tuple[int, ...]], nn.Module]] = {
    "siamese": _siamese,
    "pseudo-siamese": _pseudo,
    "two-channel": _two_channel,
    "single": _single,
}


def build_compared_model(name: str, recipe: ModelRecipe, input_shape: tuple[int, ...]) -> nn.Module:
    """Architecture ``name`` (see ``ARCHITECTURES``) for single inputs of ``input_shape`` ``[C, H, W]``."""
    if name not in ARCHITECTURES:
        raise ConfigError(f"unknown architecture '{name}'; choose from: {', '.join(ARCHITECTURES)}")
    return ARCHITECTURES[name](recipe, tuple(input_shape))


@dataclass
class CompareConfig:
    """One comparison: data, architectures, how they are built and trained.

    ``target``: the class the pairs ask about (name; ``None`` = the dataset's first class).
    ``fractions``: train / validation / test shares of the items (stratified by class).
    ``train_pairs`` are drawn afresh each epoch; ``eval_pairs`` per validation and test split.
    """

    dataset: str = "shapes"
    models: tuple[str, ...] = ("siamese", "two-channel", "single")
    recipe: ModelRecipe = field(default_factory=ModelRecipe)
    target: str | None = None
    fractions: tuple[float, float, float] = (0.6, 0.2, 0.2)
    train_pairs: int = 4000
    eval_pairs: int = 2000
    train: TrainConfig = field(default_factory=lambda: TrainConfig(epochs=3, batch_size=64))

    def __post_init__(self) -> None:
        unknown = [m for m in self.models if m not in ARCHITECTURES]
        if not self.models or unknown:
            raise ConfigError(
                f"unknown or missing architectures {unknown or list(self.models)}; choose a non-empty "
                f"list from: {', '.join(ARCHITECTURES)}"
            )


def train_and_test(
    model: nn.Module,
    train_pairs: PairDataset,
    val_pairs: PairDataset,
    test_pairs: PairDataset,
    config: TrainConfig,
) -> dict[str, Any]:
    """Fit ``model`` (a similarity-logit pair model) with BCE, calibrate on ``val_pairs``, test on ``test_pairs``.

    Returns the test :class:`~siamkit.evaluation.metrics.VerificationReport` as a dict plus ``parameters``
    and ``train_seconds``.
    """
    from siamkit.training.trainer import fit

    trained = train_and_calibrate(model, lambda: fit(model, PairBCEWithLogitsLoss(), train_pairs, val_pairs, config), val_pairs)
    report, _ = trained.report(test_pairs)
    return {
        **report,
        "parameters": sum(p.numel() for p in model.parameters()),
        "train_seconds": trained.train_seconds,
    }


def compare_models(config: CompareConfig, data: LabeledData | None = None) -> list[dict[str, Any]]:
    """Train and test each architecture of ``config`` on one split; one result row per model.

    Rows hold ``model``, ``dataset``, ``target``, ``roc_auc``, ``accuracy`` (held-out test pairs, at
    the threshold calibrated on validation pairs), ``eer``, ``threshold``, ``num_pairs``,
    ``parameters`` and ``train_seconds``. ``data`` overrides ``config.dataset`` (handy for tests).
    """
    import torch

    data = data if data is not None else load_dataset(config.dataset)
    target = config.target if config.target is not None else data.class_names[data.classes()[0]]
    seed = config.train.seed
    train, val, test = (data.subset(p) for p in stratified_split(data.y, config.fractions, seed))
    train_pairs = OneVsRestPairs(train, target, config.train_pairs, seed=seed)
    val_pairs = OneVsRestPairs(val, target, config.eval_pairs, seed=seed + 1)
    test_pairs = OneVsRestPairs(test, target, config.eval_pairs, seed=seed + 2)
    rows = []
    for name in config.models:
        torch.manual_seed(seed)
        model = build_compared_model(name, config.recipe, data.input_shape)
        result = train_and_test(model, train_pairs, val_pairs, test_pairs, config.train)
        rows.append({"model": name, "dataset": data.name, "target": target, **result})
    return rows
