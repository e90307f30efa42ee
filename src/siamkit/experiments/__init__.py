"""Experiments: one runner per kind of study, each the same train → calibrate → evaluate → report path.

``config`` (:class:`ExperimentConfig`), ``splits`` (class-disjoint + stratified), ``build`` (model, projection,
loss from a config), ``outputs`` (the run folder), ``image`` / ``text`` (``siamkit train``), ``evaluate``
(``siamkit eval``), ``compare`` (architectures side by side), ``crossmodal`` (digits ↔ phrases) and
``selection`` (recipes chosen on proxy unseen classes)."""

from siamkit.core.lazy import lazy_exports

__getattr__, __dir__, __all__ = lazy_exports(
    __name__,
    {
        "ExperimentConfig": "siamkit.experiments.config",
        **dict.fromkeys(("Splits", "split_data", "held_out_split"), "siamkit.experiments.splits"),
        **dict.fromkeys(("build_model", "build_loss", "build_projection"), "siamkit.experiments.build"),
        "run_training": "siamkit.experiments.image",
        "run_text_training": "siamkit.experiments.text",
        **dict.fromkeys(("report_checkpoint", "dataset_parts"), "siamkit.experiments.evaluate"),
        **dict.fromkeys(("CompareConfig", "compare_models"), "siamkit.experiments.compare"),
        **dict.fromkeys(("CrossModalConfig", "run_digits_words", "cross_modal_retrieval"), "siamkit.experiments.crossmodal"),
        **dict.fromkeys(("run_selection", "selection_data"), "siamkit.experiments.selection"),
    },
)
