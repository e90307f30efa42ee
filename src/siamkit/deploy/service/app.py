"""The FastAPI app: endpoints, upload limits and JSON errors. Bad input is always a 4xx, never a 500.

Errors are ``{"error": code, "detail": message}`` (:class:`~siamkit.deploy.service.schemas.ErrorResponse`):

===  =====================  ==============================================================
413  ``upload_too_large``   an uploaded file (or the whole request) is over the limit
422  ``invalid_request``    a missing or malformed field (names the field)
422  ``invalid_image``      unreadable, unsupported, empty or wrong-size image, bad metadata
404  ``not_found``          no item with that id
409  ``duplicate_id``       an item with that id is already enrolled
===  =====================  ==============================================================
"""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path
from typing import Any

from fastapi import FastAPI, File, Form, Request, UploadFile
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse
from fastapi_offline import FastAPIOffline
from starlette.exceptions import HTTPException as StarletteHTTPException

from siamkit.core.errors import DataError, SiamkitError
from siamkit.deploy.checkpoint import Checkpoint, load_checkpoint
from siamkit.deploy.gallery.items import DuplicateItem, ItemNotFound
from siamkit.deploy.service import schemas
from siamkit.deploy.service.engine import Engine

DEFAULT_MAX_UPLOAD_BYTES = 10 * 1024 * 1024
_MULTIPART_SLACK = 64 * 1024  # form fields and part headers on top of the files themselves
_ERRORS = {"model": schemas.ErrorResponse}


class UploadTooLarge(DataError):
    """An upload is larger than the service accepts."""


def _error(status: int, code: str, detail: str) -> JSONResponse:
    return JSONResponse(status_code=status, content={"error": code, "detail": detail})


def _status_of(exc: SiamkitError) -> tuple[int, str]:
    for cls, status, code in (
        (UploadTooLarge, 413, "upload_too_large"),
        (ItemNotFound, 404, "not_found"),
        (DuplicateItem, 409, "duplicate_id"),
        (DataError, 422, "invalid_image"),
    ):
        if isinstance(exc, cls):
            return status, code
    return 400, "bad_request"


def _describe_validation(exc: RequestValidationError) -> str:
    problems = []
    for err in exc.errors():
        field = ".".join(str(part) for part in err.get("loc", ()) if part not in ("body", "query", "path"))
        if err.get("type") == "missing":
            problems.append(f"missing field '{field}'")
        else:
            problems.append(f"field '{field}': {err.get('msg', 'invalid value')}")
    return "; ".join(problems) or "invalid request"


def _read_upload(upload: UploadFile, field: str, limit: int) -> bytes:
    data = upload.file.read(limit + 1)
    if len(data) > limit:
        raise UploadTooLarge(f"field '{field}': the upload is over the {limit}-byte limit; send a smaller image")
    return data


def _parse_metadata(text: str | None) -> dict[str, Any]:
    if not text:
        return {}
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        raise DataError(f"field 'metadata' is not valid JSON ({exc.msg}); send a JSON object such as {{\"a\": 1}}") from None
    if not isinstance(value, dict):
        raise DataError("field 'metadata' must be a JSON object such as {\"a\": 1}")
    return value


