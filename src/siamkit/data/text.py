"""Text sources: pair files (CSV/TSV, Quora question-pairs layout), labelled texts, and the bundled
WordNet word↔gloss pairs.

Texts stay strings until a :class:`~siamkit.nn.encoders.text.Tokenizer` (fitted on training texts
only) turns them into token ids ``[N, L]`` (``int64``, 0 = padding); from then on they flow through
:class:`~siamkit.data.PairDataset`, training and evaluation like images. Pair label 1 = same.
"""

from __future__ import annotations

import csv
import gzip
import io
from dataclasses import dataclass, field
from pathlib import Path
from typing import Sequence

import torch

from siamkit.core.errors import DataError
from siamkit.data.labeled import LabeledData
from siamkit.data.pairs import PairDataset

QUORA_COLUMNS = ("question1", "question2")
QUORA_LABEL = "is_duplicate"
BUNDLED = Path(__file__).with_name("bundled")


@dataclass(frozen=True)
class BadRow:
    """A row of a text file that was not loaded: its 1-based line number and why."""

    line: int
    reason: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.reason}"


def describe_bad_rows(bad_rows: Sequence[BadRow], limit: int = 10) -> str:
    """``"line 3: empty question2; line 9: ..."``, the first ``limit`` rows and a count of the rest."""
    text = "; ".join(str(row) for row in bad_rows[:limit])
    return text + (f"; and {len(bad_rows) - limit} more" if len(bad_rows) > limit else "")


@dataclass
class TextPairs:
    """Pairs of texts with labels (1 = same, 0 = different).

    ``lines``: the file line of each pair; ``split``: per-pair split names (``train`` / ``val`` /
    ``test``) when the source has them; ``bad_rows``: rows of the file that were skipped.
    """

    text1: list[str]
    text2: list[str]
    labels: torch.Tensor
    name: str = "text pairs"
    lines: list[int] = field(default_factory=list)
    split: list[str] | None = None
    bad_rows: list[BadRow] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.text1)

    def subset(self, index: Sequence[int]) -> "TextPairs":
        """The pairs at ``index`` (bad rows are not carried over)."""
        index = [int(i) for i in index]
        pick = lambda values: [values[i] for i in index]  # noqa: E731
        return TextPairs(
            pick(self.text1), pick(self.text2), self.labels[index], self.name,
            pick(self.lines) if self.lines else [], pick(self.split) if self.split else None,
        )

    def part(self, split: str) -> "TextPairs":
        """The pairs whose split is ``split`` (needs a split column)."""
        if self.split is None:
            raise DataError(f"{self.name} has no split column; split it with siamkit.data.stratified_split")
        return self.subset([i for i, s in enumerate(self.split) if s == split])

    def texts(self) -> list[str]:
        """Every text of both columns (to fit a tokenizer on)."""
        return self.text1 + self.text2

    def to_pairs(self, tokenizer) -> PairDataset:
        """A :class:`PairDataset` of token ids: both halves ``[P, L]``, padded to one common ``L``; pairs with
        the same first text are one group (``groups``), so the in-batch losses see a text's labelled negatives
        beside its same pair."""
        ids = tokenizer.encode(self.text1 + self.text2)
        first = {text: i for i, text in enumerate(dict.fromkeys(self.text1))}
        groups = torch.tensor([first[text] for text in self.text1], dtype=torch.long)
        return PairDataset.from_pairs(ids[: len(self)], ids[len(self) :], self.labels, groups)


@dataclass
class TextClasses:
    """Labelled texts (e.g. phrases naming numbers), from which pairs are sampled like images."""

    texts: list[str]
    y: torch.Tensor
    class_names: list[str]
    name: str = "texts"

    def __len__(self) -> int:
        return len(self.texts)

    def subset(self, index: Sequence[int]) -> "TextClasses":
        index = [int(i) for i in index]
        return TextClasses([self.texts[i] for i in index], self.y[index], self.class_names, self.name)

    def to_labeled(self, tokenizer, length: int | None = None) -> LabeledData:
        """Token ids as :class:`LabeledData` (``x`` ``[N, L]``), ready for ``PairDataset``."""
        return LabeledData(tokenizer.encode(self.texts, length), self.y, self.class_names, self.name)


def _read_table(path: Path, delimiter: str | None) -> tuple[list[str], list[tuple[int, list[str]]]]:
    """Header and ``(first line number, fields)`` per record of a CSV/TSV file (``.gz`` allowed).

    Bytes that are not UTF-8 are kept as surrogates, so the rows holding them can be reported.
    """
    if not path.is_file():
        raise DataError(f"pair file not found: {path}")
    raw = path.read_bytes()
    if path.suffix == ".gz":
        raw = gzip.decompress(raw)
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise DataError(f"{path} is UTF-16 text; re-save it as UTF-8 (e.g. iconv -f UTF-16 -t UTF-8)")
    text = raw.decode("utf-8-sig", errors="surrogateescape")
    stem = path.name.removesuffix(".gz")
    delimiter = delimiter or ("\t" if stem.endswith((".tsv", ".tab")) else ",")
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        header = next(reader)
    except StopIteration:
        raise DataError(f"{path} is empty; expected a header row and pairs") from None
    records, line = [], reader.line_num
    try:
        for fields in reader:
            if fields:
                records.append((line + 1, fields))
            line = reader.line_num
    except csv.Error as exc:
        raise DataError(f"{path} line {reader.line_num}: cannot parse it as CSV ({exc})") from None
    return [h.strip() for h in header], records


