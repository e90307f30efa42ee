import json
import re
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest
import torch
from deploy_helpers import digit_images, digit_label, digit_png, make_checkpoint
from fastapi.testclient import TestClient

from siamkit.deploy.checkpoint import load_checkpoint
from siamkit.deploy.service.app import create_app
from siamkit.deploy.service.engine import ReadWriteLock
from siamkit.deploy.service.runner import serve_process
from siamkit.deploy.verify import verify_files

PNG = "image/png"


@pytest.fixture(scope="module")
def ckpt(tmp_path_factory) -> Path:
    return make_checkpoint(tmp_path_factory.mktemp("ckpt") / "model.ckpt")


@pytest.fixture
def client(ckpt, tmp_path):
    with TestClient(create_app(ckpt, tmp_path / "gallery")) as test_client:
        yield test_client


def _files(**images: bytes) -> dict:
    return {name: (f"{name}.png", data, PNG) for name, data in images.items()}


def _enroll(client, item_id: str, index: int, **extra) -> httpx.Response:
    label = str(digit_label(index))
    return client.post("/enroll", files=_files(image=digit_png(index)), data={"id": item_id, "label": label, **extra})


def _assert_error(response, status: int, code: str, *fragments: str) -> None:
    assert response.status_code == status, response.text
    body = response.json()
    assert body["error"] == code
    for fragment in fragments:
        assert fragment in body["detail"], body["detail"]


# ----------------------------------------------------------------------------- happy paths
def test_health_docs_and_page(client, ckpt):
    health = client.get("/health").json()
    checkpoint = load_checkpoint(ckpt)
    assert health["status"] == "ok" and health["items"] == 0
    assert health["input_shape"] == [1, 8, 8] and health["embedding_dim"] == 8
    assert health["threshold"] == pytest.approx(checkpoint.threshold) and health["score_kind"] == "distance"
    docs = client.get("/docs")
    assert docs.status_code == 200 and "swagger" in docs.text.lower()
    # the docs page's script and style come from the service itself, not a CDN
    assets = re.findall(r'(?:src|href)="([^"]+\.(?:js|css))"', docs.text)
    assert len(assets) == 2 and all(a.startswith("/") for a in assets), assets
    assert all(client.get(a).status_code == 200 for a in assets)
    paths = client.get("/openapi.json").json()["paths"]
    assert {"/verify", "/embed", "/enroll", "/search", "/items/{item_id}", "/health"} <= set(paths)
    page = client.get("/")
    assert page.status_code == 200 and 'id="verify-form"' in page.text and 'id="search-form"' in page.text


def test_verify_matches_the_cli_path(client, ckpt, tmp_path):
    same = client.post("/verify", files=_files(image1=digit_png(0), image2=digit_png(0))).json()
    assert same["same"] is True and same["score"] == pytest.approx(0.0, abs=1e-5)
    assert same["rule"] == "distance <= threshold"
    (tmp_path / "a.png").write_bytes(digit_png(0))
    (tmp_path / "b.png").write_bytes(digit_png(1))
    result = client.post("/verify", files=_files(image1=digit_png(0), image2=digit_png(1))).json()
    expected = verify_files(ckpt, tmp_path / "a.png", tmp_path / "b.png")
    assert result["score"] == pytest.approx(expected["score"], abs=1e-6) and result["same"] == expected["same"]
    assert result["same"] == (result["score"] <= result["threshold"])


def test_verify_with_a_classifier_head_uses_the_similarity_rule(tmp_path):
    ckpt = make_checkpoint(tmp_path / "clf.ckpt", head="classifier")
    with TestClient(create_app(ckpt, tmp_path / "g")) as client:
        result = client.post("/verify", files=_files(image1=digit_png(3), image2=digit_png(4))).json()
    assert result["score_kind"] == "similarity" and result["rule"] == "similarity >= threshold"
    assert result["same"] == (result["score"] >= result["threshold"])


def test_embed_matches_the_model(client, ckpt):
    body = client.post("/embed", files=_files(image=digit_png(5))).json()
    x = torch.round(digit_images()[5:6] * 255) / 255  # what the PNG round trip keeps
    expected = load_checkpoint(ckpt).model.embed(x)[0]
    assert body["dim"] == 8
    torch.testing.assert_close(torch.tensor(body["embedding"]), expected, atol=1e-5, rtol=1e-4)