def create_app(
    checkpoint: str | Path | Checkpoint,
    gallery_dir: str | Path,
    max_upload_bytes: int = DEFAULT_MAX_UPLOAD_BYTES,
    metric: str | None = None,
    index: str = "flat",
) -> FastAPI:
    """The service for one calibrated image checkpoint and the gallery in ``gallery_dir`` (created if absent).

    ``max_upload_bytes`` limits each uploaded image (default 10 MB); ``metric`` and ``index`` apply
    to a new gallery (see :class:`~siamkit.deploy.gallery.Gallery`).
    """
    if not isinstance(checkpoint, Checkpoint):
        checkpoint = load_checkpoint(checkpoint)
    engine = Engine(checkpoint, gallery_dir, metric=metric, index=index)
    # FastAPIOffline serves the /docs and /redoc pages' scripts itself: FastAPI's load them from a CDN,
    # which leaves the pages blank on a machine without internet
    app = FastAPIOffline(
        title="siamkit service",
        description="Verify image pairs (pair label 1 = same) and search a gallery with a Siamese network.",
        version="1",
    )
    app.state.engine = engine
    limit = max_upload_bytes

    @app.middleware("http")
    async def reject_oversized_bodies(request: Request, call_next: Any) -> Any:
        length = request.headers.get("content-length")
        if length is not None and length.isdigit() and int(length) > 2 * limit + _MULTIPART_SLACK:
            return _error(413, "upload_too_large", f"the request is {length} bytes; each image may be at most {limit} bytes")
        return await call_next(request)

    @app.exception_handler(SiamkitError)
    async def siamkit_error(request: Request, exc: SiamkitError) -> JSONResponse:
        status, code = _status_of(exc)
        return _error(status, code, str(exc))

    @app.exception_handler(RequestValidationError)
    async def validation_error(request: Request, exc: RequestValidationError) -> JSONResponse:
        return _error(422, "invalid_request", _describe_validation(exc))

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        return _error(exc.status_code, "http_error", str(exc.detail))

    @app.get("/", response_class=HTMLResponse, include_in_schema=False)
    def page() -> str:
        return resources.files("siamkit.deploy.service").joinpath("static/index.html").read_text(encoding="utf-8")

    @app.get("/health", response_model=schemas.HealthResponse)
    def health() -> dict[str, Any]:
        return engine.health()

    @app.post("/verify", response_model=schemas.VerifyResponse, responses={413: _ERRORS, 422: _ERRORS})
    def verify(
        image1: UploadFile = File(..., description="first image (PNG/JPEG)"),
        image2: UploadFile = File(..., description="second image (PNG/JPEG)"),
        resize: bool = Form(False, description="scale images to the model's input size"),
    ) -> dict[str, Any]:
        """Do the two images show the same thing? Score and decision at the calibrated threshold."""
        return engine.verify(_read_upload(image1, "image1", limit), _read_upload(image2, "image2", limit), resize)

    @app.post("/embed", response_model=schemas.EmbedResponse, responses={413: _ERRORS, 422: _ERRORS})
    def embed(image: UploadFile = File(...), resize: bool = Form(False)) -> dict[str, Any]:
        """The image's embedding ``[D]``."""
        vector = engine.embed(_read_upload(image, "image", limit), resize)
        return {"embedding": vector.tolist(), "dim": len(vector)}

    @app.post(
        "/enroll", response_model=schemas.EnrollResponse, responses={409: _ERRORS, 413: _ERRORS, 422: _ERRORS}
    )
    def enroll(
        image: UploadFile = File(...),
        id: str = Form(..., min_length=1, max_length=256, description="unique item id"),
        label: str = Form(..., min_length=1, max_length=256, description="who or what the image shows"),
        metadata: str | None = Form(None, description="optional JSON object stored with the item"),
        resize: bool = Form(False),
    ) -> dict[str, Any]:
        """Add one image to the gallery (saved to disk before the answer)."""
        meta = _parse_metadata(metadata)
        items = engine.enroll(id, label, _read_upload(image, "image", limit), meta, resize)
        return {"id": id, "label": label, "items": items}

    @app.post("/search", response_model=schemas.SearchResponse, responses={413: _ERRORS, 422: _ERRORS})
    def search(
        image: UploadFile = File(...),
        k: int = Form(5, ge=1, le=100, description="number of matches"),
        resize: bool = Form(False),
    ) -> dict[str, Any]:
        """The ``k`` gallery items nearest to the image, best first, each with score and decision."""
        matches = engine.search(_read_upload(image, "image", limit), k, resize)
        return {"score_kind": checkpoint.score_kind, "threshold": checkpoint.threshold, "matches": matches}

    @app.delete("/items/{item_id}", response_model=schemas.DeleteResponse, responses={404: _ERRORS})
    def delete(item_id: str) -> dict[str, Any]:
        """Remove one item from the gallery (saved to disk before the answer)."""
        return {"deleted": item_id, "items": engine.delete(item_id)}

    return app
