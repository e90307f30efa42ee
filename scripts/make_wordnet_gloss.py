"""Build siamkit's bundled word↔gloss pair set from WordNet 3.0 (Debian package ``wordnet-base``).

Each pair is ``(word, gloss)``: label 1 when the gloss defines one of the word's senses, 0 when it
defines a sense the word does not have. Half of the negatives are *sibling* senses (their synset
shares a hypernym with a sense of the word, so the gloss is about a related thing), half are random
senses of the same part of speech. Examples (the quoted sentences after the definition) are dropped,
since they usually contain the word itself.

Split, so that test words are never trained on: every lemma is put in train / val / test (80 / 10 /
10, seeded); a synset belongs to the first split among its lemmas' splits (train before val before
test), and synsets sharing one definition text take the first of their splits. A pair of split ``s`` takes its word from ``s`` and its gloss from a synset of ``s``, so no val
or test gloss appears in training pairs either.

Usage (writes ``src/siamkit/data/bundled/wordnet_gloss.tsv.gz``)::

    apt-get install wordnet-base
    python scripts/make_wordnet_gloss.py [--wordnet /usr/share/wordnet] [--seed 0]
"""

from __future__ import annotations

import argparse
import csv
import gzip
import io
import os
import random
from collections import defaultdict
from pathlib import Path

POS_FILES = {"n": "data.noun", "v": "data.verb", "a": "data.adj", "r": "data.adv"}
SPLITS = ("train", "val", "test")
OUT = Path(__file__).resolve().parents[1] / "src" / "siamkit" / "data" / "bundled" / "wordnet_gloss.tsv.gz"


def parse_synsets(wordnet: Path) -> dict[str, dict]:
    """Synset id → ``{"pos", "lemmas", "hypernyms", "gloss"}`` from the WordNet data files."""
    synsets = {}
    for pos, name in POS_FILES.items():
        for line in (wordnet / name).read_text(encoding="latin-1").splitlines():
            if line.startswith("  "):  # licence header
                continue
            fields, _, gloss = line.partition(" | ")
            parts = fields.split()
            offset, ss_type, w_cnt = parts[0], parts[2], int(parts[3], 16)
            lemmas = []
            for i in range(w_cnt):
                word = parts[4 + 2 * i].split("(")[0]  # adjectives carry markers like "(a)"
                lemmas.append(word.replace("_", " ").lower())
            p = 4 + 2 * w_cnt
            p_cnt = int(parts[p])
            pointers = [parts[p + 1 + 4 * i : p + 5 + 4 * i] for i in range(p_cnt)]
            hypernyms = [f"{ptr[2]}{ptr[1]}" for ptr in pointers if ptr[0] in ("@", "@i")]
            definition = gloss.split('; "')[0].strip().rstrip(";").strip()
            if definition:
                synsets[f"{pos if ss_type != 's' else 'a'}{offset}"] = {
                    "pos": pos, "lemmas": sorted(set(lemmas)), "hypernyms": hypernyms, "gloss": definition,
                }
    return synsets


def build_pairs(synsets: dict[str, dict], words_per_split: dict[str, int], seed: int) -> list[dict]:
    rng = random.Random(seed)
    senses = defaultdict(set)
    for sid, s in synsets.items():
        for lemma in s["lemmas"]:
            senses[lemma].add(sid)
    lemmas = sorted(senses)
    rng.shuffle(lemmas)
    cut1, cut2 = int(0.8 * len(lemmas)), int(0.9 * len(lemmas))
    word_split = {w: ("train" if i < cut1 else "val" if i < cut2 else "test") for i, w in enumerate(lemmas)}
    synset_split = {
        sid: min((word_split[w] for w in s["lemmas"]), key=SPLITS.index) for sid, s in synsets.items()
    }
    gloss_split: dict[str, str] = {}  # a few synsets share one definition text: keep it in one split
    for sid, s in synsets.items():
        gloss_split[s["gloss"]] = min(gloss_split.get(s["gloss"], "test"), synset_split[sid], key=SPLITS.index)
    synset_split = {sid: gloss_split[s["gloss"]] for sid, s in synsets.items()}
    children = defaultdict(list)
    for sid, s in synsets.items():
        for h in s["hypernyms"]:
            children[h].append(sid)
    by_split_pos = defaultdict(list)
    for sid, s in synsets.items():
        by_split_pos[synset_split[sid], s["pos"]].append(sid)

    rows = []
    for split in SPLITS:
        count = 0
        for word in (w for w in lemmas if word_split[w] == split):
            if count == words_per_split[split]:
                break
            own = sorted(sid for sid in senses[word] if synset_split[sid] == split)
            if not own:
                continue
            positive = rng.choice(own)
            pos = synsets[positive]["pos"]
            siblings = sorted(
                {c for sid in senses[word] for h in synsets[sid]["hypernyms"] for c in children[h]}
                - senses[word]
            )
            siblings = [c for c in siblings if synset_split[c] == split]
            kind = "sibling" if siblings and rng.random() < 0.5 else "random"
            pool = siblings if kind == "sibling" else by_split_pos[split, pos]
            negative = rng.choice(pool)
            while negative in senses[word]:
                negative = rng.choice(pool)
            rows.append({"word": word, "gloss": synsets[positive]["gloss"], "label": 1, "split": split, "negative": ""})
            rows.append({"word": word, "gloss": synsets[negative]["gloss"], "label": 0, "split": split, "negative": kind})
            count += 1
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--wordnet", type=Path, default=Path("/usr/share/wordnet"))
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--train-words", type=int, default=16000)
    parser.add_argument("--eval-words", type=int, default=2000, help="words in each of val and test")
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args()
    rows = build_pairs(
        parse_synsets(args.wordnet),
        {"train": args.train_words, "val": args.eval_words, "test": args.eval_words},
        args.seed,
    )
    text = io.StringIO()
    writer = csv.DictWriter(text, fieldnames=["word", "gloss", "label", "split", "negative"], delimiter="\t")
    writer.writeheader()
    writer.writerows(rows)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    tmp = args.out.with_suffix(".tmp")
    with gzip.GzipFile(tmp, "wb", mtime=0) as f:  # mtime 0: the same input gives the same bytes
        f.write(text.getvalue().encode("utf-8"))
    os.replace(tmp, args.out)
    print(f"wrote {len(rows)} pairs to {args.out} ({args.out.stat().st_size / 1e6:.2f} MB)")


if __name__ == "__main__":
    main()
