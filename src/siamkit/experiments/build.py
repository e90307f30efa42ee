"""The model, training-only projection and loss an :class:`~siamkit.experiments.config.ExperimentConfig` describes.
"""

from __future__ import annotations

from typing import Any, Sequence

import torch
from torch import nn

from siamkit.core.errors import ConfigError
from siamkit.experiments.config import ExperimentConfig
from siamkit.losses.names import CLASS_WEIGHT_LOSSES, LABELLED_BATCH_LOSSES, loss_from_name
from siamkit.nn.distances import CosineDistance, get_distance
from siamkit.nn.encoders import ENCODERS, build_encoder
from siamkit.nn.encoders.pretrained import TorchvisionLayout, load_weights
from siamkit.nn.heads import ClassifierHead, DistanceHead
from siamkit.nn.models import SiameseNet, TripletNet
from siamkit.nn.projection import ProjectionHead


def build_model(config: ExperimentConfig, input_shape: tuple[int, ...], **encoder_kwargs: Any) -> SiameseNet:
    """The shared-weight Siamese model the config describes, for inputs of ``input_shape``
    (``encoder_kwargs``, e.g. a text encoder's ``tokenizer``, go to the encoder), starting from the weights
    ``config.pretrained`` / ``config.weights`` name."""
    if config.pretrained or config.weights:
        encoder = build_pretrained_encoder(config, input_shape, **encoder_kwargs)
    else:
        encoder = build_encoder(config.encoder, input_shape, config.embedding_dim, **encoder_kwargs)
    if config.loss in LABELLED_BATCH_LOSSES:
        return TripletNet(encoder, config.metric)
    if config.head == "distance":
        head = DistanceHead(config.metric)
    else:
        head = ClassifierHead(getattr(encoder, "embedding_dim", config.embedding_dim), config.features)
    return SiameseNet(encoder, head)


def build_pretrained_encoder(config: ExperimentConfig, input_shape: tuple[int, ...], **kwargs: Any) -> nn.Module:
    """Encoder ``config.encoder`` built for torchvision weights (ImageNet input) with those weights loaded.

    The file is read once here; the encoder's spec does not name it, so a checkpoint keeps the weights itself.
    """
    from siamkit.nn.encoders.weights import weights_path

    cls = ENCODERS.get(config.encoder)
    if not issubclass(cls, TorchvisionLayout):
        raise ConfigError(
            f"the {config.encoder} encoder has no torchvision counterpart to take pretrained weights; "
            "use resnet18, resnet34, resnet50 or mobilenet_v2"
        )
    encoder = cls.for_weights(tuple(input_shape), config.embedding_dim, **kwargs)
    load_weights(encoder, config.weights or weights_path(config.encoder))
    return encoder


def build_projection(config: ExperimentConfig) -> ProjectionHead | None:
    """The training-only projection head ``config.projection_dim`` asks for, or ``None``."""
    if config.projection_dim is None:
        return None
    if config.head != "distance":
        raise ConfigError("a projection head trains embeddings compared by distance; use --head distance")
    return ProjectionHead(config.embedding_dim, config.projection_dim)


def build_loss(config: ExperimentConfig, classes: Sequence[int] | torch.Tensor | None = None) -> nn.Module:
    """The loss ``config.loss`` names (see :data:`siamkit.losses.names.LOSSES`), checked against the head and metric.

    ``classes``: the training split's class ids, for the losses with a weight vector per class
    (:data:`~siamkit.losses.names.CLASS_WEIGHT_LOSSES`); their weights have the size the loss sees:
    ``projection_dim`` under a projection head, else ``embedding_dim``.
    """
    if config.loss in LABELLED_BATCH_LOSSES and config.head != "distance":
        raise ConfigError(f"the {config.loss} loss trains embeddings compared by distance; use --head distance")
    if config.loss == "triplet":
        return loss_from_name("triplet", config.margin, strategy=config.mining, distance=get_distance(config.metric))
    if config.loss in CLASS_WEIGHT_LOSSES:
        if classes is None:
            raise ConfigError(
                f"the {config.loss} loss keeps a trainable weight vector per training class, so it needs "
                "class-labelled data (a bundled image set or class folders), not pairs"
            )
        return loss_from_name(
            config.loss, config.margin, classes=classes, embedding_dim=config.projection_dim or config.embedding_dim
        )
    if config.loss == "cosine" and (
        config.head != "distance" or not isinstance(get_distance(config.metric), CosineDistance)
    ):
        raise ConfigError("the cosine loss needs cosine distances; use --head distance --metric cosine")
    return loss_from_name(config.loss, config.margin)
