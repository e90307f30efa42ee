"""Training: ``config`` (:class:`TrainConfig`, a plain dataclass) and ``trainer`` (Lightning: progress, checkpoints,
resume, bf16, DDP) for pair batches (:func:`fit`) and P×K triplet batches (:func:`fit_triplets`).
Names load on first use, so importing the package does not import Lightning."""

from siamkit.core.lazy import lazy_exports

__getattr__, __dir__, __all__ = lazy_exports(
    __name__,
    {
        "TrainConfig": "siamkit.training.config",
        "FitResult": "siamkit.training.trainer",
        "PairModule": "siamkit.training.module",
        "TripletModule": "siamkit.training.module",
        "fit": "siamkit.training.trainer",
        "fit_triplets": "siamkit.training.trainer",
    },
)
