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
from functools import partial
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
MAX_TEXT = 10_000  # characters per text field
_MULTIPART_SLACK = 64 * 1024  # form fields and part headers on top of the files themselves
_ERRORS = {"model": schemas.ErrorResponse}


class UploadTooLarge(DataError):
    """An upload is larger than the service accepts."""


class MissingFields(DataError):
    """A request lacks the images (image model) or texts (text model) the endpoint compares."""


def _error(status: int, code: str, detail: str) -> JSONResponse:
    return JSONResponse(status_code=status, content={"error": code, "detail": detail})


def _status_of(exc: SiamkitError) -> tuple[int, str]:
    for cls, status, code in (
        (UploadTooLarge, 413, "upload_too_large"),
        (MissingFields, 422, "invalid_request"),
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


def _read_inputs(
    engine: Engine, limit: int, **given: tuple[UploadFile | None, str | None]
) -> list[bytes | str]:
    """Per input (named as for images: ``image1``, ``image``), the uploaded bytes for an image model or the
    text of the matching form field (``text1``, ``text``) for a text model; :class:`MissingFields` names the
    missing ones."""
    reads_text = engine.input_kind == "text"
    values, missing = [], []
    for image_name, (upload, text) in given.items():
        if reads_text:
            values.append(text) if text is not None else missing.append(image_name.replace("image", "text"))
        elif upload is not None:
            values.append(_read_upload(upload, image_name, limit))
        else:
            missing.append(image_name)
    if missing:
        hint = "; this model compares texts: send them as form fields" if reads_text else ""
        raise MissingFields("; ".join(f"missing field '{name}'" for name in missing) + hint)
    return values


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
    onnx: str | Path | None = None,
) -> FastAPI:
    """The service for one calibrated checkpoint and the gallery in ``gallery_dir`` (created if absent).

    An image model takes image uploads (``image1``, ``image2``, ``image``); a text model the form fields
    ``text1``, ``text2``, ``text`` in their place. ``max_upload_bytes`` limits each uploaded image (default
    10 MB); ``metric`` and ``index`` apply to a new gallery (see :class:`~siamkit.deploy.gallery.Gallery`);
    ``onnx``: embed with onnxruntime from this exported file (see :class:`~siamkit.deploy.service.engine.Engine`).
    """
    if not isinstance(checkpoint, Checkpoint):
        checkpoint = load_checkpoint(checkpoint)
    engine = Engine(checkpoint, gallery_dir, metric=metric, index=index, onnx=onnx)
    # FastAPIOffline serves the /docs and /redoc pages' scripts itself: FastAPI's load them from a CDN,
    # which leaves the pages blank on a machine without internet
    app = FastAPIOffline(
        title="siamkit service",
        description="Verify image (or text) pairs (pair label 1 = same) and search a gallery with a Siamese network.",
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

    image_field = partial(File, None, description="an image (PNG/JPEG), for an image model")
    text_field = partial(Form, None, max_length=MAX_TEXT, description="a text, for a text model")

    @app.post("/verify", response_model=schemas.VerifyResponse, responses={413: _ERRORS, 422: _ERRORS})
    def verify(
        image1: UploadFile | None = image_field(),
        image2: UploadFile | None = image_field(),
        text1: str | None = text_field(),
        text2: str | None = text_field(),
        resize: bool = Form(False, description="scale images to the model's input size"),
    ) -> dict[str, Any]:
        """Do the two images (or texts) show the same thing? Score and decision at the calibrated threshold."""
        a, b = _read_inputs(engine, limit, image1=(image1, text1), image2=(image2, text2))
        return engine.verify(a, b, resize)

    @app.post("/embed", response_model=schemas.EmbedResponse, responses={413: _ERRORS, 422: _ERRORS})
    def embed(
        image: UploadFile | None = image_field(), text: str | None = text_field(), resize: bool = Form(False)
    ) -> dict[str, Any]:
        """The image's (or text's) embedding ``[D]``."""
        vector = engine.embed(*_read_inputs(engine, limit, image=(image, text)), resize)
        return {"embedding": vector.tolist(), "dim": len(vector)}

    @app.post(
        "/enroll", response_model=schemas.EnrollResponse, responses={409: _ERRORS, 413: _ERRORS, 422: _ERRORS}
    )
    def enroll(
        image: UploadFile | None = image_field(),
        text: str | None = text_field(),
        id: str = Form(..., min_length=1, max_length=256, description="unique item id"),
        label: str = Form(..., min_length=1, max_length=256, description="who or what the image shows"),
        metadata: str | None = Form(None, description="optional JSON object stored with the item"),
        resize: bool = Form(False),
    ) -> dict[str, Any]:
        """Add one image (or text) to the gallery (saved to disk before the answer)."""
        meta = _parse_metadata(metadata)
        items = engine.enroll(id, label, *_read_inputs(engine, limit, image=(image, text)), meta, resize)
        return {"id": id, "label": label, "items": items}

    @app.post("/search", response_model=schemas.SearchResponse, responses={413: _ERRORS, 422: _ERRORS})
    def search(
        image: UploadFile | None = image_field(),
        text: str | None = text_field(),
        k: int = Form(5, ge=1, le=100, description="number of matches"),
        resize: bool = Form(False),
    ) -> dict[str, Any]:
        """The ``k`` gallery items nearest to the image (or text), best first, each with score and decision."""
        matches = engine.search(*_read_inputs(engine, limit, image=(image, text)), k, resize)
        return {"score_kind": checkpoint.score_kind, "threshold": checkpoint.threshold, "matches": matches}

    @app.delete("/items/{item_id}", response_model=schemas.DeleteResponse, responses={404: _ERRORS})
    def delete(item_id: str) -> dict[str, Any]:
        """Remove one item from the gallery (saved to disk before the answer)."""
        return {"deleted": item_id, "items": engine.delete(item_id)}

    return app
