"""Learning-rate schedules by optimizer step: a linear warm-up, then constant, cosine or linear decay to 0.

The factor multiplies every parameter group's base ``lr`` (:class:`torch.optim.lr_scheduler.LambdaLR`); step
``k`` counts optimizer steps (with gradient accumulation, one step per accumulated batch group). The
warm-up and the linear decay are those of Hugging Face's ``get_linear_schedule_with_warmup`` (what
sentence-transformers trains with): ``k / warmup`` during warm-up, then ``(total − k) / (total − warmup)``.
"""

from __future__ import annotations

import math
from functools import partial

import torch

from siamkit.core.errors import ConfigError
from siamkit.training.config import LR_SCHEDULES


def lr_factor(step: int, total: int, warmup: int = 0, schedule: str = "constant") -> float:
    """The lr multiplier at optimizer step ``step`` of ``total``, after ``warmup`` warm-up steps.

    Example:
        >>> [round(lr_factor(k, 10, 2, "linear"), 3) for k in (0, 1, 2, 6, 10)]
        [0.0, 0.5, 1.0, 0.5, 0.0]
    """
    if schedule not in LR_SCHEDULES:
        raise ConfigError(f"unknown lr schedule '{schedule}'; choose one of: {', '.join(LR_SCHEDULES)}")
    if step < warmup:
        return step / warmup
    if schedule == "constant":
        return 1.0
    progress = min(1.0, (step - warmup) / max(1, total - warmup))
    return 0.5 * (1.0 + math.cos(math.pi * progress)) if schedule == "cosine" else 1.0 - progress


def lr_scheduler(optimizer: torch.optim.Optimizer, total: int, warmup: int, schedule: str) -> torch.optim.lr_scheduler.LambdaLR:
    """A per-step scheduler applying :func:`lr_factor` to ``optimizer``'s groups."""
    return torch.optim.lr_scheduler.LambdaLR(optimizer, partial(lr_factor, total=total, warmup=warmup, schedule=schedule))
