"""Untrained references for text pairs, scored like the trained model (threshold on validation pairs).

- ``bow_cosine``: cosine of the two texts' token-count vectors (lower-cased words, no vocabulary, so
  words never seen in training still match).
- ``tfidf_cosine``: cosine of TF-IDF vectors (scikit-learn's ``TfidfVectorizer``, word unigrams and
  bigrams, sublinear counts), the inverse document frequencies fitted on the **training** texts only.

Every score is a similarity in [0, 1], one per pair ``[P]``; pair labels are 1 = same, 0 = different.
"""

from __future__ import annotations

import math
from collections import Counter
from typing import Any, Sequence

import torch

from siamkit.evaluation.metrics import calibrate_threshold, verification_report
from siamkit.nn.encoders.text import Tokenizer

TEXT_BASELINE_TITLES = {
    "bow_cosine": "bag-of-words cosine",
    "tfidf_cosine": "TF-IDF cosine (training IDF)",
    "pretrained_zero_shot": "pretrained encoder, no fine-tuning",
}


def bow_cosine(text1: Sequence[str], text2: Sequence[str], kind: str = "word") -> torch.Tensor:
    """Cosine similarity ``[P]`` of the token-count vectors of each pair ``(text1[i], text2[i])``."""
    splitter = Tokenizer([], kind)
    out = torch.zeros(len(text1), dtype=torch.float64)
    for i, (a, b) in enumerate(zip(text1, text2)):
        ca, cb = Counter(splitter.split(a)), Counter(splitter.split(b))
        dot = sum(n * cb[t] for t, n in ca.items())
        norm = math.sqrt(sum(n * n for n in ca.values()) * sum(n * n for n in cb.values()))
        out[i] = dot / norm if norm else 0.0
    return out


class TfidfCosine:
    """TF-IDF cosine of text pairs, the vocabulary and IDF fitted on ``train_texts`` only."""

    def __init__(self, train_texts: Sequence[str]) -> None:
        from sklearn.feature_extraction.text import TfidfVectorizer

        self.vectorizer = TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True).fit(list(train_texts))

    def __call__(self, text1: Sequence[str], text2: Sequence[str]) -> torch.Tensor:
        a = self.vectorizer.transform(list(text1))
        b = self.vectorizer.transform(list(text2))  # rows are L2-normalised, so the dot is the cosine
        return torch.from_numpy(a.multiply(b).sum(axis=1).A1).double()


def similarity_report(
    val_scores: torch.Tensor, val_labels: torch.Tensor, test_scores: torch.Tensor, test_labels: torch.Tensor
) -> dict[str, Any]:
    """The verification report of similarity scores ``[P]`` on test pairs, at the threshold calibrated on
    the validation pairs' scores (labels 1 = same)."""
    threshold = calibrate_threshold(val_scores, val_labels, "similarity")
    return verification_report(test_scores, test_labels, "similarity", threshold).as_dict()


def text_baselines(
    train_texts: Sequence[str], val, test
) -> tuple[dict[str, dict[str, Any]], dict[str, tuple[torch.Tensor, torch.Tensor]]]:
    """Each baseline's verification report on ``test``, its threshold calibrated on ``val``, and its test
    ``(similarity [P], labels [P])`` for ROC plots; both keyed by baseline name.

    ``val`` / ``test``: :class:`~siamkit.data.text.TextPairs` (``text1``, ``text2``, ``labels`` ``[P]``).
    """
    scorers = {"bow_cosine": bow_cosine, "tfidf_cosine": TfidfCosine(train_texts)}
    reports, curves = {}, {}
    for name, score in scorers.items():
        curves[name] = (score(test.text1, test.text2), test.labels)
        reports[name] = similarity_report(score(val.text1, val.text2), val.labels, *curves[name])
    return reports, curves
