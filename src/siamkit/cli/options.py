"""What the commands share: option defaults read from the config dataclasses, option builders and parsers.

An option that mirrors a config field is ``config_option(CONFIG, "field", help)`` and its command is
registered with ``cls=ConfigDefaults``: the default is read from the dataclass when the command is parsed
(so ``import siamkit.cli`` imports no config module, and ``--help`` shows the value).
"""

from __future__ import annotations

import dataclasses
import importlib
from operator import attrgetter
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Optional, Sequence

import typer
from typer.core import TyperCommand

from siamkit.core.errors import DataError

if TYPE_CHECKING:
    from siamkit.deploy.checkpoint import Checkpoint

EXPERIMENT = "siamkit.experiments.config:ExperimentConfig"
COMPARE = "siamkit.experiments.compare:CompareConfig"
TRACKING = "siamkit.tracking.experiment:TrackingExperiment"


def default_of(config: type, path: str) -> Any:
    """The default of dataclass field ``path`` of ``config`` (a ``default_factory`` is called).

    A dotted path reads on into that default: ``default_of(ExperimentConfig, "train.epochs")`` is the
    ``epochs`` of the ``TrainConfig`` that ``ExperimentConfig`` builds by default.
    """
    name, _, rest = path.partition(".")
    found = {f.name: f for f in dataclasses.fields(config)}
    if name not in found:
        raise AttributeError(f"{config.__name__} has no field '{name}'")
    field = found[name]
    value = field.default_factory() if field.default is dataclasses.MISSING else field.default
    return attrgetter(rest)(value) if rest else value


def config_option(
    config: str, path: str, help: str, shown: Callable[[Any], Any] = lambda value: value, **kwargs: Any
) -> Any:
    """A ``typer.Option`` (``kwargs`` go to it, e.g. ``min=1``) whose default is ``shown(default_of(CLASS, path))``
    for ``config`` = ``"module:Class"``; the module is imported only when the command is parsed (some import torch)."""
    module, _, name = config.partition(":")

    def factory() -> Any:
        return shown(default_of(getattr(importlib.import_module(module), name), path))

    return typer.Option(default_factory=factory, help=help, **kwargs)


class ConfigDefaults(TyperCommand):
    """A command whose ``default_factory`` defaults are computed when it is parsed, before ``--help`` shows them."""

    def make_context(self, info_name: Optional[str], args: list[str], parent=None, **extra: Any):
        for param in self.params:
            if callable(param.default):
                param.default = param.default()
        return super().make_context(info_name, args, parent=parent, **extra)


def joined(values: Optional[Sequence[Any]], sep: str = ",") -> Optional[str]:
    """``("a", "b")`` → ``"a,b"`` (the option text of a sequence field); empty or ``None`` → ``None``."""
    return sep.join(str(v) for v in values) if values else None


def parse_size(text: Optional[str]) -> Optional[tuple[int, int]]:
    """``"64x48"`` → ``(64, 48)`` (height, width in pixels); ``None`` stays ``None``."""
    if text is None:
        return None
    try:
        height, width = (int(v) for v in text.lower().split("x"))
    except ValueError:
        raise DataError(f"image size must look like 64x64 (HEIGHTxWIDTH), got '{text}'") from None
    return height, width


def csv(text: Optional[str]) -> Optional[list[str]]:
    """``"a, b,"`` → ``["a", "b"]``; ``None`` stays ``None``."""
    return None if text is None else [v.strip() for v in text.split(",") if v.strip()]


def checkpoint_argument(help: str = "A model.ckpt written by `siamkit train`.") -> Any:
    return typer.Argument(..., help=help)


def json_option(help: str) -> Any:
    return typer.Option(False, "--json", help=help)


def echo_json(value: Any, sort_keys: bool = True) -> None:
    """Print ``value`` as indented JSON (what ``--json`` prints)."""
    import json  # only when printing: keeps ``import siamkit.cli`` short

    typer.echo(json.dumps(value, indent=2, sort_keys=sort_keys))


def gallery_option(help: str = "Gallery folder (created if absent).") -> Any:
    return typer.Option(..., "--gallery", help=help)


def resize_option(help: str = "Resize images to the model's input size.") -> Any:
    return typer.Option(False, help=help)


def image_checkpoint(path: Path) -> Checkpoint:
    """The checkpoint at ``path``, or a clear error when it holds no image-pair model (text, tracker)."""
    from siamkit.deploy.checkpoint import load_checkpoint
    from siamkit.deploy.verify import require_images

    checkpoint = load_checkpoint(path)
    require_images(checkpoint, path)
    return checkpoint
