import json
import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest
import torch

from siamkit.core.errors import ConfigError
from siamkit.deploy.gallery import DuplicateItem, Gallery, GalleryError, ItemNotFound, model_hash
from siamkit.nn.encoders import LeNet
from siamkit.nn.heads import DistanceHead
from siamkit.nn.models import SiameseNet

SRC = Path(__file__).resolve().parents[1] / "src"


def _gallery(n=50, dim=6, seed=0, **kw) -> tuple[Gallery, np.ndarray]:
    rng = np.random.default_rng(seed)
    vectors = rng.normal(size=(n, dim)).astype(np.float32)
    g = Gallery(dim=dim, model_hash="m1", **kw)
    g.add_many([f"id{i}" for i in range(n)], [f"c{i % 5}" for i in range(n)], vectors, [{"i": i} for i in range(n)])
    return g, vectors


def test_flat_l2_search_is_exact_against_brute_force():
    g, vectors = _gallery()
    query = np.random.default_rng(1).normal(size=6).astype(np.float32)
    matches = g.search(query, k=4)
    distances = np.sqrt(((vectors - query) ** 2).sum(axis=1))
    order = np.argsort(distances)[:4]
    assert [m.id for m in matches] == [f"id{i}" for i in order]
    np.testing.assert_allclose([m.score for m in matches], distances[order], rtol=1e-4)
    assert matches[0].metadata == {"i": int(order[0])} and matches[0].label == f"c{order[0] % 5}"
    assert g.score_kind == "distance"


def test_ip_metric_returns_cosine_similarities_best_first():
    g, vectors = _gallery(metric="ip")
    query = vectors[7] * 3.0  # same direction, other length: cosine 1
    matches = g.search(torch.from_numpy(query), k=3)
    assert matches[0].id == "id7" and matches[0].score == pytest.approx(1.0, abs=1e-5)
    assert matches[0].score >= matches[1].score >= matches[2].score
    assert g.score_kind == "similarity"


@pytest.mark.parametrize("index", ["ivf", "hnsw"])
def test_approximate_indexes_find_the_exact_neighbour_of_stored_items(index):
    g, vectors = _gallery(n=400, dim=8, index=index, nlist=8, nprobe=8)
    hits = sum(g.search(vectors[i], k=1)[0].id == f"id{i}" for i in range(0, 400, 20))
    assert hits == 20


def test_small_ivf_gallery_is_searched_exactly():
    g, vectors = _gallery(n=5, index="ivf", nlist=16)
    distances = np.sqrt(((vectors - vectors[2] * 0.5) ** 2).sum(axis=1))
    assert [m.id for m in g.search(vectors[2] * 0.5, k=5)] == [f"id{i}" for i in np.argsort(distances)]


def test_remove_count_and_duplicates():
    g, vectors = _gallery(n=10)
    assert g.count() == len(g) == 10 and "id3" in g
    g.remove("id3")
    assert g.count() == 9 and "id3" not in g
    assert all(m.id != "id3" for m in g.search(vectors[3], k=9))
    assert g.get("id4").label == "c4"  # positions after the removed item still map correctly
    np.testing.assert_array_equal(g.vectors_of(["id4", "id0"]), vectors[[4, 0]])
    with pytest.raises(ItemNotFound, match="no item with id 'id3'"):
        g.remove("id3")
    with pytest.raises(DuplicateItem, match="id5"):
        g.add("id5", "x", vectors[0])
    with pytest.raises(DuplicateItem, match="dup"):
        g.add_many(["dup", "dup"], ["a", "a"], vectors[:2])
    assert g.count() == 9


@pytest.mark.parametrize(
    "args, message",
    [
        (("", "a", np.zeros(6)), "non-empty strings"),
        (("x", "", np.zeros(6)), "labels must be non-empty"),
        (("x", "a", np.zeros(5)), r"shape \[N, 6\]"),
        (("x", "a", np.full(6, np.nan)), "NaN"),
        (("x", "a", np.zeros(6), {"f": object()}), "not JSON"),
    ],
)
def test_bad_items_are_rejected_with_named_problem(args, message):
    g = Gallery(dim=6, model_hash="m")
    with pytest.raises(GalleryError, match=message):
        g.add(*args)
    assert len(g) == 0


