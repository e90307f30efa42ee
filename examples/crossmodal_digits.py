"""Pseudo-Siamese cross-modal matching: handwritten digit images against phrases naming numbers.

A LeNet embeds 8×8 digit images, a bidirectional GRU embeds phrases ("seven", "7", "three plus
four", "two less than nine"); both are projected to one 32-d space compared by cosine distance and
trained with a contrastive loss on image–phrase pairs (label 1 = the phrase names the digit).
Test pairs hold digit images and phrases never trained on; search runs text → image and image → text.

    PYTHONPATH=src python examples/crossmodal_digits.py          # the README numbers (minutes on 2 CPU cores)
    PYTHONPATH=src python examples/crossmodal_digits.py --quick  # a short smoke run
"""

from __future__ import annotations

import argparse
from pathlib import Path

import torch

from siamkit.core.fileio import write_json
from siamkit.experiments.crossmodal import CrossModalConfig, run_digits_words
from siamkit.training.config import TrainConfig


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="1 epoch of 1,000 pairs (a smoke run, not the README numbers)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", type=Path, default=Path("runs/examples/crossmodal_digits"))
    args = parser.parse_args(argv)
    torch.set_num_threads(min(2, torch.get_num_threads()))
    config = CrossModalConfig()
    config.train.seed = args.seed
    config.train.progress = False
    if args.quick:
        config.train_pairs, config.eval_pairs = 1000, 500
        config.train = TrainConfig(epochs=1, batch_size=128, lr=3e-3, seed=args.seed, progress=False)
    model, metrics = run_digits_words(config)
    sizes = metrics["sizes"]
    print(f"{sizes['train_images']} training images, {sizes['test_images']} test images; "
          f"{sizes['train_phrases']} training phrases, {sizes['test_phrases']} held-out phrases")
    print(f"trained {metrics['epochs']} epochs in {metrics['train_seconds']:.0f} s; "
          f"threshold (cosine distance) {metrics['threshold']:.3f}")
    for name, title in (("test", "test images × held-out phrases"), ("test_images_seen_phrases", "test images × training phrases")):
        m = metrics[name]
        print(f"{title}: pair accuracy {m['accuracy']:.4f}, ROC AUC {m['roc_auc']:.4f}")
    for name, title in (("text_to_image", "text → image"), ("image_to_text", "image → text")):
        r = metrics["retrieval"][name]
        print(f"{title} (held-out phrases, test images): Recall@1 {r['recall_at']['1']:.4f}, "
              f"Recall@5 {r['recall_at']['5']:.4f}, MAP@R {r['map_at_r']:.4f}")
    write_json(args.out / "metrics.json", metrics)
    return metrics


if __name__ == "__main__":
    main()
