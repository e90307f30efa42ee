"""Where a text model's WordNet errors are: test ROC AUC against each kind of negative gloss.

Half of the bundled WordNet word↔gloss test pairs are negatives, each labelled in the file by how it was drawn:
``sibling`` (the gloss of a co-hyponym, a sense sharing a hypernym with one of the word's senses: "oak" against
the definition of "maple") or ``random``. This prints the ROC AUC of every positive pair against all negatives,
against the random ones only and against the sibling ones only, for a trained checkpoint and for
all-MiniLM-L6-v2 with no fine-tuning, on the same 4,000 test pairs, and the same pairs each model scores lowest.

    PYTHONPATH=src python scripts/wordnet_by_negative.py runs/wordnet-minilm/model.ckpt
    PYTHONPATH=src python scripts/wordnet_by_negative.py --zero-shot          # the pretrained encoder alone
"""

from __future__ import annotations

import argparse
import csv
import gzip

import torch

from siamkit.core.conventions import to_similarity
from siamkit.core.errors import SiamkitError
from siamkit.data import text as text_data
from siamkit.deploy.checkpoint import load_checkpoint
from siamkit.evaluation.inference import pair_scores
from siamkit.evaluation.metrics import roc_auc
from siamkit.experiments.build import build_model
from siamkit.experiments.config import ExperimentConfig

MAX_LENGTH = 64  # as scripts/wordnet_transformer.py trains


def negative_kinds() -> dict[int, str]:
    """``{file line: negative kind}`` of the bundled pair file (``""`` for same pairs)."""
    with gzip.open(text_data.BUNDLED / "wordnet_gloss.tsv.gz", "rt", encoding="utf-8", newline="") as handle:
        return {line: row["negative"] for line, row in enumerate(csv.DictReader(handle, delimiter="\t"), start=2)}


def auc_by_negative(similarity: torch.Tensor, labels: torch.Tensor, kinds: list[str]) -> dict[str, float]:
    """ROC AUC of the same pairs against all different pairs and against each kind of different pair alone.

    ``similarity`` ``[P]`` (higher = more alike), ``labels`` ``[P]`` (1 = same), ``kinds``: each pair's negative kind.
    """
    aucs = {"all negatives": roc_auc(similarity, labels)}
    same = labels == 1
    for kind in sorted({k for k, is_same in zip(kinds, same.tolist()) if not is_same}):
        keep = same | torch.tensor([k == kind for k in kinds])
        aucs[f"{kind} negatives ({int((~same[keep]).sum())})"] = roc_auc(similarity[keep], labels[keep])
    return aucs


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("checkpoint", nargs="?", help="a model.ckpt trained on wordnet-gloss")
    parser.add_argument("--zero-shot", action="store_true", help="also score all-MiniLM-L6-v2 with no fine-tuning")
    parser.add_argument("--show", type=int, default=5, help="same pairs to print, lowest similarity first")
    args = parser.parse_args()
    if not args.checkpoint and not args.zero_shot:
        parser.error("give a checkpoint, --zero-shot, or both")
    test = text_data.wordnet_gloss().part("test")
    line_kinds = negative_kinds()
    kinds = [line_kinds[line] for line in test.lines]
    models = {}
    try:
        if args.zero_shot:
            config = ExperimentConfig(dataset="wordnet-gloss", encoder="minilm", max_length=MAX_LENGTH)
            models["all-MiniLM-L6-v2, zero-shot"] = build_model(config, (MAX_LENGTH,), max_length=MAX_LENGTH).eval()
        if args.checkpoint:
            models[args.checkpoint] = load_checkpoint(args.checkpoint).model
    except SiamkitError as error:
        parser.exit(2, f"error: {error}\n")
    for name, model in models.items():
        if not hasattr(getattr(model, "encoder", None), "tokenizer"):
            parser.exit(2, f"error: {name} is not a text model; give a checkpoint trained with --dataset wordnet-gloss\n")
        scores, labels = pair_scores(model, test.to_pairs(model.encoder.tokenizer))
        similarity = to_similarity(scores, model.score_kind)
        aucs = auc_by_negative(similarity, labels, kinds)
        print(f"{name}: " + "; ".join(f"{part} {auc:.4f}" for part, auc in aucs.items()), flush=True)
        same = torch.nonzero(labels == 1).flatten()
        for i in same[similarity[same].argsort()[: args.show]].tolist():
            print(f"    {model.score_kind} {scores[i]:.3f}  {test.text1[i]!r} ↔ {test.text2[i][:70]!r}")


if __name__ == "__main__":
    main()