def test_bad_settings():
    with pytest.raises(ConfigError, match="metric"):
        Gallery(4, "m", metric="cosine")
    with pytest.raises(ConfigError, match="index"):
        Gallery(4, "m", index="lsh")


def test_verify_against_a_label_uses_its_best_item():
    g = Gallery(dim=2, model_hash="m")
    g.add_many(["a1", "a2", "b1"], ["alice", "alice", "bob"], [[0, 0], [10, 0], [0, 1]])
    result = g.verify([9, 0], "alice", threshold=1.5)
    assert result["same"] and result["best_id"] == "a2" and result["score"] == pytest.approx(1.0)
    assert not g.verify([9, 0], "bob", threshold=1.5)["same"]
    with pytest.raises(ItemNotFound, match="carol"):
        g.verify([0, 0], "carol", 1.0)


@pytest.mark.parametrize("index", ["flat", "hnsw", "ivf"])
def test_save_and_open_round_trip(tmp_path, index):
    g, vectors = _gallery(n=40, metric="ip", index=index, nlist=4)
    g.remove("id0")
    before = g.search(vectors[5], k=5)
    g.save(tmp_path / "gal")
    opened = Gallery.open(tmp_path / "gal", dim=6, model_hash="m1")
    assert opened.ids() == g.ids() and opened.settings == g.settings
    assert [(m.id, m.label, m.metadata) for m in opened.search(vectors[5], k=5)] == [
        (m.id, m.label, m.metadata) for m in before
    ]
    np.testing.assert_allclose(opened.embeddings(), g.embeddings(), atol=1e-6)
    # Saving again replaces the version; only one version folder is left.
    opened.add("new", "c9", vectors[0])
    opened.save(tmp_path / "gal")
    assert Gallery.open(tmp_path / "gal").count() == 40
    assert len([p for p in (tmp_path / "gal").iterdir() if p.is_dir()]) == 1


def test_empty_gallery_round_trip(tmp_path):
    Gallery(dim=3, model_hash="m").save(tmp_path / "g")
    g = Gallery.open(tmp_path / "g")
    assert g.count() == 0 and g.search([1, 2, 3]) == []


def test_opening_with_another_model_fails_clearly(tmp_path):
    torch.manual_seed(0)
    net_a = SiameseNet(LeNet(1, 8), DistanceHead())
    net_b = SiameseNet(LeNet(1, 8), DistanceHead())
    copy_of_a = SiameseNet(LeNet(1, 8), DistanceHead())
    copy_of_a.load_state_dict(net_a.state_dict())
    assert model_hash(copy_of_a) == model_hash(net_a)
    assert model_hash(net_a) != model_hash(net_b)
    Gallery(dim=8, model_hash=model_hash(net_a)).save(tmp_path / "g")
    with pytest.raises(GalleryError, match="8-dimensional embeddings but the model makes 16"):
        Gallery.open(tmp_path / "g", dim=16)
    with pytest.raises(GalleryError, match="was built with model .* not with this model"):
        Gallery.open(tmp_path / "g", dim=8, model_hash=model_hash(net_b))


def test_missing_and_corrupt_galleries(tmp_path):
    with pytest.raises(GalleryError, match="no gallery in"):
        Gallery.open(tmp_path / "none")
    g, _ = _gallery(n=3)
    g.save(tmp_path / "g")
    version = (tmp_path / "g" / "CURRENT").read_text().strip()
    (tmp_path / "g" / version / "index.faiss").write_bytes(b"garbage")
    with pytest.raises(GalleryError, match="corrupt"):
        Gallery.open(tmp_path / "g")


# A child process saves a bigger gallery into DIR and is killed (SIGKILL) in the middle of save():
# after the index file of the new version is written, before the items database is.
_CHILD = textwrap.dedent(
    """
    import sys, time
    import numpy as np
    from siamkit.deploy.gallery import Gallery

    directory = sys.argv[1]
    g = Gallery.open(directory)
    g.add_many([f"new{i}" for i in range(100)], ["n"] * 100, np.ones((100, g.dim), dtype=np.float32))
    real_write_items = Gallery._write_items

    def write_items_then_hang(self, path):
        real_write_items(self, path)
        print("mid-save", flush=True)
        time.sleep(60)

    Gallery._write_items = write_items_then_hang
    g.save(directory)
    """
)


