"""The ``siamkit`` command line (typer): ``train``, ``eval``, ``verify``, ``doctor``, ``serve``, ``export`` …"""

from siamkit.cli.main import app, main, run

__all__ = ["app", "main", "run"]
