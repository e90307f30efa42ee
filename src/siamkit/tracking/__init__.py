"""SiamFC-style visual object tracking: a fully-convolutional Siamese network whose exemplar/search
cross-correlation gives a score map, trained on synthetic videos with exact ground truth.

Modules: ``encoder`` (unpadded FCNet), ``xcorr`` (batched cross-correlation), ``model`` (SiamFC),
``loss`` (logistic loss with a positive radius), ``crops``, ``synthetic`` (videos), ``frames``
(folders of frames + x,y,w,h box files), ``tracker`` (SiamFC tracker and two baselines),
``metrics`` (success AUC, precision at 20 px), ``plots``, ``training``, ``experiment``.
"""

from siamkit.tracking.encoder import TRACKING_ENCODERS, FCNet
from siamkit.tracking.frames import FrameFolder, Sequence, load_sequence, read_boxes, write_boxes
from siamkit.tracking.loss import SiamFCLoss, score_labels
from siamkit.tracking.metrics import (
    center_error,
    evaluate_boxes,
    iou,
    precision_at,
    success_auc,
    success_curve,
)
from siamkit.tracking.model import SiamFC
from siamkit.tracking.synthetic import SyntheticVideo, VideoConfig, synthetic_sequences
from siamkit.tracking.tracker import NCCTracker, SiamFCTracker, StaticTracker, TrackerConfig, track
from siamkit.tracking.xcorr import CrossCorrelation, xcorr

__all__ = [
    "TRACKING_ENCODERS", "FCNet", "FrameFolder", "Sequence", "load_sequence", "read_boxes", "write_boxes",
    "SiamFCLoss", "score_labels", "center_error", "evaluate_boxes", "iou", "precision_at", "success_auc",
    "success_curve", "SiamFC", "SyntheticVideo", "VideoConfig", "synthetic_sequences", "NCCTracker",
    "SiamFCTracker", "StaticTracker", "TrackerConfig", "track", "CrossCorrelation", "xcorr",
]