def test_kill_during_save_leaves_the_old_gallery(tmp_path):
    g, _ = _gallery(n=12)
    g.save(tmp_path / "gal")
    env = {**os.environ, "PYTHONPATH": f"{SRC}{os.pathsep}{os.environ.get('PYTHONPATH', '')}", "OMP_NUM_THREADS": "1"}
    child = subprocess.Popen(
        [sys.executable, "-c", _CHILD, str(tmp_path / "gal")], stdout=subprocess.PIPE, text=True, env=env
    )
    try:
        assert child.stdout.readline().strip() == "mid-save"
        child.send_signal(signal.SIGKILL)
    finally:
        child.kill()
        child.wait(timeout=30)
    assert child.returncode == -signal.SIGKILL
    leftovers = [p.name for p in (tmp_path / "gal").iterdir() if p.name.endswith(".tmp")]
    assert leftovers, "the child should have died with its new version half-written"
    opened = Gallery.open(tmp_path / "gal")
    assert opened.ids() == g.ids()
    # The next save cleans up what the crash left behind.
    opened.save(tmp_path / "gal")
    assert not [p for p in (tmp_path / "gal").iterdir() if p.name.endswith(".tmp")]


def test_cli_enroll_and_search_offline(tmp_path, capsys):
    from deploy_helpers import digit_label, digit_png, make_checkpoint

    from siamkit.cli import run

    ckpt = make_checkpoint(tmp_path / "model.ckpt")
    for i in range(6):
        folder = tmp_path / "people" / str(digit_label(i))
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"{i}.png").write_bytes(digit_png(i))
    (tmp_path / "extra.png").write_bytes(digit_png(10))
    gallery = tmp_path / "gal"
    assert run(["enroll", str(ckpt), str(tmp_path / "people"), "--gallery", str(gallery)]) == 0
    assert run(["enroll", str(ckpt), str(tmp_path / "extra.png"), "--label", "ten", "--gallery", str(gallery)]) == 0
    assert "now holds 7 items" in capsys.readouterr().out
    query = tmp_path / "people" / str(digit_label(4)) / "4.png"
    assert run(["search", str(ckpt), str(query), "--gallery", str(gallery), "-k", "3", "--json"]) == 0
    matches = json.loads(capsys.readouterr().out)
    assert len(matches) == 3 and matches[0]["id"] == f"{digit_label(4)}/4.png" and matches[0]["same"] is True
    assert Gallery.open(gallery).count() == 7
    # A single file without a label, and a search without a gallery, are one-line errors.
    assert run(["enroll", str(ckpt), str(tmp_path / "extra.png"), "--gallery", str(gallery)]) == 2
    assert "give its --label" in capsys.readouterr().err
    assert run(["search", str(ckpt), str(query), "--gallery", str(tmp_path / "none")]) == 2
    assert "siamkit enroll" in capsys.readouterr().err


def test_gallery_survives_faiss_torch_patching(tmp_path):
    """pytorch-metric-learning imports faiss.contrib.torch_utils, which makes FAISS return tensors."""
    import faiss.contrib.torch_utils  # noqa: F401

    g, vectors = _gallery(n=10, metric="ip", index="flat", nlist=4)
    g.save(tmp_path / "gal")
    opened = Gallery.open(tmp_path / "gal", dim=6, model_hash="m1")
    assert isinstance(opened.embeddings(), np.ndarray)
    assert opened.search(vectors[3], k=1)[0].id == g.search(vectors[3], k=1)[0].id


DATA = Path(__file__).resolve().parent / "data"


