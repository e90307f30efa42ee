"""siamkit: learn whether two things are the same, with Siamese networks in PyTorch.

Pair label convention everywhere: **1 = same / similar, 0 = different**.

Names are imported lazily, so ``import siamkit`` stays fast; ``siamkit.SiameseNet`` etc. load
their module on first use.
"""

from __future__ import annotations

import importlib
from typing import Any

__version__ = "0.1.0"

_EXPORTS = {
    "load": "siamkit.checkpoint",
    "load_checkpoint": "siamkit.checkpoint",
    "save_checkpoint": "siamkit.checkpoint",
    "Checkpoint": "siamkit.checkpoint",
    "TrainConfig": "siamkit.config",
    "LabeledData": "siamkit.data",
    "PairDataset": "siamkit.data",
    "TripletDataset": "siamkit.data",
    "PKBatchSampler": "siamkit.data",
    "digits": "siamkit.data",
    "image_folder": "siamkit.data",
    "load_dataset": "siamkit.data",
    "class_disjoint_split": "siamkit.data",
    "stratified_split": "siamkit.data",
    "LeNet": "siamkit.encoders",
    "MLP": "siamkit.encoders",
    "build_encoder": "siamkit.encoders",
    "SiamkitError": "siamkit.errors",
    "DistanceHead": "siamkit.heads",
    "ClassifierHead": "siamkit.heads",
    "ContrastiveLoss": "siamkit.losses",
    "PairBCEWithLogitsLoss": "siamkit.losses",
    "PairCrossEntropyLoss": "siamkit.losses",
    "CosineEmbeddingPairLoss": "siamkit.losses",
    "HingeEmbeddingPairLoss": "siamkit.losses",
    "PairMSELoss": "siamkit.losses",
    "TripletLoss": "siamkit.losses",
    "OnlineTripletLoss": "siamkit.losses",
    "LOSSES": "siamkit.losses",
    "TripletMiner": "siamkit.mining",
    "SiameseNet": "siamkit.models",
    "TripletNet": "siamkit.models",
    "fit": "siamkit.training",
    "fit_triplets": "siamkit.training",
    "pair_scores": "siamkit.evaluation",
    "roc_auc": "siamkit.evaluation",
    "equal_error_rate": "siamkit.evaluation",
    "calibrate_threshold": "siamkit.evaluation",
    "verification_report": "siamkit.evaluation",
    "calibrate_and_test": "siamkit.evaluation",
    "tar_at_far": "siamkit.evaluation",
    "confusion_at": "siamkit.evaluation",
    "embed_items": "siamkit.evaluation",
    "retrieval_metrics": "siamkit.retrieval",
    "few_shot_accuracy": "siamkit.fewshot",
    "report_checkpoint": "siamkit.reporting",
    "verify_files": "siamkit.verification",
    "ExperimentConfig": "siamkit.workflow",
    "run_training": "siamkit.workflow",
    "run_selection": "siamkit.selection",
    "selection_data": "siamkit.selection",
    "BatchAugment": "siamkit.data.augment",
    "Gallery": "siamkit.gallery",
    "export_onnx": "siamkit.export",
    "diagnose": "siamkit.doctor",
    "SmallCNN": "siamkit.encoders",
    "PooledSmallCNN": "siamkit.encoders",
    "ResNet18": "siamkit.encoders",
    "ResNet34": "siamkit.encoders",
    "PseudoSiameseNet": "siamkit.models",
    "TwoChannelNet": "siamkit.models",
    "SingleBranchClassifier": "siamkit.models",
    "OneVsRestPairs": "siamkit.data",
    "colors": "siamkit.data",
    "shapes": "siamkit.data",
    "CompareConfig": "siamkit.compare",
    "compare_models": "siamkit.compare",
    "exact_search": "siamkit.search",
    "SiamFC": "siamkit.tracking",
    "SiamFCTracker": "siamkit.tracking",
    "track": "siamkit.tracking",
    "Tokenizer": "siamkit.encoders",
    "GRUTextEncoder": "siamkit.encoders",
    "LSTMTextEncoder": "siamkit.encoders",
    "PooledTextEncoder": "siamkit.encoders",
    "TextPairs": "siamkit.data",
    "TextClasses": "siamkit.data",
    "read_text_pairs": "siamkit.data",
    "read_text_classes": "siamkit.data",
    "wordnet_gloss": "siamkit.data",
    "verify_texts": "siamkit.verification",
    "bow_cosine": "siamkit.text_workflow",
    "CrossModalConfig": "siamkit.crossmodal",
    "run_digits_words": "siamkit.crossmodal",
    "cross_modal_retrieval": "siamkit.crossmodal",
    "mnist": "siamkit.data",
}

__all__ = sorted(_EXPORTS) + ["__version__"]


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        value = getattr(importlib.import_module(_EXPORTS[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'siamkit' has no attribute '{name}'")


def __dir__() -> list[str]:
    return __all__
