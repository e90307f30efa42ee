"""Data: labelled sources, pairs, splits and loaders (pair label 1 = same, 0 = different)."""

from siamkit.data.fashion import fashion_mnist
from siamkit.data.idx import read_idx
from siamkit.data.images import load_image, save_image
from siamkit.data.labeled import LabeledData, as_float
from siamkit.data.mnist_sample import mnist
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
from siamkit.data.text import TextClasses, TextPairs, read_text_classes, read_text_pairs, wordnet_gloss
from siamkit.data.triplets import PKBatchSampler, TripletDataset, pk_loader, sample_triplets

__all__ = [
    "DATASETS",
    "LabeledData",
    "as_float",
    "PKBatchSampler",
    "OneVsRestPairs",
    "PairBatchSampler",
    "PairDataset",
    "TripletDataset",
    "class_disjoint_split",
    "colors",
    "digits",
    "fashion_mnist",
    "image_folder",
    "load_dataset",
    "load_image",
    "mnist",
    "pair_loader",
    "read_idx",
    "pk_loader",
    "sample_pairs",
    "sample_triplets",
    "save_image",
    "shapes",
    "stack_pairs",
    "stratified_split",
    "unstack_pairs",
]
__all__ += ["TextClasses", "TextPairs", "read_text_classes", "read_text_pairs", "wordnet_gloss"]
