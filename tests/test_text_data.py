"""Text pair files (Quora layout), text classes, the bundled WordNet gloss pairs, the BoW baseline."""

from __future__ import annotations

import gzip

import pytest
import torch

from siamkit.core.errors import DataError
from siamkit.data import PairDataset
from siamkit.data.text import read_text_classes, read_text_pairs, wordnet_gloss
from siamkit.evaluation.text_baselines import bow_cosine
from siamkit.experiments.text import split_text_pairs
from siamkit.nn.encoders.text import Tokenizer

QUORA = (
    b"id,qid1,qid2,question1,question2,is_duplicate\n"  # line 1
    b'0,1,2,"How do I learn Python?","What is the best way to learn Python?",1\n'  # 2
    b'1,3,4,"Why is the sky blue?","How tall is Everest?",0\n'  # 3
    b'2,5,6,"A question\nover two lines","Another one",0\n'  # 4-5
    b'3,7,8,,"What is love?",1\n'  # 6: empty question1
    b'4,9,10,"Caf\xe9 opening hours?","When does the caf\xc3\xa9 open?",1\n'  # 7: latin-1 byte
    b'5,11,12,"Is it?","Is it not?",2\n'  # 8: bad label
    b'6,13,14,"Only three fields"\n'  # 9: short row
    b'7,15,16,"What is 2+2?","   ",0\n'  # 10: empty question2
    b'8,17,18,"Last good one?","Yes the last good one",1\n'  # 11
)


@pytest.fixture
def quora_csv(tmp_path):
    path = tmp_path / "questions.csv"
    path.write_bytes(QUORA)
    return path


def test_quora_layout_loads_and_reports_each_bad_row_with_its_line(quora_csv):
    pairs = read_text_pairs(quora_csv)
    assert pairs.text1 == ["How do I learn Python?", "Why is the sky blue?", "A question\nover two lines", "Last good one?"]
    assert pairs.labels.tolist() == [1, 0, 0, 1]
    assert pairs.lines == [2, 3, 4, 11]
    bad = {row.line: row.reason for row in pairs.bad_rows}
    assert sorted(bad) == [6, 7, 8, 9, 10]
    assert "empty question1" in bad[6]
    assert "UTF-8" in bad[7]
    assert "is_duplicate is '2'" in bad[8]
    assert "fields" in bad[9]
    assert "empty question2" in bad[10]


def test_strict_mode_refuses_a_file_with_bad_rows(quora_csv):
    with pytest.raises(DataError, match=r"5 bad rows \(line 6: empty question1; line 7"):
        read_text_pairs(quora_csv, strict=True)


def test_missing_columns_name_the_columns_and_the_fix(quora_csv):
    with pytest.raises(DataError, match=r"no column 'label'.*its columns: id, qid1.*--label-column"):
        read_text_pairs(quora_csv, label_column="label")


def test_configurable_columns_tsv_gzip_and_utf16(tmp_path):
    path = tmp_path / "pairs.tsv.gz"
    path.write_bytes(gzip.compress("a\tb\ty\textra\nnew york\tbig apple\t1\tz\nnew york\tparis\t0\tz\n".encode()))
    pairs = read_text_pairs(path, ("a", "b"), "y")
    assert pairs.text2 == ["big apple", "paris"] and pairs.labels.tolist() == [1, 0]
    utf16 = tmp_path / "u16.csv"
    utf16.write_bytes("question1,question2,is_duplicate\nx,y,1\n".encode("utf-16"))
    with pytest.raises(DataError, match="UTF-16"):
        read_text_pairs(utf16)
    with pytest.raises(DataError, match="not found"):
        read_text_pairs(tmp_path / "missing.csv")


