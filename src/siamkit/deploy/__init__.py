"""Deployment: ``checkpoint`` (save / rebuild a model without user code), ``verify`` (same / different at the
calibrated threshold), ``gallery`` (enrol and search an embedding index), ``export`` (ONNX with a parity check)
and ``service`` (the HTTP API and web page)."""

from siamkit.core.lazy import lazy_exports

__getattr__, __dir__, __all__ = lazy_exports(
    __name__,
    {
        **dict.fromkeys(("Checkpoint", "load", "load_checkpoint", "save_checkpoint"), "siamkit.deploy.checkpoint"),
        **dict.fromkeys(("verify_files", "verify_texts"), "siamkit.deploy.verify"),
        "Gallery": "siamkit.deploy.gallery",
        "export_onnx": "siamkit.deploy.export",
    },
)