def test_enroll_search_delete(client, ckpt, tmp_path):
    for i in range(6):
        assert _enroll(client, f"d{i}", i, metadata=json.dumps({"n": i})).status_code == 200
    assert client.get("/health").json()["items"] == 6
    body = client.post("/search", files=_files(image=digit_png(3)), data={"k": "3"}).json()
    assert [m["id"] for m in body["matches"]][0] == "d3" and len(body["matches"]) == 3
    top = body["matches"][0]
    assert top["same"] is True and top["score"] == pytest.approx(0.0, abs=1e-5) and top["metadata"] == {"n": 3}
    assert [m["score"] for m in body["matches"]] == sorted(m["score"] for m in body["matches"])
    deleted = client.delete("/items/d3")
    assert deleted.json() == {"deleted": "d3", "items": 5}
    ids = [m["id"] for m in client.post("/search", files=_files(image=digit_png(3))).json()["matches"]]
    assert "d3" not in ids and len(ids) == 5
    _assert_error(client.delete("/items/d3"), 404, "not_found", "no item with id 'd3'")
    # The gallery was saved: a new app on the same folder sees the 5 items.
    with TestClient(create_app(ckpt, tmp_path / "gallery")) as again:
        assert again.get("/health").json()["items"] == 5


def test_search_an_empty_gallery(client):
    assert client.post("/search", files=_files(image=digit_png(1))).json()["matches"] == []


def test_resize_makes_other_sizes_acceptable(client):
    big = digit_png(2, size=(16, 16))
    result = client.post("/verify", files=_files(image1=big, image2=digit_png(2)), data={"resize": "true"})
    assert result.status_code == 200 and "same" in result.json()


def test_a_gallery_of_another_model_is_refused(ckpt, tmp_path):
    with TestClient(create_app(ckpt, tmp_path / "g")) as client:
        _enroll(client, "x", 0)
    other = make_checkpoint(tmp_path / "other.ckpt", seed=1)
    with pytest.raises(Exception, match="was built with model"):
        create_app(other, tmp_path / "g")


# ----------------------------------------------------------------------------- bad input → 4xx
CORRUPT_PNG = digit_png(0)[:40] + b"\x00garbage" * 8
NOT_AN_IMAGE = b"%PDF-1.4 this is not an image"


@pytest.mark.parametrize(
    "path, files, data, status, code, fragments",
    [
        ("/verify", {"image1": CORRUPT_PNG, "image2": "ok"}, {}, 422, "invalid_image", ["cannot read uploaded image"]),
        ("/embed", {"image": NOT_AN_IMAGE}, {}, 422, "invalid_image", ["cannot read uploaded image", "PNG or JPEG"]),
        ("/search", {"image": b""}, {}, 422, "invalid_image", ["empty"]),
        ("/verify", {"image1": "big", "image2": "ok"}, {}, 422, "invalid_image", ["16×16", "expects 8×8", "resize"]),
        ("/enroll", {"image": "big"}, {"id": "a", "label": "b"}, 422, "invalid_image", ["16×16"]),
        ("/verify", {"image1": "ok"}, {}, 422, "invalid_request", ["missing field 'image2'"]),
        ("/verify", {}, {}, 422, "invalid_request", ["missing field 'image1'", "missing field 'image2'"]),
        ("/enroll", {"image": "ok"}, {"id": "a"}, 422, "invalid_request", ["missing field 'label'"]),
        ("/enroll", {"image": "ok"}, {"id": "", "label": "b"}, 422, "invalid_request", ["field 'id'"]),
        ("/search", {}, {"k": "3"}, 422, "invalid_request", ["missing field 'image'"]),
        ("/search", {"image": "ok"}, {"k": "0"}, 422, "invalid_request", ["field 'k'", "greater than or equal to 1"]),
        ("/search", {"image": "ok"}, {"k": "many"}, 422, "invalid_request", ["field 'k'"]),
        ("/enroll", {"image": "ok"}, {"id": "a", "label": "b", "metadata": "{bad"}, 422, "invalid_image",
         ["field 'metadata' is not valid JSON"]),
        ("/enroll", {"image": "ok"}, {"id": "a", "label": "b", "metadata": "[1, 2]"}, 422, "invalid_image",
         ["must be a JSON object"]),
    ],
)
def test_bad_input_is_a_4xx_naming_the_problem(client, path, files, data, status, code, fragments):
    named = {"ok": digit_png(0), "big": digit_png(0, size=(16, 16))}
    uploads = {k: (f"{k}.png", named.get(v, v) if isinstance(v, str) else v, PNG) for k, v in files.items()}
    response = client.post(path, files=uploads or None, data=data)
    _assert_error(response, status, code, *fragments)


