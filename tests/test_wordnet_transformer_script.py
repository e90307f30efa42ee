"""scripts/wordnet_transformer.py's training pairs from another file: its train rows replace the bundled ones, val
and test stay, and a file holding a val or test word or gloss is refused."""

import gzip
from pathlib import Path

import pytest
import torch
from conftest import load_module

from siamkit.core.errors import DataError
from siamkit.data.text import wordnet_gloss


@pytest.fixture(scope="module")
def script():
    return load_module(Path(__file__).resolve().parent.parent / "scripts" / "wordnet_transformer.py")


def write_pairs(path: Path, rows: list[tuple[str, str, int, str]]) -> Path:
    lines = ["word\tgloss\tlabel\tsplit\tnegative", *(f"{w}\t{g}\t{y}\t{s}\t" for w, g, y, s in rows)]
    path.write_bytes(gzip.compress(("\n".join(lines) + "\n").encode()))
    return path


def test_train_rows_come_from_the_file_and_val_test_stay(script, tmp_path):
    bundled = wordnet_gloss(limit_per_split=8)
    rows = [("zzword", "a made-up gloss", 1, "train"), ("zzword", "another gloss", 0, "train"),
            ("yyword", "a third gloss", 1, "train"), ("xx", "not training", 1, "val")]
    pairs = script.with_training_pairs(bundled, write_pairs(tmp_path / "t.tsv.gz", rows), False, None)
    train = pairs.part("train")
    assert train.text1 == ["zzword", "zzword", "yyword"] and train.labels.tolist() == [1, 0, 1]
    for part in ("val", "test"):
        assert pairs.part(part).text1 == bundled.part(part).text1
        assert torch.equal(pairs.part(part).labels, bundled.part(part).labels)
    same_only = script.with_training_pairs(bundled, tmp_path / "t.tsv.gz", True, None).part("train")
    assert same_only.text1 == ["zzword", "yyword"]
    assert script.with_training_pairs(bundled, None, True, None).part("train").labels.tolist() == [1] * 4


def test_a_file_with_a_test_word_or_gloss_is_refused(script, tmp_path):
    bundled = wordnet_gloss(limit_per_split=8)
    test = bundled.part("test")
    for leak in [(test.text1[0], "a made-up gloss"), ("zzword", test.text2[0])]:
        path = write_pairs(tmp_path / "leak.tsv.gz", [(*leak, 1, "train"), ("yy", "other", 0, "train")])
        with pytest.raises(DataError, match="words or glosses of the val / test pairs"):
            script.with_training_pairs(bundled, path, False, None)
