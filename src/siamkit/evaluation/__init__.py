"""Evaluation: ``inference`` (pair scores ``[P]``, embeddings ``[N, D]``), ``metrics`` (ROC AUC, EER,
TAR@FAR, threshold calibration), ``retrieval`` (Recall@K, MAP@R), ``fewshot`` (N-way K-shot), ``search``
(chunked exact nearest neighbours) and ``parts`` (all of them on the named parts of a dataset).
Pair labels: 1 = same, 0 = different."""

from siamkit.core.lazy import lazy_exports

__getattr__, __dir__, __all__ = lazy_exports(
    __name__,
    {
        **dict.fromkeys(("pair_scores", "embed_items"), "siamkit.evaluation.inference"),
        **dict.fromkeys(
            ("roc_auc", "roc_curve", "equal_error_rate", "calibrate_threshold", "calibrate_and_test",
             "verification_report", "VerificationReport", "tar_at_far", "far_threshold", "confusion_at",
             "accuracy_at", "best_accuracy_threshold", "FAR_TARGETS"),
            "siamkit.evaluation.metrics",
        ),
        **dict.fromkeys(("retrieval_metrics", "nearest_neighbours", "RetrievalReport"), "siamkit.evaluation.retrieval"),
        **dict.fromkeys(("few_shot_accuracy", "run_episodes", "FewShotResult"), "siamkit.evaluation.fewshot"),
        "exact_search": "siamkit.evaluation.search",
        **dict.fromkeys(("evaluate_part", "evaluate_parts", "PartResult"), "siamkit.evaluation.parts"),
    },
)