def test_duplicate_id_is_a_conflict(client):
    assert _enroll(client, "same", 0).status_code == 200
    _assert_error(_enroll(client, "same", 1), 409, "duplicate_id", "already enrolled", "same")
    assert client.get("/health").json()["items"] == 1


def test_oversized_uploads_are_refused(ckpt, tmp_path):
    with TestClient(create_app(ckpt, tmp_path / "g", max_upload_bytes=1000)) as client:
        padded = digit_png(0) + b"\x00" * 1200  # a valid PNG followed by padding, 1.2 kB+
        response = client.post("/verify", files=_files(image1=padded, image2=digit_png(1)))
        _assert_error(response, 413, "upload_too_large", "image1", "1000-byte limit")
        huge = b"\x00" * 200_000  # the whole request is over the limit: refused before parsing
        _assert_error(client.post("/embed", files=_files(image=huge)), 413, "upload_too_large", "at most 1000 bytes")
        assert client.post("/verify", files=_files(image1=digit_png(0), image2=digit_png(1))).status_code == 200


def test_unknown_route_and_method_are_json_errors(client):
    _assert_error(client.get("/nope"), 404, "http_error", "Not Found")
    _assert_error(client.get("/verify"), 405, "http_error", "Method Not Allowed")


# ----------------------------------------------------------------------------- concurrency
def test_read_write_lock_lets_readers_share_and_writers_exclude():
    lock = ReadWriteLock()
    inside, events = threading.Event(), []

    def reader(name):
        with lock.read():
            events.append(f"{name} in")
            inside.set()
            time.sleep(0.2)
            events.append(f"{name} out")

    def writer():
        with lock.write():
            events.append("writer")

    first = threading.Thread(target=reader, args=("r1",))
    first.start()
    assert inside.wait(5)
    second = threading.Thread(target=reader, args=("r2",))
    second.start()
    second.join(5)
    write = threading.Thread(target=writer)
    write.start()
    for thread in (first, write):
        thread.join(5)
    # read the order only once every thread is done: r1 may still be asleep when r2 finishes
    assert events.index("r2 in") < events.index("r1 out")  # a second reader got in while r1 held the lock
    assert events.index("writer") > events.index("r1 out")


def test_real_server_over_http(ckpt, tmp_path):
    """`siamkit serve` on 127.0.0.1: concurrent enrolments and searches, then a clean stop."""
    with serve_process(ckpt, tmp_path / "g", env={"OMP_NUM_THREADS": "1"}) as base:

        def work(worker: int) -> list[int]:
            codes = []
            with httpx.Client(base_url=base, timeout=30) as http:
                for j in range(4):
                    index = worker * 4 + j
                    codes.append(http.post("/enroll", files=_files(image=digit_png(index)),
                                           data={"id": f"w{index}", "label": str(digit_label(index))}).status_code)
                    codes.append(http.post("/search", files=_files(image=digit_png(index))).status_code)
                codes.append(http.post("/verify", files=_files(image1=CORRUPT_PNG, image2=digit_png(0))).status_code)
            return codes

        with ThreadPoolExecutor(max_workers=6) as pool:
            codes = [c for result in pool.map(work, range(6)) for c in result]
        assert codes.count(200) == 6 * 8 and codes.count(422) == 6
        health = httpx.get(f"{base}/health", timeout=5).json()
        assert health["items"] == 24
        found = httpx.post(f"{base}/search", files=_files(image=digit_png(7)), data={"k": "1"}, timeout=10).json()
        assert found["matches"][0]["id"] == "w7"


def test_serve_process_reports_a_server_that_dies_during_start_up(tmp_path):
    from siamkit.deploy.service.runner import ServiceStartError

    with pytest.raises(ServiceStartError, match="exited during start-up(.|\n)*model.ckpt"):
        with serve_process(tmp_path / "model.ckpt", tmp_path / "g"):
            pass