@pytest.mark.parametrize("name", ["gallery-v1-l2-flat", "gallery-v1-ip-hnsw"])
def test_galleries_saved_by_earlier_versions_still_open(name):
    """Written by the one-module gallery (before the gallery package): 12 items, dim 4, seed 0."""
    vectors = np.random.default_rng(0).normal(size=(12, 4)).astype(np.float32)
    g = Gallery.open(DATA / name, dim=4, model_hash="fixture")
    assert g.ids() == [f"id{i}" for i in range(12)] and g.labels() == ["c0", "c1", "c2"]
    assert g.get("id7").metadata == {"i": 7} and g.get("id7").label == "c1"
    if g.metric == "ip":
        vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    np.testing.assert_allclose(g.embeddings(), vectors, atol=1e-6)
    query = vectors[3] + 0.05
    brute = vectors @ query if g.metric == "ip" else -np.linalg.norm(vectors - query, axis=1)
    assert [m.id for m in g.search(query, k=3)] == [f"id{i}" for i in np.argsort(-brute)[:3]]


@pytest.mark.parametrize("metric", ["l2", "ip"])
def test_flat_search_returns_faiss_flat_neighbours_and_scores(metric):
    import faiss

    g, vectors = _gallery(n=300, dim=8, metric=metric)
    queries = np.random.default_rng(2).normal(size=(40, 8)).astype(np.float32)
    stored = g.embeddings()
    index = faiss.IndexFlatL2(8) if metric == "l2" else faiss.IndexFlatIP(8)
    index.add(stored)
    normalised = queries / np.linalg.norm(queries, axis=1, keepdims=True) if metric == "ip" else queries
    raw, positions = index.search(normalised, 7)
    expected = np.sqrt(np.maximum(raw, 0)) if metric == "l2" else raw
    matches = g.search_many(queries, k=7)
    assert [[m.id for m in row] for row in matches] == [[f"id{p}" for p in row] for row in positions]
    np.testing.assert_allclose([[m.score for m in row] for row in matches], expected, atol=1e-5)


def test_add_many_keeps_order_and_refuses_duplicates_atomically():
    g = Gallery(dim=2, model_hash="m")
    ids = [f"item{i}" for i in range(1000)][::-1]
    g.add_many(ids, ["x"] * 1000, np.arange(2000, dtype=np.float32).reshape(1000, 2))
    assert g.ids() == ids and g.vectors_of([ids[10]]).tolist() == [[20.0, 21.0]]
    with pytest.raises(DuplicateItem, match=r"already enrolled: again, item5;"):
        g.add_many(["new1", "again", "item5", "again"], ["y"] * 4, np.zeros((4, 2)))
    with pytest.raises(DuplicateItem, match=r"already enrolled: twice;"):
        g.add_many(["twice", "new2", "twice"], ["y"] * 3, np.zeros((3, 2)))
    assert len(g) == 1000 and "new1" not in g and "new2" not in g
    g.add_many(["new1", "new2"], ["y", "y"], np.ones((2, 2)))
    assert g.ids()[-2:] == ["new1", "new2"] and g.get("new2").label == "y"
    assert {m.id for m in g.search([1.0, 1.0], k=2)} == {"new1", "new2"}  # both at distance 0


def test_enrolling_in_chunks_stores_the_same_vectors(tmp_path, monkeypatch):
    from deploy_helpers import digit_label, digit_png, make_checkpoint

    from siamkit.cli import run
    from siamkit.deploy.service import engine

    ckpt = make_checkpoint(tmp_path / "model.ckpt")
    for i in range(7):
        folder = tmp_path / "people" / str(digit_label(i))
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"{i}.png").write_bytes(digit_png(i))
    assert run(["enroll", str(ckpt), str(tmp_path / "people"), "--gallery", str(tmp_path / "whole")]) == 0
    embedded = []
    original = engine.Engine._embed

    def counting_embed(self, batch):
        embedded.append(len(batch))
        return original(self, batch)

    monkeypatch.setattr(engine, "ENROL_CHUNK", 3)
    monkeypatch.setattr(engine.Engine, "_embed", counting_embed)
    assert run(["enroll", str(ckpt), str(tmp_path / "people"), "--gallery", str(tmp_path / "chunks")]) == 0
    assert embedded[-3:] == [3, 3, 1] and max(embedded) <= 3  # at most 3 images decoded and embedded at a time
    whole, chunks = Gallery.open(tmp_path / "whole"), Gallery.open(tmp_path / "chunks")
    assert whole.ids() == chunks.ids() and len(whole.ids()) == 7
    assert np.allclose(whole.vectors_of(whole.ids()), chunks.vectors_of(whole.ids()), atol=1e-5)
