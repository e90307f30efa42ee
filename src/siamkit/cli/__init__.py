"""The ``siamkit`` command line (typer): ``train``, ``eval``, ``verify``, ``doctor``, ``serve``, ``export`` …

``app`` (the app and :func:`run`), ``options`` (config defaults, shared options), ``tables`` (metric tables),
and one module per command group: ``train``, ``evaluate``, ``deploy``, ``doctor``, ``compare``, ``tracking``.
"""

from siamkit.cli.app import app, main, run

__all__ = ["app", "main", "run"]
