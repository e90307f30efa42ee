"""Cross-modal pseudo-Siamese task: handwritten digit images against phrases that name numbers.

A :class:`~siamkit.nn.models.PseudoSiameseNet` embeds images with an image encoder and phrases
("seven", "7", "three plus four") with a text encoder, each branch projected to one shared space
compared by cosine distance; label 1 = the phrase names the digit in the image. Images are split
train / val / test (stratified) and phrases train / test, so test pairs hold images and phrases
never trained on. Search works both ways: text → image and image → text.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import torch
from torch import nn

from siamkit.core.errors import ConfigError
from siamkit.data.labeled import LabeledData
from siamkit.data.text import TextClasses
from siamkit.experiments.pipeline import train_and_calibrate
from siamkit.training.config import TrainConfig


@dataclass
class CrossModalConfig:
    """Sizes and training of the digits ↔ number-phrases task.

    ``train_pairs`` are drawn afresh each epoch; ``eval_pairs`` per evaluation set. ``phrase_test``
    is the share of each class's phrases held out of training.
    """

    embedding_dim: int = 32
    text_encoder: str = "gru"
    train_pairs: int = 8000
    eval_pairs: int = 2000
    margin: float = 0.5
    phrase_test: float = 0.2
    fractions: tuple[float, float, float] = (0.7, 0.1, 0.2)
    train: TrainConfig = field(default_factory=lambda: TrainConfig(epochs=20, batch_size=128, lr=3e-3))


def split_phrases(phrases: TextClasses, test_share: float, seed: int) -> tuple[TextClasses, TextClasses]:
    """Train / test phrases, ``test_share`` of each class held out (seeded)."""
    from siamkit.data.splits import stratified_split

    train, test = stratified_split(phrases.y, (1 - test_share, test_share), seed)
    return phrases.subset(train.tolist()), phrases.subset(test.tolist())


def build_crossmodal_model(image_shape: tuple[int, ...], tokenizer, config: CrossModalConfig) -> nn.Module:
    """LeNet image branch and a text branch, both projected to ``embedding_dim`` and batch-normalized, cosine distance head."""
    from siamkit.nn.encoders import build_encoder
    from siamkit.nn.heads import DistanceHead
    from siamkit.nn.models import PseudoSiameseNet

    if config.text_encoder not in ("gru", "lstm", "text_pool"):
        raise ConfigError(f"text_encoder must be gru, lstm or text_pool, got '{config.text_encoder}'")
    image = build_encoder("lenet", image_shape, 64)
    text = build_encoder(config.text_encoder, (tokenizer.max_length,), 64, tokenizer=tokenizer)
    return PseudoSiameseNet(image, text, DistanceHead("cosine"), projection_dim=config.embedding_dim, projection_norm=True)


@torch.no_grad()
def cross_modal_retrieval(model: nn.Module, images: LabeledData, texts: LabeledData, ks: tuple[int, ...] = (1, 5)) -> dict[str, Any]:
    """Recall@K and MAP@R by cosine in the shared space: text queries searching the images
    (``text_to_image``) and image queries searching the texts (``image_to_text``)."""
    from siamkit.evaluation.retrieval import retrieval_metrics

    model.eval()
    image_emb = model.embed_a(images.x)
    text_emb = model.embed_b(texts.x)
    return {
        "text_to_image": retrieval_metrics(text_emb, texts.y, image_emb, images.y, ks, "cosine").as_dict(),
        "image_to_text": retrieval_metrics(image_emb, images.y, text_emb, texts.y, ks, "cosine").as_dict(),
    }


def run_digits_words(config: CrossModalConfig | None = None) -> tuple[nn.Module, dict[str, Any]]:
    """Train the pseudo-Siamese digits ↔ phrases model; return it and its metrics.

    Metrics: ``threshold`` (cosine distance, calibrated on validation pairs), and for test images
    against held-out phrases (``test``) and against training phrases (``test_images_seen_phrases``)
    the verification report (``accuracy`` = pair accuracy); ``retrieval`` on test images and
    held-out phrases.
    """
    from siamkit.data.crossmodal import CrossModalPairs, number_phrases
    from siamkit.data.sources import digits
    from siamkit.data.splits import stratified_split
    from siamkit.losses.pair import ContrastiveLoss
    from siamkit.nn.encoders.text import Tokenizer
    from siamkit.training.trainer import fit

    config = config or CrossModalConfig()
    seed = config.train.seed
    images = digits()
    image_parts = [images.subset(i) for i in stratified_split(images.y, config.fractions, seed)]
    phrases_train, phrases_test = split_phrases(number_phrases(), config.phrase_test, seed)
    tokenizer = Tokenizer.fit(phrases_train.texts, "word", max_length=8)
    texts_train, texts_test = phrases_train.to_labeled(tokenizer, 8), phrases_test.to_labeled(tokenizer, 8)

    torch.manual_seed(seed)
    model = build_crossmodal_model(images.input_shape, tokenizer, config)
    train_pairs = CrossModalPairs(image_parts[0], texts_train, config.train_pairs, seed=seed)
    val_pairs = CrossModalPairs(image_parts[1], texts_train, config.eval_pairs, seed=seed + 1)
    loss = ContrastiveLoss(margin=config.margin)
    trained = train_and_calibrate(model, lambda: fit(model, loss, train_pairs, val_pairs, config.train), val_pairs)
    metrics: dict[str, Any] = {
        "threshold": trained.threshold, "train_seconds": trained.train_seconds, "epochs": len(trained.history)
    }
    for name, texts, s in (("test", texts_test, 2), ("test_images_seen_phrases", texts_train, 3)):
        metrics[name], _ = trained.report(CrossModalPairs(image_parts[2], texts, config.eval_pairs, seed=seed + s))
    metrics["retrieval"] = cross_modal_retrieval(model, image_parts[2], texts_test)
    metrics["sizes"] = {
        "train_images": len(image_parts[0]), "test_images": len(image_parts[2]),
        "train_phrases": len(texts_train), "test_phrases": len(texts_test),
    }
    return model, metrics
