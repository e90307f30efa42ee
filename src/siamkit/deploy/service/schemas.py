"""Response models of the HTTP service (they also document the API at ``/docs``)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field


class ErrorResponse(BaseModel):
    """Every 4xx/5xx answer: a short machine-readable ``error`` code and a ``detail`` naming the problem."""

    error: str = Field(examples=["invalid_image"])
    detail: str = Field(examples=["uploaded image is 16×16 but the model expects 8×8; pass resize=true to scale it"])


class VerifyResponse(BaseModel):
    """Pair score in the model's ``score_kind`` and the decision at the calibrated threshold."""

    score: float
    score_kind: str = Field(description="'distance' (smaller = alike) or 'similarity' (larger = alike)")
    threshold: float
    same: bool = Field(description="true if the two images show the same thing (pair label 1)")
    rule: str = Field(examples=["distance <= threshold"])


class EmbedResponse(BaseModel):
    embedding: list[float]
    dim: int


class EnrollResponse(BaseModel):
    id: str
    label: str
    items: int = Field(description="items in the gallery after enrolment")


class SearchMatch(BaseModel):
    id: str
    label: str
    score: float = Field(description="the model's pair score of query and item")
    same: bool = Field(description="decision at the calibrated threshold")
    metadata: dict[str, Any] = {}


class SearchResponse(BaseModel):
    score_kind: str
    threshold: float
    matches: list[SearchMatch]


class DeleteResponse(BaseModel):
    deleted: str
    items: int


class HealthResponse(BaseModel):
    status: str
    model_hash: str
    input_kind: str = Field(description="'image' (uploads) or 'text' (form fields text1, text2, text)")
    input_shape: list[int]
    runtime: str = Field(description="what embeds: 'torch' or 'onnxruntime'")
    embedding_dim: int
    score_kind: str
    threshold: float
    items: int
    gallery_metric: str
