"""The HTTP service (FastAPI) and its web page: verify pairs, embed, enrol, search and delete gallery items.

``create_app`` (in :mod:`siamkit.deploy.service.app`) builds the app; ``siamkit serve CKPT --gallery DIR`` runs
it with uvicorn. :mod:`siamkit.deploy.service.engine` does the work without HTTP (and without importing FastAPI).
"""

from __future__ import annotations

from typing import Any


def __getattr__(name: str) -> Any:
    if name == "create_app":
        from siamkit.deploy.service.app import create_app

        return create_app
    raise AttributeError(f"module 'siamkit.deploy.service' has no attribute '{name}'")
