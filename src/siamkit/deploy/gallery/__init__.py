"""The gallery: enrolled embeddings to search and verify against, saved atomically.

``gallery`` (the :class:`Gallery` API: enrol, search, verify, delete, save, open), ``items`` (what an item
is and the checks it passes; :class:`Match` and the errors), ``index`` (the vectors and the exact or FAISS
index searching them under a :class:`~siamkit.nn.distances.Distance`) and ``store`` (versioned on-disk
storage with an atomically replaced ``CURRENT`` pointer).
"""

from siamkit.deploy.gallery.gallery import METRICS, Gallery
from siamkit.deploy.gallery.index import INDEX_KINDS
from siamkit.deploy.gallery.items import DuplicateItem, GalleryError, ItemNotFound, Match, model_hash
from siamkit.deploy.gallery.store import FORMAT

__all__ = [
    "FORMAT", "INDEX_KINDS", "METRICS", "DuplicateItem", "Gallery", "GalleryError", "ItemNotFound", "Match",
    "model_hash",
]