def read_text_pairs(
    path: str | Path,
    text_columns: Sequence[str] = QUORA_COLUMNS,
    label_column: str = QUORA_LABEL,
    split_column: str | None = None,
    strict: bool = False,
    delimiter: str | None = None,
) -> TextPairs:
    """Text pairs from a CSV/TSV file in the Quora question-pairs layout.

    The file has a header; ``text_columns`` (two names, default ``question1, question2``) hold the
    texts and ``label_column`` (default ``is_duplicate``) holds 1 (same) or 0 (different); other
    columns are ignored. ``.tsv``/``.tab`` files are tab-separated unless ``delimiter`` says
    otherwise; ``.gz`` files are decompressed.

    Bad rows (too few fields, empty text, a label other than 0/1, bytes that are not UTF-8) are
    skipped and listed in ``bad_rows`` with their line numbers; with ``strict=True`` any bad row
    makes the whole file an error.
    """
    path = Path(path)
    if len(text_columns) != 2:
        raise DataError(f"give exactly two text columns, got {list(text_columns)}")
    header, records = _read_table(path, delimiter)
    wanted = [*text_columns, label_column] + ([split_column] if split_column else [])
    missing = [c for c in wanted if c not in header]
    if missing:
        raise DataError(
            f"{path} has no column {', '.join(repr(c) for c in missing)} (its columns: {', '.join(header)}); "
            "name the columns with --text-columns A,B and --label-column Y"
        )
    col = [header.index(c) for c in wanted]
    text1, text2, labels, lines, splits, bad = [], [], [], [], [], []
    for line, fields in records:
        reason = _row_problem(fields, col, wanted)
        if reason:
            bad.append(BadRow(line, reason))
            continue
        text1.append(fields[col[0]].strip())
        text2.append(fields[col[1]].strip())
        labels.append(int(fields[col[2]].strip()))
        lines.append(line)
        if split_column:
            splits.append(fields[col[3]].strip())
    if bad and strict:
        raise DataError(
            f"{path} has {len(bad)} bad rows ({describe_bad_rows(bad)}); fix them, or load without strict mode to skip them"
        )
    if not labels:
        raise DataError(f"{path} has no usable pairs" + (f" ({describe_bad_rows(bad)})" if bad else ""))
    return TextPairs(
        text1, text2, torch.tensor(labels), path.name, lines, splits if split_column else None, bad
    )


def _row_problem(fields: list[str], col: list[int], names: list[str]) -> str | None:
    """Why a record cannot be a pair, or ``None``."""
    if len(fields) <= max(col):
        return f"{len(fields)} fields, expected at least {max(col) + 1}"
    for i, name in zip(col, names):
        try:
            fields[i].encode("utf-8")
        except UnicodeEncodeError:
            return f"{name} is not valid UTF-8; re-save the file as UTF-8"
    for i, name in zip(col[:2], names[:2]):
        if not fields[i].strip():
            return f"empty {name}"
    label = fields[col[2]].strip()
    if label not in ("0", "1"):
        return f"{names[2]} is {label!r}, not 0 (different) or 1 (same)"
    return None


def read_text_classes(path: str | Path, text_column: str = "text", label_column: str = "label") -> TextClasses:
    """Labelled texts from a CSV/TSV file with columns ``text_column`` and ``label_column`` (any
    class names); classes are the sorted distinct labels. Rows with empty text or label are errors."""
    path = Path(path)
    header, records = _read_table(path, None)
    missing = [c for c in (text_column, label_column) if c not in header]
    if missing:
        raise DataError(f"{path} has no column {', '.join(missing)} (its columns: {', '.join(header)})")
    t, k = header.index(text_column), header.index(label_column)
    bad = [BadRow(line, "empty text or label") for line, f in records if len(f) <= max(t, k) or not f[t].strip() or not f[k].strip()]
    if bad:
        raise DataError(f"{path}: {describe_bad_rows(bad)}; every row needs a text and a label")
    names = sorted({f[k].strip() for _, f in records})
    y = torch.tensor([names.index(f[k].strip()) for _, f in records])
    return TextClasses([f[t].strip() for _, f in records], y, names, path.name)


def wordnet_gloss(limit_per_split: int | None = None) -> TextPairs:
    """The bundled WordNet 3.0 word↔gloss pairs (``word``, ``gloss``; label 1 = the gloss defines a
    sense of the word), with a ``train`` / ``val`` / ``test`` split in which val and test words and
    glosses never occur in training. 32,000 / 4,000 / 4,000 pairs, balanced.

    ``limit_per_split``: keep only the first pairs of each split (for quick tests). Made by
    ``scripts/make_wordnet_gloss.py``; licence in ``data/bundled/WORDNET_LICENSE.txt``.
    """
    pairs = read_text_pairs(
        BUNDLED / "wordnet_gloss.tsv.gz", ("word", "gloss"), "label", split_column="split", strict=True
    )
    pairs.name = "wordnet-gloss"
    if limit_per_split is not None:
        seen: dict[str, int] = {}
        keep = []
        for i, s in enumerate(pairs.split or []):
            seen[s] = seen.get(s, 0) + 1
            if seen[s] <= limit_per_split:
                keep.append(i)
        pairs = pairs.subset(keep)
        pairs.name = "wordnet-gloss"
    return pairs


TEXT_PAIR_DATASETS = {"wordnet-gloss": wordnet_gloss}
