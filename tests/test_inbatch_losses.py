"""In-batch negatives ranking (MNRL / InfoNCE) and hard-pair contrastive losses; warm-up and gradient accumulation."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F

from siamkit.core.errors import ConfigError, DataError
from siamkit.data.pairs import PairDataset
from siamkit.losses.inbatch import (
    MultipleNegativesRankingLoss,
    MultipleNegativesSymmetricRankingLoss,
    OnlineContrastiveLoss,
)
from siamkit.losses.names import fixed_metric, loss_from_name
from siamkit.nn.encoders import MLP
from siamkit.nn.heads import DistanceHead
from siamkit.nn.models import SiameseNet
from siamkit.training.config import TrainConfig
from siamkit.training.schedule import lr_factor
from siamkit.training.trainer import fit


def test_mnrl_is_cross_entropy_over_every_second_text_in_the_batch():
    g = torch.Generator().manual_seed(0)
    a, b = torch.randn(5, 4, generator=g), torch.randn(5, 4, generator=g)
    labels = torch.tensor([1, 0, 1, 1, 0])
    cos = F.normalize(a, dim=1) @ F.normalize(b, dim=1).T
    expected = torch.stack([-(20 * cos[i]).log_softmax(0)[i] for i in (0, 2, 3)]).mean()
    assert torch.allclose(MultipleNegativesRankingLoss()(a, b, labels), expected, atol=1e-6)
    # the different pairs' second texts are negatives too: dropping them lowers the loss
    same = labels == 1
    assert MultipleNegativesRankingLoss()(a[same], b[same], labels[same]) < expected


def test_the_symmetric_term_has_each_second_text_pick_its_first_among_the_same_pairs():
    g = torch.Generator().manual_seed(2)
    a, b = torch.randn(4, 3, generator=g), torch.randn(4, 3, generator=g)
    labels = torch.tensor([1, 1, 0, 1])
    same = torch.tensor([0, 1, 3])
    cos = F.normalize(b[same], dim=1) @ F.normalize(a[same], dim=1).T
    mirror = F.cross_entropy(20 * cos, torch.arange(3))
    expected = (MultipleNegativesRankingLoss()(a, b, labels) + mirror) / 2
    assert torch.allclose(MultipleNegativesSymmetricRankingLoss()(a, b, labels), expected, atol=1e-6)
    assert isinstance(loss_from_name("mnrl_symmetric"), MultipleNegativesSymmetricRankingLoss)


def test_mnrl_without_a_same_pair_is_zero_with_a_gradient():
    a = torch.randn(3, 4, requires_grad=True)
    loss = MultipleNegativesRankingLoss(symmetric=True)(a, torch.randn(3, 4), torch.zeros(3, dtype=torch.long))
    loss.backward()
    assert float(loss.detach()) == 0.0 and a.grad is not None
    with pytest.raises(ConfigError, match="scale"):
        MultipleNegativesRankingLoss(scale=0)
    assert fixed_metric("mnrl") == "cosine"


def test_online_contrastive_uses_only_the_hard_pairs():
    d = torch.tensor([0.1, 0.6, 0.3, 0.9, 0.05])
    y = torch.tensor([1, 1, 0, 0, 0])
    # hard same: 0.6 (> closest different 0.05), 0.1 (> 0.05); hard different: 0.3, 0.05 (< farthest same 0.6)
    expected = (0.1**2 + 0.6**2 + (0.5 - 0.3) ** 2 + (0.5 - 0.05) ** 2) / 5
    assert float(OnlineContrastiveLoss()(d, y)) == pytest.approx(expected)
    easy = OnlineContrastiveLoss()(torch.tensor([0.1, 0.2, 0.8, 0.9]), torch.tensor([1, 1, 0, 0]))
    assert float(easy) == 0.0
    only_same = OnlineContrastiveLoss()(torch.tensor([0.1, 0.2]), torch.tensor([1, 1]))
    assert float(only_same) == pytest.approx((0.1**2 + 0.2**2) / 2)
    assert isinstance(loss_from_name("online_contrastive", 0.3), OnlineContrastiveLoss)


def test_lr_factor_warms_up_then_decays():
    assert [lr_factor(k, 10, 4) for k in (0, 2, 4, 9)] == [0.0, 0.5, 1.0, 1.0]
    assert lr_factor(10, 10, 0, "cosine") == pytest.approx(0.0) and lr_factor(5, 10, 0, "cosine") == pytest.approx(0.5)
    with pytest.raises(ConfigError, match="lr schedule"):
        lr_factor(0, 10, 0, "step")


def _pairs(n: int = 64) -> PairDataset:
    g = torch.Generator().manual_seed(1)
    x1 = torch.randn(n, 6, generator=g)
    same = torch.arange(n) % 2
    x2 = torch.where(same[:, None].bool(), x1 + 0.1 * torch.randn(n, 6, generator=g), torch.randn(n, 6, generator=g))
    return PairDataset.from_pairs(x1, x2, same)


@pytest.mark.parametrize("accumulate", [1, 2])
def test_warmup_counts_optimizer_steps_and_accumulation_makes_fewer(accumulate):
    torch.manual_seed(0)
    model = SiameseNet(MLP(6, 8, hidden=()), DistanceHead("cosine"))
    config = TrainConfig(
        epochs=1, batch_size=8, lr=1e-2, warmup_steps=16, accumulate_grad_batches=accumulate, progress=False
    )
    result = fit(model, MultipleNegativesRankingLoss(), _pairs(), None, config)
    steps = 8 // accumulate  # 64 pairs / 8 per batch, one optimizer step per `accumulate` batches
    assert result.history[0]["lr"] == pytest.approx(1e-2 * steps / 16)
    assert result.history[0]["train_loss"] > 0


def test_grouped_batches_keep_each_first_text_with_its_labelled_negatives():
    from siamkit.data.pairs import PairBatchSampler
    from siamkit.data.text import TextPairs
    from siamkit.nn.encoders.text import Tokenizer

    words = [f"w{i}" for i in range(40)]
    text1 = [w for w in words for _ in range(2)]  # each word: its gloss (1), a sibling's gloss (0)
    text2 = [f"{w} gloss" if i % 2 == 0 else f"other gloss {i}" for i, w in enumerate(text1)]
    labels = torch.tensor([1, 0] * 40)
    pairs = TextPairs(text1, text2, labels, "words").to_pairs(Tokenizer.fit(text1 + text2, "word", 8))
    assert pairs.groups.tolist() == [i // 2 for i in range(80)]
    grouped = list(PairBatchSampler(pairs, batch_size=8, shuffle=True, seed=3, grouped=True))
    plain = list(PairBatchSampler(pairs, batch_size=8, shuffle=True, seed=3))
    together = [set(pairs.groups[b].tolist()) for b in grouped]
    assert all(len(groups) == 4 for groups in together)  # 4 whole words of 2 pairs in each batch of 8
    assert sorted(torch.cat(grouped).tolist()) == list(range(80))  # every pair once
    assert any(len(set(pairs.groups[b].tolist())) > 4 for b in plain)  # without grouping, words split up
    assert [b.tolist() for b in grouped] != [b.tolist() for b in PairBatchSampler(pairs, 8, True, 4, grouped=True)]


def test_fit_groups_batches_for_in_batch_negatives_only(monkeypatch):
    import siamkit.training.trainer as trainer

    seen = []
    monkeypatch.setattr(trainer, "run_trainer", lambda module, loader, val, config: seen.append(loader.sampler.grouped))
    pairs = PairDataset.from_pairs(torch.rand(8, 4), torch.rand(8, 4), torch.tensor([1, 0] * 4), torch.arange(8) // 2)
    net = SiameseNet(MLP(in_features=4, embedding_dim=3), DistanceHead("cosine"))
    fit(net, MultipleNegativesRankingLoss(), pairs, None, TrainConfig(progress=False))
    fit(net, OnlineContrastiveLoss(), pairs, None, TrainConfig(progress=False))
    assert seen == [True, False]
    with pytest.raises(DataError, match="groups"):
        PairDataset.from_pairs(torch.rand(8, 4), torch.rand(8, 4), torch.tensor([1, 0] * 4), torch.arange(7))


class _CountingTokenEncoder(torch.nn.Module):
    """Mean of token embeddings ``[B, L] → [B, 4]``; records how many rows each call embeds."""

    def __init__(self) -> None:
        super().__init__()
        self.table = torch.nn.Embedding(20, 4)
        self.rows_seen: list[int] = []

    def forward(self, ids: torch.Tensor) -> torch.Tensor:
        self.rows_seen.append(len(ids))
        return self.table(ids).mean(1)


def test_repeated_token_rows_are_embedded_once_with_the_same_embeddings_and_gradients():
    from siamkit.nn.interfaces import embed_pair

    torch.manual_seed(0)
    words, glosses = torch.randint(0, 20, (3, 5)), torch.randint(0, 20, (6, 5))
    x1 = words.repeat_interleave(2, dim=0)  # each word with its gloss and its negative gloss
    model = SiameseNet(_CountingTokenEncoder(), DistanceHead("cosine"))
    a, b = embed_pair(model, x1, glosses)
    assert model.encoder.rows_seen == [9]  # 3 words + 6 glosses, not 12 rows
    (a.sum() + 2 * b.sum()).backward()
    shared = model.encoder.table.weight.grad.clone()
    model.zero_grad()
    a_each, b_each = model.encoder.table(x1).mean(1), model.encoder.table(glosses).mean(1)
    (a_each.sum() + 2 * b_each.sum()).backward()
    assert torch.allclose(a, a_each) and torch.allclose(b, b_each)
    assert torch.allclose(shared, model.encoder.table.weight.grad)
