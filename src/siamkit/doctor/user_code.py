"""``siamkit doctor --model FILE.py:factory``: diagnose the user's own model, data and loss from files.

A factory spec is ``path/to/file.py:name``; the file is loaded by path (its folder first on
``sys.path`` while it runs, so it may import its neighbours) and ``name()`` is called with no
arguments: a model factory returns an ``nn.Module``, a data factory anything
:func:`~siamkit.doctor.diagnose` reads (a DataLoader, a dataset, a tuple, LabeledData), a loss
factory an ``nn.Module``. Pair labels: 1 = same, 0 = different.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from typing import Any, Callable

from torch import nn

from siamkit.core.errors import ConfigError
from siamkit.doctor.checkpoint import optimizer_factory
from siamkit.doctor.diagnose import diagnose
from siamkit.doctor.findings import Diagnosis


def load_factory(spec: str, what: str) -> Callable[[], Any]:
    """The function ``name`` of ``FILE.py:name``; a :class:`ConfigError` naming the fix when absent."""
    path_text, sep, name = spec.rpartition(":")
    if not sep or not path_text.endswith(".py") or not name.isidentifier():
        raise ConfigError(f"--{what} must be FILE.py:factory (a Python file and a function in it), got '{spec}'")
    path = Path(path_text).expanduser().resolve()
    if not path.is_file():
        raise ConfigError(f"--{what}: no such file {path_text}; give the path of the .py file that defines {name}()")
    module_spec = importlib.util.spec_from_file_location(f"siamkit_user_{what}_{path.stem}", path)
    module = importlib.util.module_from_spec(module_spec)
    sys.path.insert(0, str(path.parent))
    try:
        module_spec.loader.exec_module(module)
    finally:
        sys.path.remove(str(path.parent))
    factory = getattr(module, name, None)
    if not callable(factory):
        found = sorted(k for k, v in vars(module).items() if callable(v) and getattr(v, "__module__", None) == module.__name__)
        raise ConfigError(f"--{what}: {path_text} has no function '{name}'; it defines: {', '.join(found) or 'nothing callable'}")
    return factory


def resolve_loss(name: str | None) -> nn.Module | None:
    """A loss from ``FILE.py:factory``, a ``torch.nn`` loss class name (``BCELoss``, ``MSELoss``) or a
    siamkit loss name (``contrastive``, ``bce``); ``None`` leaves the default to the model's score kind."""
    if name is None:
        return None
    if ".py:" in name:
        return load_factory(name, "loss")()
    if name.endswith("Loss") and isinstance(getattr(nn, name, None), type):
        return getattr(nn, name)()
    from siamkit.experiments.build import build_loss
    from siamkit.experiments.config import ExperimentConfig

    return build_loss(ExperimentConfig(loss=name))


def diagnose_user_code(
    model: str,
    data: str | None = None,
    dataset: str | None = None,
    loss: str | None = None,
    optimizer: str = "adam",
    lr: float = 1e-3,
    layout: str | None = None,
    **options: Any,
) -> Diagnosis:
    """Diagnose ``model`` (``FILE.py:factory``) on ``data`` (``FILE.py:factory``) or ``dataset`` (a
    bundled name or an image folder), with ``loss``, the optimizer ``siamkit train`` would build from
    ``optimizer`` and ``lr``, and ``layout`` overrides; ``options`` go to :func:`diagnose`."""
    if (data is None) == (dataset is None):
        raise ConfigError("give the pairs with exactly one of --data FILE.py:factory or --dataset NAME")
    net = load_factory(model, "model")()
    if not isinstance(net, nn.Module):
        raise ConfigError(f"--model {model} returned {type(net).__name__}, not a torch.nn.Module")
    if data is not None:
        pairs = load_factory(data, "data")()
    else:
        from siamkit.data import load_dataset

        pairs = load_dataset(dataset)
    return diagnose(
        net, pairs, loss=resolve_loss(loss), optimizer=optimizer_factory(optimizer, lr), layout=layout, **options
    )
