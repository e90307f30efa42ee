"""siamkit.core.fileio: atomic writes keep the old file on failure; class names become single file names."""

from __future__ import annotations

import pytest

from siamkit.core.fileio import atomic_path, file_stem, write_json


def test_atomic_path_keeps_the_previous_file_when_writing_fails(tmp_path):
    target = tmp_path / "metrics.json"
    write_json(target, {"auc": 0.9})
    with pytest.raises(RuntimeError):
        with atomic_path(target) as tmp:
            tmp.write_text("half")
            raise RuntimeError("crash mid-write")
    assert target.read_text().strip().startswith("{") and "0.9" in target.read_text()
    assert [p.name for p in tmp_path.iterdir()] == ["metrics.json"]


@pytest.mark.parametrize(
    "name, stem",
    [("T-shirt/top", "T-shirt-top"), ("Ankle boot", "Ankle boot"), ("a\\b:c", "a-b-c"), ("..", "-"), ("7", "7")],
)
def test_file_stem_is_one_safe_file_name(name, stem):
    assert file_stem(name) == stem