def test_a_file_with_no_good_rows_is_an_error(tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text("question1,question2,is_duplicate\n,x,1\n")
    with pytest.raises(DataError, match="no usable pairs.*line 2"):
        read_text_pairs(path)


def test_text_pairs_become_token_id_pairs_of_one_width(quora_csv):
    pairs = read_text_pairs(quora_csv)
    tok = Tokenizer.fit(pairs.texts())
    data = pairs.to_pairs(tok)
    x1, x2, y = data[torch.arange(len(pairs))]
    assert x1.shape == x2.shape and x1.dtype == torch.long and y.tolist() == pairs.labels.tolist()


def test_text_classes_give_pairs_sampled_like_images(tmp_path):
    path = tmp_path / "texts.csv"
    path.write_text("text,label\n" + "".join(f"{w} number {i},{w}\n" for w in ("red", "blue", "green") for i in range(4)))
    classes = read_text_classes(path)
    assert classes.class_names == ["blue", "green", "red"]
    labeled = classes.to_labeled(Tokenizer.fit(classes.texts))
    pairs = PairDataset(labeled, 50, seed=0)
    x1, x2, y = pairs[torch.arange(50)]
    same = (labeled.y[pairs.pairs[:, 0]] == labeled.y[pairs.pairs[:, 1]]).long()
    assert torch.equal(same, y) and 0 < int(y.sum()) < 50 and x1.dtype == torch.long
    (tmp_path / "empty.csv").write_text("text,label\nhello,\n")
    with pytest.raises(DataError, match="line 2"):
        read_text_classes(tmp_path / "empty.csv")


def test_wordnet_gloss_split_keeps_test_words_and_glosses_out_of_training():
    pairs = wordnet_gloss()
    parts = split_text_pairs(pairs, (0.8, 0.1, 0.1), 0)
    assert {k: len(v) for k, v in parts.items()} == {"train": 32000, "val": 4000, "test": 4000}
    train_words, train_glosses = set(parts["train"].text1), set(parts["train"].text2)
    assert not set(parts["test"].text1) & train_words
    assert not set(parts["test"].text2) & train_glosses
    assert not set(parts["val"].text1) & train_words
    assert float(parts["test"].labels.float().mean()) == 0.5
    tiny = wordnet_gloss(limit_per_split=6)
    assert len(tiny) == 18 and tiny.split.count("test") == 6


def test_bag_of_words_cosine():
    sim = bow_cosine(["sugar beet", "walk", "a b"], ["sugar made from sugar beets", "enter by walking", "b a"])
    assert sim[1] == 0.0 and sim[2] == pytest.approx(1.0)
    assert sim[0] == pytest.approx(2 / (2**0.5 * 7**0.5))


def test_tfidf_cosine_weighs_words_by_training_idf_and_ignores_unseen_words():
    from siamkit.evaluation.text_baselines import TfidfCosine

    score = TfidfCosine(["the cat sat", "the dog sat", "the bird flew", "a cat purred"])
    sim = score(["the cat", "the cat", "zebra okapi", "cat"], ["the dog", "a cat", "zebra okapi", "cat"])
    assert sim[3] == pytest.approx(1.0)
    assert sim[1] > sim[0]  # sharing the rare "cat" counts more than sharing the common "the"
    assert sim[2] == 0.0  # words outside the training vocabulary carry nothing


def test_a_training_split_of_same_pairs_only_is_enough_for_in_batch_negatives_only():
    pairs = wordnet_gloss(limit_per_split=20)
    keep = [i for i, (s, y) in enumerate(zip(pairs.split, pairs.labels.tolist())) if s != "train" or y == 1]
    same_only = pairs.subset(keep)
    with pytest.raises(DataError, match="training needs only same pairs"):
        split_text_pairs(same_only, (0.8, 0.1, 0.1), 0)
    parts = split_text_pairs(same_only, (0.8, 0.1, 0.1), 0, same_pairs_train=True)
    assert len(parts["train"]) == 10 and bool((parts["train"].labels == 1).all())
    no_val_negatives = pairs.subset([i for i, (s, y) in enumerate(zip(pairs.split, pairs.labels.tolist())) if s != "val" or y == 1])
    with pytest.raises(DataError, match="the val split"):  # evaluation still needs both kinds
        split_text_pairs(no_val_negatives, (0.8, 0.1, 0.1), 0, same_pairs_train=True)
