"""Data: labelled sources, pairs, splits and loaders (pair label 1 = same, 0 = different)."""

from siamkit.data.images import load_image, save_image
from siamkit.data.labeled import LabeledData
from siamkit.data.one_vs_rest import OneVsRestPairs
from siamkit.data.pairs import (
    PairBatchSampler,
    PairDataset,
    pair_loader,
    sample_pairs,
    stack_pairs,
    unstack_pairs,
)
from siamkit.data.sources import DATASETS, digits, image_folder, load_dataset
from siamkit.data.splits import class_disjoint_split, stratified_split
from siamkit.data.synthetic import colors, shapes

__all__ = [
    "DATASETS",
    "LabeledData",
    "OneVsRestPairs",
    "PairBatchSampler",
    "PairDataset",
    "class_disjoint_split",
    "colors",
    "digits",
    "image_folder",
    "load_dataset",
    "load_image",
    "pair_loader",
    "sample_pairs",
    "save_image",
    "shapes",
    "stack_pairs",
    "stratified_split",
    "unstack_pairs",
]
