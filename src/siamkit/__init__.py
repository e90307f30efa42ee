"""siamkit: learn whether two things are the same, with Siamese networks in PyTorch.

Pair label convention everywhere: **1 = same / similar, 0 = different**.

The core API (42 names) is here; every stage is a sub-package with the rest of its names:
``siamkit.data``, ``siamkit.nn``, ``siamkit.losses``, ``siamkit.training``, ``siamkit.evaluation``,
``siamkit.reporting``, ``siamkit.experiments``, ``siamkit.deploy``, ``siamkit.doctor``, ``siamkit.tracking``
(and ``siamkit.core``, ``siamkit.cli``). Names are imported on first use, so ``import siamkit`` stays fast.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from siamkit.core.lazy import lazy_exports

__version__ = "0.1.0"

SUBPACKAGES = ('cli', 'core', 'data', 'deploy', 'doctor', 'evaluation', 'experiments', 'losses', 'nn', 'reporting', 'tracking', 'training')

if TYPE_CHECKING:  # what IDEs and type checkers see; at run time the names load lazily
    from siamkit import (
        cli,
        core,
        data,
        deploy,
        doctor,
        evaluation,
        experiments,
        losses,
        nn,
        reporting,
        tracking,
        training,
    )
    from siamkit.core.errors import SiamkitError
    from siamkit.data import (
        LabeledData,
        PairDataset,
        TripletDataset,
        class_disjoint_split,
        digits,
        image_folder,
        load_dataset,
        mnist,
        stratified_split,
    )
    from siamkit.deploy.checkpoint import load, load_checkpoint, save_checkpoint
    from siamkit.deploy.export import export_onnx
    from siamkit.deploy.gallery import Gallery
    from siamkit.doctor import diagnose
    from siamkit.evaluation.fewshot import few_shot_accuracy
    from siamkit.evaluation.inference import embed_items, pair_scores
    from siamkit.evaluation.metrics import calibrate_and_test, calibrate_threshold, verification_report
    from siamkit.evaluation.retrieval import retrieval_metrics
    from siamkit.experiments.config import ExperimentConfig
    from siamkit.experiments.image import run_training
    from siamkit.losses import ContrastiveLoss, OnlineTripletLoss, PairBCEWithLogitsLoss
    from siamkit.nn.encoders import LeNet, ResNet18, SmallCNN, build_encoder
    from siamkit.nn.heads import ClassifierHead, DistanceHead
    from siamkit.nn.models import PseudoSiameseNet, SiameseNet, SingleBranchClassifier, TripletNet, TwoChannelNet
    from siamkit.training.config import TrainConfig
    from siamkit.training.trainer import fit, fit_triplets

__getattr__, __dir__, __all__ = lazy_exports(
    __name__,
    {
        **dict.fromkeys(('load', 'load_checkpoint', 'save_checkpoint'), 'siamkit.deploy.checkpoint'),
        **dict.fromkeys(('TrainConfig',), 'siamkit.training.config'),
        **dict.fromkeys(('fit', 'fit_triplets'), 'siamkit.training.trainer'),
        **dict.fromkeys(('ExperimentConfig',), 'siamkit.experiments.config'),
        **dict.fromkeys(('run_training',), 'siamkit.experiments.image'),
        **dict.fromkeys(('LabeledData', 'PairDataset', 'TripletDataset', 'class_disjoint_split', 'digits', 'image_folder', 'load_dataset', 'mnist', 'stratified_split'), 'siamkit.data'),
        **dict.fromkeys(('LeNet', 'ResNet18', 'SmallCNN', 'build_encoder'), 'siamkit.nn.encoders'),
        **dict.fromkeys(('PseudoSiameseNet', 'SiameseNet', 'SingleBranchClassifier', 'TripletNet', 'TwoChannelNet'), 'siamkit.nn.models'),
        **dict.fromkeys(('ClassifierHead', 'DistanceHead'), 'siamkit.nn.heads'),
        **dict.fromkeys(('ContrastiveLoss', 'OnlineTripletLoss', 'PairBCEWithLogitsLoss'), 'siamkit.losses'),
        **dict.fromkeys(('embed_items', 'pair_scores'), 'siamkit.evaluation.inference'),
        **dict.fromkeys(('calibrate_and_test', 'calibrate_threshold', 'verification_report'), 'siamkit.evaluation.metrics'),
        **dict.fromkeys(('retrieval_metrics',), 'siamkit.evaluation.retrieval'),
        **dict.fromkeys(('few_shot_accuracy',), 'siamkit.evaluation.fewshot'),
        **dict.fromkeys(('diagnose',), 'siamkit.doctor'),
        **dict.fromkeys(('Gallery',), 'siamkit.deploy.gallery'),
        **dict.fromkeys(('export_onnx',), 'siamkit.deploy.export'),
        **dict.fromkeys(('SiamkitError',), 'siamkit.core.errors'),
        **{name: f"siamkit.{name}" for name in SUBPACKAGES},
    },
)
__all__ = [*__all__, "__version__"]
