"""The model, training-only projection and loss an :class:`~siamkit.experiments.config.ExperimentConfig` describes.
"""

from __future__ import annotations

from typing import Any

from torch import nn

from siamkit.core.errors import ConfigError
from siamkit.experiments.config import ExperimentConfig
from siamkit.losses.names import loss_from_name
from siamkit.nn.distances import CosineDistance, get_distance
from siamkit.nn.encoders import build_encoder
from siamkit.nn.heads import ClassifierHead, DistanceHead
from siamkit.nn.models import SiameseNet, TripletNet
from siamkit.nn.projection import ProjectionHead


def build_model(config: ExperimentConfig, input_shape: tuple[int, ...], **encoder_kwargs: Any) -> SiameseNet:
    """The shared-weight Siamese model the config describes, for inputs of ``input_shape``
    (``encoder_kwargs``, e.g. a text encoder's ``tokenizer``, go to the encoder)."""
    encoder = build_encoder(config.encoder, input_shape, config.embedding_dim, **encoder_kwargs)
    if config.loss == "triplet":
        return TripletNet(encoder, config.metric)
    if config.head == "distance":
        head = DistanceHead(config.metric)
    else:
        head = ClassifierHead(config.embedding_dim, config.features)
    return SiameseNet(encoder, head)


def build_projection(config: ExperimentConfig) -> ProjectionHead | None:
    """The training-only projection head ``config.projection_dim`` asks for, or ``None``."""
    if config.projection_dim is None:
        return None
    if config.head != "distance":
        raise ConfigError("a projection head trains embeddings compared by distance; use --head distance")
    return ProjectionHead(config.embedding_dim, config.projection_dim)


def build_loss(config: ExperimentConfig) -> nn.Module:
    """The loss ``config.loss`` names (see :data:`siamkit.losses.names.LOSSES`), checked against the head and metric."""
    if config.loss == "triplet":
        if config.head != "distance":
            raise ConfigError("the triplet loss trains embeddings compared by distance; use --head distance")
        return loss_from_name("triplet", config.margin, strategy=config.mining, distance=get_distance(config.metric))
    if config.loss == "cosine" and (
        config.head != "distance" or not isinstance(get_distance(config.metric), CosineDistance)
    ):
        raise ConfigError("the cosine loss needs cosine distances; use --head distance --metric cosine")
    return loss_from_name(config.loss, config.margin)
