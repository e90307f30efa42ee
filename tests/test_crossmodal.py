"""Cross-modal pseudo-Siamese: number phrases, image–text pairs, training, retrieval, checkpoints."""

from __future__ import annotations

import pytest
import torch

from siamkit.core.errors import ConfigError, DataError
from siamkit.data import LabeledData, digits
from siamkit.data.crossmodal import CrossModalPairs, number_phrases
from siamkit.deploy.checkpoint import load_checkpoint, save_checkpoint
from siamkit.deploy.verify import text_inputs
from siamkit.experiments.crossmodal import (
    CrossModalConfig,
    build_crossmodal_model,
    cross_modal_retrieval,
    run_digits_words,
)
from siamkit.nn.encoders.text import Tokenizer
from siamkit.training.config import TrainConfig


def test_number_phrases_name_their_number_once():
    phrases = number_phrases()
    label = dict(zip(phrases.texts, phrases.y.tolist()))
    assert len(label) == len(phrases.texts)  # no phrase in two classes
    for text, n in [("seven", 7), ("7", 7), ("one more than six", 7), ("two less than nine", 7),
                    ("three plus four", 7), ("half of fourteen", 7), ("twice 4", 8), ("2 times three", 6),
                    ("zero", 0), ("ten minus 1", 9)]:
        assert label[text] == n, text
    with pytest.raises(ConfigError):
        number_phrases(max_number=11)


def test_cross_modal_pairs_are_labelled_by_class_and_seeded():
    images = digits()
    phrases = number_phrases()
    texts = phrases.to_labeled(Tokenizer.fit(phrases.texts, max_length=8), 8)
    pairs = CrossModalPairs(images, texts, 2000, seed=3)
    x1, x2, y = pairs[torch.arange(2000)]
    assert x1.shape == (2000, 1, 8, 8) and x2.shape == (2000, 8) and x2.dtype == torch.long
    same = (images.y[pairs.pairs[:, 0]] == texts.y[pairs.pairs[:, 1]]).long()
    assert torch.equal(same, y) and 0.45 < y.float().mean() < 0.55
    again = CrossModalPairs(images, texts, 2000, seed=3)
    assert torch.equal(again.pairs, pairs.pairs)
    pairs.resample(1)
    assert not torch.equal(again.pairs, pairs.pairs)
    only_low = texts.subset(torch.nonzero(texts.y < 5).flatten())
    with pytest.raises(DataError, match=r"classes \[5, 6, 7, 8, 9\]"):
        CrossModalPairs(images, only_low, 10)


def test_short_training_runs_and_reports_pairs_and_retrieval_both_ways():
    config = CrossModalConfig(
        train_pairs=1200, eval_pairs=300, embedding_dim=16,
        train=TrainConfig(epochs=3, batch_size=64, lr=3e-3, progress=False),
    )
    model, metrics = run_digits_words(config)
    for part in ("test", "test_images_seen_phrases"):
        assert 0.0 <= metrics[part]["accuracy"] <= 1.0
    for direction in ("text_to_image", "image_to_text"):
        assert set(metrics["retrieval"][direction]["recall_at"]) == {"1", "5"}
    assert 350 < metrics["sizes"]["test_images"] < 370  # 20 % of 1,797 digits
    # Three short epochs already separate classes better than chance (AUC 0.5).
    assert metrics["test_images_seen_phrases"]["roc_auc"] > 0.6


def test_image_text_model_round_trips_and_embeds_to_one_space(tmp_path):
    phrases = number_phrases()
    tokenizer = Tokenizer.fit(phrases.texts, max_length=8)
    torch.manual_seed(0)
    model = build_crossmodal_model((1, 8, 8), tokenizer, CrossModalConfig(embedding_dim=12)).eval()
    save_checkpoint(tmp_path / "m.ckpt", model, {"threshold": 0.5})
    loaded = load_checkpoint(tmp_path / "m.ckpt").model
    images = digits().x[:4]
    ids = tokenizer.encode(["seven", "3 plus 4", "nine", "zero"])
    torch.testing.assert_close(loaded(images, ids), model(images, ids))
    assert loaded.embed_a(images).shape == loaded.embed_b(ids).shape == (4, 12)
    with pytest.raises(Exception, match="does not read text"):
        text_inputs(loaded, "seven", "7")  # the first branch takes images


def test_retrieval_of_a_perfect_space_is_perfect():
    class OneHot(torch.nn.Module):  # embeds images and texts by their class: an oracle
        def __init__(self, image_y, text_y):
            super().__init__()
            self.image_y, self.text_y = image_y, text_y

        def embed_a(self, x):
            return torch.nn.functional.one_hot(self.image_y, 10).float()

        def embed_b(self, x):
            return torch.nn.functional.one_hot(self.text_y, 10).float()

    images = LabeledData(torch.zeros(20, 1, 2, 2), torch.arange(20) % 10)
    texts = LabeledData(torch.ones(30, 3, dtype=torch.long), torch.arange(30) % 10)
    result = cross_modal_retrieval(OneHot(images.y, texts.y), images, texts)
    assert result["text_to_image"]["recall_at"]["1"] == 1.0 and result["image_to_text"]["map_at_r"] == 1.0
