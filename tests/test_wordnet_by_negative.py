"""scripts/wordnet_by_negative.py: ROC AUC against each kind of negative, and the kinds read from the bundled file."""

from pathlib import Path

import pytest
import torch
from conftest import load_module

from siamkit.data.text import wordnet_gloss


@pytest.fixture(scope="module")
def script():
    return load_module(Path(__file__).resolve().parent.parent / "scripts" / "wordnet_by_negative.py")


def test_auc_by_negative_scores_each_kind_against_every_positive(script):
    similarity = torch.tensor([0.9, 0.8, 0.1, 0.2, 0.85, 0.95])
    labels = torch.tensor([1, 1, 0, 0, 0, 0])
    kinds = ["", "", "random", "random", "sibling", "sibling"]
    aucs = script.auc_by_negative(similarity, labels, kinds)
    # random: both below both positives; sibling: 0.85 beats 0.8 only, 0.95 beats both → 1 of 4 orderings right
    assert aucs == pytest.approx({"all negatives": 0.625, "random negatives (2)": 1.0, "sibling negatives (2)": 0.25})


def test_negative_kinds_follow_the_test_pairs_lines(script):
    test = wordnet_gloss().part("test")
    line_kinds = script.negative_kinds()
    kinds = [line_kinds[line] for line in test.lines]
    same = test.labels == 1
    assert {kinds[i] for i in torch.nonzero(same).flatten().tolist()} == {""}
    different = [kinds[i] for i in torch.nonzero(~same).flatten().tolist()]
    assert set(different) == {"random", "sibling"} and different.count("sibling") == 448
