"""What this machine and user offer the program: the siamkit home folder and a default worker count."""

from __future__ import annotations

import os
from pathlib import Path


def siamkit_home() -> Path:
    """The folder siamkit keeps downloaded weights and caches in: ``$SIAMKIT_HOME``, else ``~/.cache/siamkit``."""
    home = os.environ.get("SIAMKIT_HOME")
    return Path(home) if home else Path.home() / ".cache" / "siamkit"


def available_cores() -> int:
    """CPU cores this process may run on (its affinity mask where the OS has one), at least 1."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # macOS, Windows
        return max(1, os.cpu_count() or 1)


def default_workers() -> int:
    """Data-loading worker processes for streamed images: one core left to training, at most 8, at least 1.

    Example: 2 cores → 1 worker; 16 cores → 8 workers.
    """
    return max(1, min(8, available_cores() - 1))
