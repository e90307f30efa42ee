"""Training a SiamFC network on exemplar/search pairs cut from synthetic videos.

Training reuses siamkit's Lightning machinery: :class:`siamkit.training.module.PairModule` with batches
``(exemplar [B, 3, 127, 127], search [B, 3, 255, 255], y [B])``, where ``y = 1`` (same target, the
siamkit convention) and :class:`~siamkit.tracking.loss.SiamFCLoss` turns it into a score-map label
with positives around the centre. Progress bars, checkpoints, resume and precision are Lightning's.
"""

from __future__ import annotations

from functools import lru_cache

import torch
from torch.utils.data import DataLoader, Dataset

from siamkit.core.errors import ConfigError
from siamkit.tracking.crops import training_pair
from siamkit.tracking.loss import SiamFCLoss
from siamkit.tracking.model import SiamFC
from siamkit.tracking.synthetic import SyntheticVideo, VideoConfig
from siamkit.training.config import TrainConfig
from siamkit.training.module import PairModule
from siamkit.training.trainer import FitResult, run_trainer

TRAIN_SEED = 0  # videos for training use seeds TRAIN_SEED + i …
VAL_SEED = 500_000  # … validation ones VAL_SEED + i …
TEST_SEED = 1_000_000  # … and held-out evaluation ones TEST_SEED + i: the ranges never meet


class TrackingPairs(Dataset):
    """``num_pairs`` exemplar/search pairs from ``videos`` synthetic videos (seeds ``seed …``).

    Item ``i`` takes video ``i mod videos`` and two frames at most ``max_gap`` apart, both drawn from
    a generator seeded by ``(seed, i)``, so items are deterministic and any order gives the same data.
    Each item is ``(exemplar [3, e, e], search [3, s, s], y)`` with ``y = 1.0``.
    """

    def __init__(
        self,
        num_pairs: int,
        videos: int,
        seed: int = TRAIN_SEED,
        max_gap: int = 30,
        video_config: VideoConfig | None = None,
        exemplar_size: int = 127,
        search_size: int = 255,
    ) -> None:
        if num_pairs < 1 or videos < 1 or max_gap < 1:
            raise ConfigError(f"num_pairs, videos and max_gap must be ≥ 1, got {num_pairs}, {videos}, {max_gap}")
        self.num_pairs, self.videos, self.seed, self.max_gap = num_pairs, videos, seed, max_gap
        self.video_config = video_config or VideoConfig()
        self.exemplar_size, self.search_size = exemplar_size, search_size
        self._video = lru_cache(maxsize=videos)(lambda s: SyntheticVideo(s, self.video_config))

    def __len__(self) -> int:
        return self.num_pairs

    def __getitem__(self, i: int) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        video = self._video(self.seed + i % self.videos)
        g = torch.Generator().manual_seed(self.seed * 7_919 + i)
        length = len(video)
        first = int(torch.randint(length, (1,), generator=g))
        low, high = max(0, first - self.max_gap), min(length - 1, first + self.max_gap)
        second = int(torch.randint(low, high + 1, (1,), generator=g))
        frames, boxes = video.render(torch.tensor([first, second]))
        exemplar, search = training_pair(
            frames[0], boxes[0], frames[1], boxes[1], self.exemplar_size, self.search_size
        )
        return exemplar, search, torch.tensor(1.0)


def fit_tracker(
    model: SiamFC,
    train_pairs: TrackingPairs,
    val_pairs: TrackingPairs | None = None,
    config: TrainConfig | None = None,
    radius: float = 16.0,
    num_workers: int = 0,
) -> FitResult:
    """Train ``model`` with :class:`SiamFCLoss` (positives within ``radius`` search-image pixels).

    Example:
        >>> result = fit_tracker(SiamFC(), TrackingPairs(2_000, videos=200), config=TrainConfig(epochs=1))  # doctest: +SKIP
    """
    import lightning.pytorch as pl

    config = config or TrainConfig()
    pl.seed_everything(config.seed, workers=True, verbose=False)
    module = PairModule(model, SiamFCLoss(radius, model.total_stride), config)
    train_loader = DataLoader(train_pairs, config.batch_size, shuffle=True, num_workers=num_workers,
                              generator=torch.Generator().manual_seed(config.seed))
    val_loader = DataLoader(val_pairs, config.batch_size, num_workers=num_workers) if val_pairs is not None else None
    run_trainer(module, train_loader, val_loader, config)
    return FitResult(model.eval(), module.history)
