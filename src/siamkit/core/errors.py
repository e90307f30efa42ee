"""User-facing errors.

Every error a user can cause is a :class:`SiamkitError` whose message names the problem and the fix.
The CLI prints these as one line on stderr and exits with status 2, without a traceback.
"""

from typing import Iterable


class SiamkitError(Exception):
    """Base class of errors caused by input or configuration, not by a bug in siamkit."""


class DataError(SiamkitError):
    """Input data is missing, unreadable or of the wrong shape."""


class LabelError(SiamkitError):
    """Labels do not follow the convention a function expects (pair label 1 = same, 0 = different)."""


class ConfigError(SiamkitError):
    """An option, name or combination of options is invalid."""


class CheckpointError(SiamkitError):
    """A checkpoint file is missing, corrupt or was not written by siamkit."""


def check_choice(value: str, choices: Iterable[str], what: str) -> str:
    """Return ``value`` if it is one of ``choices``; else raise :class:`ConfigError` listing them.

    Example:
        >>> check_choice("adam", ("adam", "sgd"), "optimizer")
        'adam'
    """
    choices = list(choices)
    if value not in choices:
        raise ConfigError(f"unknown {what} '{value}'; choose one of: {', '.join(map(str, choices))}")
    return value
